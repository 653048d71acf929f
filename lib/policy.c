/* SPDX-License-Identifier: MIT */
/* Policies: options validated once into an immutable struct that any
 * number of threads may run under. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CODES_MAX 4096 /* retry_on / stop_on entries */

static const backoff_options_t defaults; /* all zero: every default */

/* Every core setting against the table: the same bounds, message and code
 * (BACKOFF_ERANGE) as "name=value" in params or backoff_strategy_set().
 * 0 is valid in every row (tests/check_settings holds the table to it), so
 * the fields left out, most of them, cost no check. */
static int check_row(size_t row, double v) {
  const backoff__setting_t *st = &backoff__settings[row];
  return backoff__setting_check(st, v) != 0 ? backoff__setting_refuse(st, v)
                                            : 0;
}

static int check_settings(const backoff_options_t *o) {
  int rc;

#define CHECK_ROW_(id, nm, type, field, ...)                                  \
  if (o->field != 0 &&                                                        \
      (rc = check_row(BACKOFF__SET_##id,                                      \
                      BACKOFF__AS_NUMBER(type, o->field))) != 0)              \
    return rc;
  BACKOFF_SETTINGS_MAP(CHECK_ROW_)
#undef CHECK_ROW_
  return 0;
}

/* The name of a strategy setting the options give besides a handle, or
 * NULL: the handle carries those. */
static const char *besides_handle(const backoff_options_t *o) {
  size_t i;

  if (o->strategy != NULL)
    return "strategy";
  if (o->params != NULL)
    return "params";
  for (i = 0; i < BACKOFF__SET_PIPELINE_COUNT; i++)
    if (backoff__setting_given(&backoff__settings[i], o))
      return backoff__settings[i].name;
  return NULL;
}

static int check_codes(const char *what, const int *codes, size_t n) {
  if (n > 0 && codes == NULL)
    return backoff__fail(BACKOFF_EINVAL, "%s_count is %zu but %s is NULL",
                         what, n, what);
  if (n > CODES_MAX)
    return backoff__fail(BACKOFF_EINVAL, "%s holds %zu codes (at most %d)",
                         what, n, CODES_MAX);
  return 0;
}

/* What no single setting can say: shapes and contradictions. */
static int check_shape(const backoff_options_t *o) {
  const char *extra;
  int rc;

  if (!BACKOFF__ROOM_IS_ZERO(o))
    return backoff__fail(BACKOFF_EINVAL, "options.reserved_ must be zero (use "
                                         "designated initializers)");
  if ((o->flags & ~BACKOFF_SEEDED) != 0)
    return backoff__fail(BACKOFF_EINVAL, "unknown flags 0x%x",
                         o->flags & ~BACKOFF_SEEDED);
  if ((rc = check_codes("retry_on", o->retry_on, o->retry_on_count)) != 0 ||
      (rc = check_codes("stop_on", o->stop_on, o->stop_on_count)) != 0)
    return rc;
  if (o->on_failure != NULL && o->failure_code != 0)
    return backoff__fail(BACKOFF_EINVAL,
                         "give on_failure or failure_code, not both");
  if (o->strategy_handle != NULL && (extra = besides_handle(o)) != NULL)
    return backoff__fail(BACKOFF_EINVAL,
                         "strategy_handle carries the strategy and its "
                         "settings: do not also give %s",
                         extra);
  return 0;
}

/* max_tries and max_delay after the environment's defaults. */
static int resolve_limits(struct backoff_policy_s *p) {
  double d = p->opt.max_delay;
  int rc;

  if (p->opt.max_tries == 0) {
    if ((rc = backoff__env_tries(&p->opt.max_tries)) != 0)
      return rc;
    if (p->opt.max_tries == 0)
      p->opt.max_tries =
          (unsigned int)backoff__settings[BACKOFF__SET_MAX_TRIES].def;
  }
  if (isinf(d))
    return 0; /* no limit, whatever the environment says */
  if (d == 0 && (rc = backoff__env_delay(&d)) != 0)
    return rc;
  p->max_delay_ns = (uint64_t)llround(d * 1e9);
  if (d > 0 && p->max_delay_ns == 0)
    p->max_delay_ns = 1;
  return 0;
}

/* The pipeline settings the options may carry instead of a handle: params
 * first, then each field given, through the one setter. */
