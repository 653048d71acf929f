/* SPDX-License-Identifier: MIT */
/* Internal interfaces between the files of lib/. Nothing here is exported:
 * the library is built with -fvisibility=hidden and only BACKOFF_EXTERN
 * symbols leave it. */
#ifndef BACKOFF_INTERNAL_H
#define BACKOFF_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "backoff.h"
#include "backoff/plugin.h"
#include "seam/backoff_seam.h"

#if defined(__GNUC__) || defined(__clang__)
#define BACKOFF_LIKELY(x) __builtin_expect(!!(x), 1)
#define BACKOFF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define BACKOFF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BACKOFF_LIKELY(x) (x)
#define BACKOFF_UNLIKELY(x) (x)
#define BACKOFF_PRINTF(f, a)
#endif

/* error.c: record this thread's detailed message and return err, so error
 * paths read `return backoff__fail(BACKOFF_EINVAL, "...", ...);`. */
int backoff__fail(int err, const char *fmt, ...) BACKOFF_PRINTF(2, 3);
void backoff__clear_error(void);

/* loader.c: the only user of libltdl. A module is shared by every strategy
 * handle opened on the same request; a released one stays loaded while
 * recently used (see loader.c for the limit and the eviction rule). */
typedef struct backoff__module_s backoff__module_t;
typedef struct backoff__alias_s backoff__alias_t;
struct backoff__module_s {
  backoff_compute_delay_fn compute;
  const backoff_param_t *params; /* validated table, or NULL */
  size_t nparams;
  const char *description; /* never NULL */
  unsigned int flags;      /* backoff_plugin_flags, or 0 */
  const char *path;        /* the file loaded */
  /* private to loader.c */
  void *handle_;
  unsigned long refs_;        /* atomic */
  int used_;                  /* atomic: looked up since the clock hand */
  backoff__alias_t *aliases_; /* the cache keys naming it */
};
/* reserved: the names a plugin parameter may not take (the core's own
 * settings), NULL-terminated; the loader refuses a table that uses one.
 * borrow: NULL, or (the call form: open and release within one call) where
 * to record a borrow: a cached module may then be published in this
 * thread's reader slot instead of counted, so threads calling backoff()
 * with the same strategy write nothing they share. *borrow is 0 (a
 * reference was taken) or the slot to hand back to backoff__module_unref. */
int backoff__module_open(backoff__module_t **out, const char *name,
                         const char *const *reserved, unsigned *borrow);
void backoff__module_ref(backoff__module_t *m);
/* Releases a reference (borrow 0) or the borrow open recorded. */
void backoff__module_unref(backoff__module_t *m, unsigned borrow);
/* The entry symbol `sym` of module <prefix><name> (e.g. "budget_"
 * "redis"), found on the strategies' search path, opened RTLD_LOCAL and
 * checked for BACKOFF_PLUGIN_ABI first. The module stays loaded for the
 * life of the process. */
int backoff__plugin_entry(const char *prefix, const char *name,
                          const char *sym, const void **entry);

/* objcheck.c: 0 when `path` (a shared object, or a libtool .la and the
 * object libltdl would pick from it) may be handed to dlopen; BACKOFF_ELOAD
 * with a message for an unreadable or truncated file. */
int backoff__check_shared_object(const char *path);
/* 1 with buf set to the libtool module name whose _LTX_ prefix file's
 * symbols carry ("strategy_linear"), 0 if it has none (or is unreadable).
 * For error messages only. */
int backoff__ltx_prefix_in(const char *file, char *buf, size_t size);
/* The plugin's parameter table, checked once: *count entries, bounded by
 * the symbol's size when the dynamic linker knows it. BACKOFF_EPLUGIN. */
int backoff__check_params(const char *path, const backoff_param_t *t,
                          const char *const *reserved, size_t *count);

/* search.c: BACKOFF_PLUGIN_PATH (read once; *out NULL when unset), the
 * search path's iterator (BACKOFF_PLUGIN_PATH's absolute entries, then
 * BACKOFF_PLUGINDIR) and the rule picking the file a name loads: the first
 * directory holding strategy_<name>.so or .la, in that order, skipping
 * unsearchable directories and dangling links. find_strategy returns 0
 * with path set, 1 when no directory has one (searched lists them), or an
 * error. */
int backoff__plugin_path(const char **out);
typedef struct {
  const char *dir; /* not NUL-terminated: len bytes */
  size_t len;
  const char *rest_;
  int builtin_done_;
} backoff__dirs_t;
void backoff__dirs_start(backoff__dirs_t *it, const char *path);
int backoff__dirs_next(backoff__dirs_t *it);
int backoff__find_strategy(const char *name, char *path, size_t size,
                           char *searched, size_t searched_size);
/* The same rule for another kind of module: <prefix><name>.so or .la. */
int backoff__find_plugin(const char *prefix, const char *name, char *path,
                         size_t size, char *searched, size_t searched_size);
/* listing.c: 1 with out set to the strategy name on the search path
 * closest to name (a likely misspelling of it), else 0. */
int backoff__closest_name(const char *name, char *out, size_t size);

/* strategy.c: the handle is one flat struct so a policy can embed it and
 * the call form can keep one on the stack: no allocation but the handle's
 * own (backoff_strategy_open). */
#define BACKOFF__HANDLE_FIELD_(id, nm, type, field, ...)                      \
  BACKOFF__CTYPE(type) field;