static int apply_pipeline(struct backoff_strategy_s *s,
                          const backoff_options_t *o) {
  int rc;

  if (o->params != NULL &&
      (rc = backoff_strategy_configure(s, o->params)) != 0)
    return rc;
#define APPLY_ROW_(id, nm, type, field, ...)                                  \
  if (o->field != 0 && (rc = backoff__strategy_set_core(                      \
                            s, &backoff__settings[BACKOFF__SET_##id],         \
                            BACKOFF__AS_NUMBER(type, o->field))) != 0)        \
    return rc;
  BACKOFF_PIPELINE_SETTINGS(APPLY_ROW_)
#undef APPLY_ROW_
  return 0;
}

/* The strategy last: loading it is the only costly step. */
static int load_strategy(struct backoff_policy_s *p,
                         const backoff_options_t *o, int may_borrow) {
  int rc;

  if (o->strategy_handle != NULL) {
    p->strategy = o->strategy_handle;
  } else {
    rc = backoff__strategy_init(&p->own_strategy,
                                o->strategy ? o->strategy : "exponential",
                                may_borrow);
    if (rc != 0)
      return rc;
    p->strategy = &p->own_strategy;
    if ((rc = apply_pipeline(&p->own_strategy, o)) != 0)
      goto fail_strategy;
  }
  if ((rc = backoff__strategy_check(p->strategy)) != 0)
    goto fail_strategy;
  return 0;

fail_strategy:
  backoff__strategy_release(&p->own_strategy);
  return rc;
}

int backoff__policy_init(struct backoff_policy_s *p,
                         const backoff_options_t *o, int may_borrow) {
  int rc;

  memset(p, 0, offsetof(struct backoff_policy_s, own_strategy));
  p->own_strategy.module = NULL;
  p->own_strategy.borrow_ = 0;
  if (o == NULL)
    o = &defaults;
  /* Numbers and shapes first: they cost nothing and need no plugin. */
  if ((rc = check_shape(o)) != 0 || (rc = check_settings(o)) != 0)
    return rc;
  p->opt = *o;
  p->opt.strategy = NULL;
  p->opt.params = NULL;
  p->opt.strategy_handle = NULL;
  p->opt.report = NULL;
  if ((rc = resolve_limits(p)) != 0)
    return rc;
  return load_strategy(p, o, may_borrow);
}

void backoff__policy_release(struct backoff_policy_s *p) {
  backoff__strategy_release(&p->own_strategy);
  free(p->owned_codes);
  p->owned_codes = NULL;
}

/* The policy outlives the options: own copies of the code lists. */
static int own_codes(struct backoff_policy_s *p) {
  const size_t nr = p->opt.retry_on_count, n = nr + p->opt.stop_on_count;

  if (n == 0)
    return 0;
  p->owned_codes = malloc(n * sizeof(int));
  if (p->owned_codes == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory building a policy");
  if (nr > 0)
    memcpy(p->owned_codes, p->opt.retry_on, nr * sizeof(int));
  if (n > nr)
    memcpy(p->owned_codes + nr, p->opt.stop_on, (n - nr) * sizeof(int));
  p->opt.retry_on = p->owned_codes;
  p->opt.stop_on = p->owned_codes + nr;
  return 0;
}

int backoff_policy_new(backoff_policy_t **out,
                       const backoff_options_t *options) {
  backoff_policy_t *p;
  int rc;

  if (out == NULL)
    return backoff__fail(BACKOFF_EINVAL, "out is NULL");
  *out = NULL;
  backoff__clear_error();
  p = malloc(sizeof(*p));
  if (p == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory building a policy");
  if ((rc = backoff__policy_init(p, options, 0)) != 0)
    goto fail_alloc;
  /* The policy outlives the options: own copies of what they point to. */
  if (p->strategy != &p->own_strategy) {
    backoff__strategy_copy(&p->own_strategy, p->strategy);
    backoff__module_ref(p->own_strategy.module);
    p->strategy = &p->own_strategy;
  }
  if ((rc = own_codes(p)) != 0)
    goto fail_init;
  *out = p;
  return 0;

fail_init:
  backoff__policy_release(p);
fail_alloc:
  free(p);
  return rc;
}

void backoff_policy_free(backoff_policy_t *p) {
  if (p == NULL)
    return;
  backoff__policy_release(p);
  free(p);
}

const backoff_strategy_t *backoff_policy_strategy(const backoff_policy_t *p) {
  return p ? p->strategy : NULL;
}

unsigned int backoff_policy_max_tries(const backoff_policy_t *p) {
  return p ? p->opt.max_tries : 0;
}

double backoff_policy_max_delay(const backoff_policy_t *p) {
  return p ? (double)p->max_delay_ns / 1e9 : 0;
}