struct backoff_strategy_s {
  backoff__module_t *module;
  /* 0, or the reader slot (+1) through which this handle borrows module
   * instead of holding a reference; never copied (a copy takes one). */
  unsigned borrow_;
  char name[BACKOFF_NAME_MAX + 1];
  /* The pipeline settings, one field per row of the table, named as in
   * backoff_options_t; set through backoff__strategy_set_core() only, so
   * they hold effective values (jitter is never DEFAULT, cap 0 is none). */
  BACKOFF_PIPELINE_SETTINGS(BACKOFF__HANDLE_FIELD_)
  backoff_param_value_t values[BACKOFF_PARAM_MAX];
  /* Storage of every list parameter, back to back; values[i].list points
   * in here (backoff__strategy_copy relocates the pointers). */
  double pool[BACKOFF_LIST_MAX];
  size_t pool_used;
};
/* may_borrow: the handle is released on this thread within the call. */
int backoff__strategy_init(struct backoff_strategy_s *s, const char *name,
                           int may_borrow);
void backoff__strategy_copy(struct backoff_strategy_s *dst,
                            const struct backoff_strategy_s *src);
void backoff__strategy_release(struct backoff_strategy_s *s);
int backoff__strategy_check(const struct backoff_strategy_s *s);
/* BACKOFF_ERANGE, with the message saying what row st accepts. */
int backoff__setting_refuse(const backoff__setting_t *st, double v);
/* Set the pipeline setting of row st (a BACKOFF_PIPELINE_SETTINGS row) to
 * v, checked against the table: 0 or BACKOFF_ERANGE. */
int backoff__strategy_set_core(struct backoff_strategy_s *s,
                               const backoff__setting_t *st, double v);
/* 1 for the core's own setting names (jitter, scale_factor, ...), which a
 * plugin parameter may not take. */
int backoff__is_core_setting(const char *name);

/* pipeline.c */
int backoff__delay(const struct backoff_strategy_s *s, unsigned int n,
                   double previous, backoff_random_fn rnd, void *rnd_ctx,
                   double *delay);

/* random.c */
uint64_t backoff__seed_next(void);
double backoff__thread_uniform(void *unused);

/* env.c: the BACKOFF_DEFAULT_* values, parsed once per process; 0 when
 * unset. Return 0 or BACKOFF_EENV (with the thread's message set each time
 * they are asked). */
int backoff__env_tries(unsigned int *tries);
int backoff__env_delay(double *delay_s);

/* policy.c */
struct backoff_policy_s {
  /* The options, kept whole and read in place by the schedule and the
   * loop: max_tries holds the effective value (environment applied); the
   * strategy strings and handle, and the report, are cleared (they are
   * the caller's and may not outlive backoff_policy_new). */
  backoff_options_t opt;
  /* Points at own_strategy, or at the caller's handle in the call form. */
  const struct backoff_strategy_s *strategy;
  uint64_t max_delay_ns; /* 0: none */
  int *owned_codes;      /* retry_on and stop_on copies, one allocation */
  /* Last, so backoff__policy_init can zero every field above it cheaply. */
  struct backoff_strategy_s own_strategy;
};
/* Fill p from options without allocating: the lists stay borrowed (the call
 * form's options outlive the call). */
/* may_borrow: p is released on this thread within the call (backoff()). */
int backoff__policy_init(struct backoff_policy_s *p,
                         const backoff_options_t *o, int may_borrow);
void backoff__policy_release(struct backoff_policy_s *p);

/* schedule.c */
int backoff__schedule_start(backoff_schedule_t *s,
                            const struct backoff_policy_s *p, int need_clock);
/* What a run under s returns once stopped: 0 for a success, the library
 * error, else failure_code when non-zero, else the operation's last code. */
int backoff__schedule_result(const backoff_schedule_t *s, int failure_code);
/* The blocking loop's wait ended the run: err < 0 a library error, else a
 * cancel; unslept is the part of the last delay that was not waited. */
void backoff__schedule_interrupt(backoff_schedule_t *s, int err,
                                 double unslept);
/* The blocking loop slept on the real clock until the very instant next()
 * granted: the next begin() need not read the clock to judge lateness. */
void backoff__schedule_woke_on_time(backoff_schedule_t *s);
/* A report of s (room zeroed), result as backoff__schedule_result. */
void backoff__report_fill(const backoff_schedule_t *s, backoff_report_t *r,
                          int failure_code);
/* Copies src into the caller's dst: the fields, never the room. */
void backoff__report_out(backoff_report_t *dst, const backoff_report_t *src);

/* budget.c. failed: every failed call (the ratio throttle counts them all).
 * withdraw: a retry is wanted; 1 when it may go ahead (and was paid for,
 * *cost growing by what it cost), 0 when refused. deposit: a success, with
 * what this call's retries cost. */
void backoff__budget_failed(backoff_budget_t *b);
int backoff__budget_withdraw(backoff_budget_t *b, int rc, int *cost);
void backoff__budget_deposit(backoff_budget_t *b, int first_try, int cost);

/* 1 when reserved room (n slots) is all zero, as the ABI rule demands of
 * the structs a caller fills. */
static inline int backoff__room_is_zero(const uint64_t *room, size_t n) {
  uint64_t any = 0;
  size_t i;

  for (i = 0; i < n; i++)
    any |= room[i];
  return any == 0;
}
#define BACKOFF__ROOM_IS_ZERO(s)                                              \
  backoff__room_is_zero((s)->reserved_,                                       \
                        sizeof((s)->reserved_) / sizeof((s)->reserved_[0]))

static inline uint64_t backoff__now(const struct backoff_policy_s *p) {
  return p->opt.clock ? p->opt.clock(p->opt.clock_ctx) : backoff_clock_ns();
}

#endif /* BACKOFF_INTERNAL_H */
