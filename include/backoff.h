/* SPDX-License-Identifier: MIT */
/* libbackoff: retry with backoff, for C.
 *
 * The C counterpart of Python's backoff-utils: retry an operation while it
 * fails, waiting longer after each failure according to a strategy plugin:
 * exponential by default, any other installed one (`backoff
 * --list-strategies` lists them; backoff(3) describes them), or your own
 * (backoff-plugin(7)).
 *
 * Forms:
 *   backoff(fn, arg, &options)        one call, options checked each time
 *   backoff_policy_new() + backoff_run()
 *   BACKOFF_APPLY(name, fn, options)  a retrying drop-in for fn, built once
 *   backoff_schedule_*()              non-blocking, for event loops
 *
 * Conventions. Every function that can fail returns 0 or a positive value on
 * success and a negative BACKOFF_E* code on failure; backoff_strerror()
 * names it and backoff_last_error() gives this thread's detailed message
 * (which file, which variable, which value). Out-parameters are cleared
 * before anything can fail. Everything is thread-safe unless a comment says
 * otherwise: a policy is immutable and may be shared by any number of
 * threads; a schedule belongs to one caller at a time.
 *
 * Units: delays and durations are seconds as double; clocks are nanoseconds.
 *
 * Structs that grow. A public struct keeps its size and every offset for
 * the life of the ABI: new fields are carved from reserved room at its
 * end, `uint64_t reserved_[N]` (8-byte slots on every target), so a
 * program built against an older header keeps working with a newer
 * library, and the other way round.
 *   - The recipe: a new field takes the first whole slots of reserved_ and
 *     N shrinks by as many. An 8-byte field (double, uint64_t) takes one
 *     slot; two 4-byte fields (int, unsigned, float, an enum) share one,
 *     and a lone 4-byte field is followed by `uint32_t name_pad_;` to fill
 *     its slot (uint64_t is only 4-aligned on i386: nothing else would
 *     keep the size); a pointer takes one, followed by
 *     BACKOFF_PTR_PAD_(name), which pads it to 8 bytes where pointers have
 *     4. Its 0 must mean today's behaviour. tests/consumers/struct_sizes.c
 *     pins every size per data model, so a slip fails the build.
 *   - What you fill for the library (backoff_options_t,
 *     backoff_budget_options_t): the room must be zero (designated
 *     initializers, = {0} and memset do that); anything else is refused
 *     with BACKOFF_EINVAL, so a later field can give 0 its meaning.
 *   - What the library fills for you (backoff_report_t,
 *     backoff_param_info_t): it writes the fields it knows and never what
 *     is still room (1.0 writes none of it). Zero the struct before the
 *     call (= {0}) if you read a field newer than the oldest library you
 *     may run with: a library that does not know it leaves it 0.
 *   - What the library keeps in your storage (backoff_schedule_t,
 *     backoff_cancel_t): private fields and room, set by the init
 *     functions and macros. backoff_apply_t is two private pointers and
 *     will stay so.
 *   - Frozen: backoff_rng_t (four words of state, for good), and the
 *     plugin contract's arrays, backoff_param_t and backoff_param_value_t
 *     (an array's stride cannot grow): the plugin contract grows by new
 *     optional symbols or a new BACKOFF_PLUGIN_ABI, never by these.
 * tests/check_abi.c compiles the earlier layouts and checks all of this.
 */
#ifndef BACKOFF_H
#define BACKOFF_H

/* C99 or later (designated initializers, <stdint.h>, variadic macros), or
 * C++ (BACKOFF_APPLY with options: C++20's designated initializers). */
#if !defined(__cplusplus) &&                                                  \
    (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 199901L)
#error "libbackoff needs a C99 compiler (e.g. cc -std=c99) or C++"
#endif

#include <stddef.h>
#include <stdint.h>

#include "backoff/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BACKOFF_EXTERN __attribute__((visibility("default")))
#else
#define BACKOFF_EXTERN
#endif

/* Pads a pointer carved from reserved room to a whole 8-byte slot (see
 * "Structs that grow" above). */
#if defined(__SIZEOF_POINTER__) ? __SIZEOF_POINTER__ == 4                     \
                                : UINTPTR_MAX == 0xffffffffu
#define BACKOFF_PTR_PAD_(name) uint32_t name;
#else
#define BACKOFF_PTR_PAD_(name)
#endif

/* ------------------------------------------------------------------------
 * Errors
 *
 * Append-only: a code is never renumbered or reused.
 */
#define BACKOFF_ERRNO_MAP(XX)                                                 \
  XX(EINVAL, -1, "invalid argument")                                          \
  XX(ENOMEM, -2, "out of memory")                                             \
  XX(ENOENT, -3, "not found (a strategy, a budget or its module)")            \
  XX(ENAME, -4, "invalid strategy name")                                      \
  XX(ELOAD, -5, "plugin could not be loaded")                                 \
  XX(ENOSYM, -6, "plugin lacks a required symbol")                            \
  XX(EABI, -7, "plugin built for another plugin ABI")                         \
  XX(EPLUGIN, -8, "strategy plugin has a malformed parameter table")          \
  XX(EPARAM, -9, "unknown parameter")                                         \
  XX(ERANGE, -10, "value out of range")                                       \
  XX(ESYNTAX, -11, "malformed value")                                         \
  XX(EDELAY, -12, "strategy returned NaN, an infinity or a negative delay")   \
  XX(EENV, -13, "bad value in a BACKOFF_DEFAULT_* environment variable")      \
  XX(ERANDOM, -14, "random source returned a value outside [0, 1)")           \
  XX(ESYS, -15, "system call failed")                                         \
  XX(ESTATE, -16, "call not valid in this state")                             \
  XX(EMISMATCH, -17, "shared budget exists with other settings")              \
  XX(ECORRUPT, -18, "shared budget object is foreign, truncated or corrupt")  \
  XX(EUNREACH, -19, "budget server unreachable")                              \
  XX(EAUTH, -20, "budget server refused the credentials")

/* Codes run -1, -2, ... without gaps, so the lowest is minus their count. */
#define BACKOFF_ERR_ENUM_(name, value, msg) BACKOFF_##name = (value),
#define BACKOFF_ERR_COUNT_(name, value, msg) -1
typedef enum {
  BACKOFF_ERRNO_MAP(BACKOFF_ERR_ENUM_) BACKOFF_ERRNO_MIN_ =
      0 BACKOFF_ERRNO_MAP(BACKOFF_ERR_COUNT_) /* internal */
} backoff_errno_t;
#undef BACKOFF_ERR_ENUM_
#undef BACKOFF_ERR_COUNT_

/* backoff_strerror: a short English description of err ("unknown error"
 * for a code this version does not know). Never NULL; static storage. */
BACKOFF_EXTERN const char *backoff_strerror(int err);

/* backoff_err_name: the code's name, e.g. "BACKOFF_EINVAL", or
 * "BACKOFF_EUNKNOWN". Never NULL; static storage. */
BACKOFF_EXTERN const char *backoff_err_name(int err);

/* backoff_last_error: the detailed message of the most recent error
 * returned to this thread by any libbackoff function, e.g.
 * "BACKOFF_DEFAULT_TRIES='abc': not a whole number >= 1"; empty before the
 * first one. Successful calls leave it alone (backoff_policy_new() clears
 * it), so read it right after a call returned an error. Never NULL. */
BACKOFF_EXTERN const char *backoff_last_error(void);

/* ------------------------------------------------------------------------
 * Versions
 */

/* backoff_version: BACKOFF_VERSION_HEX of the library actually loaded. */
BACKOFF_EXTERN unsigned int backoff_version(void);
/* backoff_version_string: e.g. "1.0.0". Static storage. */
BACKOFF_EXTERN const char *backoff_version_string(void);

/* ------------------------------------------------------------------------
 * Random source
 *
 * The built-in generator (xoshiro256**): small, fast, reproducible from a
 * seed. Not for cryptography. Fields are private.
 */
typedef struct backoff_rng_s {
  uint64_t s_[4];
} backoff_rng_t;

/* backoff_rng_seed: (re)start rng from seed; any seed, 0 included, is fine.
 * The same seed always gives the same sequence, on every platform. */
BACKOFF_EXTERN void backoff_rng_seed(backoff_rng_t *rng, uint64_t seed);

/* backoff_rng_uniform: next uniform double in [0, 1) from a backoff_rng_t
 * passed as void * so it fits every "random" hook below. Not thread-safe
 * for one rng; use one per thread. */
BACKOFF_EXTERN double backoff_rng_uniform(void *rng);

/* A random source hook: returns a uniform double in [0, 1). A value outside
 * that range (or NaN) stops the caller with BACKOFF_ERANDOM. */
typedef double (*backoff_random_fn)(void *ctx);

/* ------------------------------------------------------------------------
 * Strategies and the delay pipeline
 *
 * delay(n) = cap( minimum( scale( jitter( compute_delay(n) ) ) ) )
 *
 *   1. base   = the plugin's compute_delay(n), n = index of the failed call
 *   2. jitter : none      base
 *               additive  base + U[0,1)         (default: the reference's)
 *               full      U[0,1) * base         (AWS "full jitter")
 *               equal     base/2 + U[0,1)*base/2
 *               proportional  base * U[1-f, 1+f], f = jitter_factor
 *   3. scale  : * scale_factor (default 1)
 *   4. minimum: raised to `minimum` seconds if below it
 *   5. cap    : no delay exceeds `cap`. The cap never collapses the jitter
 *               onto it: when the un-jittered delay reaches the cap, the
 *               jitter window is moved below the cap instead, so delays stay
 *               spread over the same width (full: [0,cap), equal: [cap/2,
 *               cap), additive: [cap-w, cap) with w = scale_factor, at
 *               most cap/2).
 *   Saturation: every delay is at most BACKOFF_DELAY_MAX seconds, whatever
 *   n (all of 0..UINT_MAX are valid) or the plugin returns; a plugin value
 *   that is NaN, infinite or negative is an error (BACKOFF_EDELAY).
 */
#define BACKOFF_DELAY_MAX 1e9 /* seconds (about 31.7 years) */

typedef enum {
  /* ADDITIVE, or NONE for a strategy that draws its own randomness
   * (BACKOFF_PLUGIN_OWN_JITTER in backoff/plugin.h, e.g. decorrelated) */
  BACKOFF_JITTER_DEFAULT = 0,
  BACKOFF_JITTER_NONE = 1,
  BACKOFF_JITTER_ADDITIVE = 2,
  BACKOFF_JITTER_FULL = 3,
  BACKOFF_JITTER_EQUAL = 4,
  BACKOFF_JITTER_PROPORTIONAL = 5
} backoff_jitter_t;

/* backoff_jitter_name / backoff_jitter_parse: "none", "additive", "full",
 * "equal", "proportional" <-> the enum. parse returns 0 or BACKOFF_ESYNTAX. */
BACKOFF_EXTERN const char *backoff_jitter_name(backoff_jitter_t mode);
BACKOFF_EXTERN int backoff_jitter_parse(const char *name,
                                        backoff_jitter_t *mode);

/* A loaded strategy with its parameters and pipeline settings. */
typedef struct backoff_strategy_s backoff_strategy_t;

/* backoff_strategy_open: load a strategy.
 * `name` is either a bare name matching [a-z0-9_]{1,64} ("exponential"),
 * looked up as strategy_<name>.so (or .la) in, in order: each absolute
 * directory of $BACKOFF_PLUGIN_PATH (colon-separated; ignored in setuid and
 * setgid programs; relative entries are skipped), the installed plugin
 * directory, then modules preloaded with -dlpreopen; or a path (it contains
 * a '/'), opened as given. Plugins are opened RTLD_LOCAL, checked
 * (BACKOFF_EABI, BACKOFF_ENOSYM, BACKOFF_EPLUGIN) and cached: opening a
 * loaded strategy again (by name or absolute path) takes no lock and makes
 * no system call; up to 64 released plugins stay loaded.
 * Errors: EINVAL, ENAME, ENOENT, ELOAD, ENOSYM, EABI, EPLUGIN, ENOMEM;
 * ESTATE from a plugin's constructor asking for a strategy not loaded;
 * backoff_last_error() says which file and what to check.
 * Thread-safe; fork-safe (the loader's lock is taken around fork, so a
 * fork() waits for a load in progress; a plugin constructor may fork).
 * Lock order: the loader lock is taken before the C library's dynamic
 * linker lock (it calls dlopen/dlclose/dladdr under it). So code that runs
 * under the dynamic linker's lock (a constructor or destructor of a library
 * being dlopen()ed or dlclose()d by something other than libbackoff) must
 * not open a strategy that is not loaded yet (backoff_strategy_open, or a
 * policy or call form naming it): it can deadlock with a thread loading a
 * plugin. A loaded strategy takes no lock and is fine. Likewise a plugin's
 * own pthread_atfork handlers must not take locks that a thread holds
 * while opening a strategy. */
BACKOFF_EXTERN int backoff_strategy_open(backoff_strategy_t **out,
                                         const char *name);

/* backoff_strategy_dup: an independent copy (same module, same settings). */
BACKOFF_EXTERN int backoff_strategy_dup(backoff_strategy_t **out,
                                        const backoff_strategy_t *s);

/* backoff_strategy_free: release; NULL is fine. */
BACKOFF_EXTERN void backoff_strategy_free(backoff_strategy_t *s);

/* backoff_strategy_name: the name it was opened with. */
BACKOFF_EXTERN const char *backoff_strategy_name(const backoff_strategy_t *s);
/* backoff_strategy_path: the file actually loaded, as an absolute path with
 * symlinks resolved when the strategy was given by path ("preloaded:<name>"
 * for a preloaded module). */
BACKOFF_EXTERN const char *backoff_strategy_path(const backoff_strategy_t *s);

/* backoff_strategy_set: set a numeric setting by name: one of the plugin's
 * parameters (e.g. "exponent") or a core setting, with the bounds and the
 * meaning of 0 of its backoff_options_t field: "jitter" (a
 * backoff_jitter_t, by number), "jitter_factor" (0, 1], "scale_factor"
 * (0, 1e9], "minimum" [0, 1e9], "cap" [0, 1e9] (0: none). For a setting
 * whose 0 stands for a default, 0 sets that default.
 * A list parameter set this way becomes the one-value list [value].
 * Errors: EINVAL (NULL), EPARAM (unknown name), ERANGE (outside the
 * setting's bounds, not finite, or not whole for an integer parameter or a
 * jitter mode).
 * Not thread-safe against concurrent use of the same handle. */
BACKOFF_EXTERN int backoff_strategy_set(backoff_strategy_t *s,
                                        const char *name, double value);

/* backoff_strategy_set_list: set a list parameter (e.g. fixed's
 * "sequence") to values[0..count-1], 1 <= count <= BACKOFF_LIST_MAX. */
BACKOFF_EXTERN int backoff_strategy_set_list(backoff_strategy_t *s,
                                             const char *name,
                                             const double *values,
                                             size_t count);

/* backoff_strategy_set_jitter: choose the jitter mode (DEFAULT: additive,
 * or none for a strategy that draws its own randomness).
 * Errors: EINVAL (NULL handle), ERANGE (unknown mode). */
BACKOFF_EXTERN int backoff_strategy_set_jitter(backoff_strategy_t *s,
                                               backoff_jitter_t mode);

/* backoff_strategy_get: read a numeric setting (a list reads its first
 * value; "jitter" reads the backoff_jitter_t as a number).
 * Errors: EINVAL, EPARAM. */
BACKOFF_EXTERN int backoff_strategy_get(const backoff_strategy_t *s,
                                        const char *name, double *value);

/* backoff_strategy_configure: apply "name=value,..." settings, e.g.
 * "exponent=3,scale_factor=0.5,jitter=full,sequence=1,2,5". A bare value
 * after a list parameter extends that list. Whitespace around items is
 * ignored. All-or-nothing: on error nothing is changed.
 * Errors: EINVAL, ESYNTAX, EPARAM, ERANGE (backoff_last_error() quotes the
 * offending item). */
BACKOFF_EXTERN int backoff_strategy_configure(backoff_strategy_t *s,
                                              const char *spec);

/* backoff_strategy_delay: the delay in seconds after failed call n.
 * `previous` is the delay waited after failure n-1 (0 for n = 0): only
 * strategies that use it (e.g. decorrelated jitter) read it. rnd/rnd_ctx
 * supply the randomness (NULL: a per-thread generator seeded once).
 * Errors: EINVAL (NULL, `previous` negative or not finite, minimum above a
 * non-zero cap), EDELAY, ERANDOM. Thread-safe for a handle that is not
 * being modified. */
BACKOFF_EXTERN int backoff_strategy_delay(const backoff_strategy_t *s,
                                          unsigned int n, double previous,
                                          backoff_random_fn rnd, void *rnd_ctx,
                                          double *delay);

/* Describes parameter i (0-based) of a strategy, for listings. Returns 1
 * and fills *param while i is in range, 0 past the end (param zeroed),
 * BACKOFF_EINVAL when s or param is NULL. */
typedef struct backoff_param_info_s {
  const char *name;
  double def, min, max;
  const char *help;
  int is_list;
  int is_integer;
  uint64_t reserved_[4]; /* room to grow; never written by the library */
} backoff_param_info_t;
BACKOFF_EXTERN int backoff_strategy_param(const backoff_strategy_t *s,
                                          size_t i,
                                          backoff_param_info_t *param);

/* backoff_strategy_description: the plugin's one-line description ("" if
 * it has none). */
BACKOFF_EXTERN const char *
backoff_strategy_description(const backoff_strategy_t *s);

/* backoff_strategy_foreach: call cb for every strategy file found on the
 * search path, in search order (a name shadowed by an earlier directory is
 * reported once, with the file that wins; preloaded modules are not
 * listed). Stops early and returns cb's value when cb returns non-zero;
 * otherwise 0, or BACKOFF_EINVAL (cb NULL), BACKOFF_ENOMEM, BACKOFF_ESYS
 * (a directory could not be read for lack of descriptors). Thread-safe;
 * cb runs with no library lock held. */
BACKOFF_EXTERN int backoff_strategy_foreach(
    int (*cb)(const char *name, const char *path, void *ctx), void *ctx);

/* ------------------------------------------------------------------------
 * Cancellation
 *
 * A token a caller shares with a retrying loop. backoff_cancel() may be
 * called from any thread or from a signal handler (it is async-signal-safe)
 * and wakes a loop sleeping on this token at once. Initialise with
 * BACKOFF_CANCEL_INIT or backoff_cancel_init(). Fields are private.
 */
typedef struct backoff_cancel_s {
  int state_;
  int reserved_[3];
} backoff_cancel_t;
#define BACKOFF_CANCEL_INIT                                                   \
  {                                                                           \
    0, { 0, 0, 0 }                                                            \
  }

/* backoff_cancel_init: set a token to "not cancelled" (as
 * BACKOFF_CANCEL_INIT does). NULL is ignored. */
BACKOFF_EXTERN void backoff_cancel_init(backoff_cancel_t *token);
/* backoff_cancel: cancel; loops sleeping on the token wake at once, and
 * the runs using it stop before their next retry. Any thread, or a signal
 * handler. NULL is ignored. */
BACKOFF_EXTERN void backoff_cancel(backoff_cancel_t *token);
/* backoff_cancel_reset: make a token usable again (not while a loop uses it).
 */
BACKOFF_EXTERN void backoff_cancel_reset(backoff_cancel_t *token);
/* backoff_cancel_requested: non-zero once the token was cancelled (0 for
 * NULL). Async-signal-safe. */
BACKOFF_EXTERN int backoff_cancel_requested(const backoff_cancel_t *token);

/* backoff_sleep: sleep `seconds` on CLOCK_MONOTONIC towards an absolute
 * deadline: a signal (EINTR) neither shortens nor lengthens it. With a
 * token, returns early once the token is cancelled. Returns 0 when the time
 * has passed, 1 when cancelled, BACKOFF_EINVAL for seconds that are NaN,
 * negative or above BACKOFF_DELAY_MAX, BACKOFF_ESYS if the clock fails. */
BACKOFF_EXTERN int backoff_sleep(double seconds,
                                 const backoff_cancel_t *token);

/* backoff_sleep_until: sleep until the absolute CLOCK_MONOTONIC time
 * wake_ns (nanoseconds, as backoff_clock_ns() reads it), under the same
 * rules as backoff_sleep(); a time already past returns at once. Returns 0,
 * 1 when cancelled, or BACKOFF_ESYS. */
BACKOFF_EXTERN int backoff_sleep_until(uint64_t wake_ns,
                                       const backoff_cancel_t *token);

/* backoff_clock_ns: CLOCK_MONOTONIC in nanoseconds (the default clock). */
BACKOFF_EXTERN uint64_t backoff_clock_ns(void);

/* ------------------------------------------------------------------------
 * Retry budgets: a shared allowance that stops a fleet of clients from
 * turning an outage into a retry storm. One budget may be shared by any
 * number of threads and policies (options.budget). A process's own budget
 * and a shm: budget are lock-free; a redis: budget spends a lease locally
 * and makes a round trip, under a lock and within timeout_ms, only when
 * the lease runs out (backoff_budget_open). A retry the budget refuses
 * stops the loop with BACKOFF_STOP_BUDGET.
 *
 *   token bucket (AWS SDK "standard" retry mode): starts full at
 *     `capacity`; each retry withdraws `retry_cost` (`timeout_cost` when the
 *     failed code is one of `timeout_codes`) and is refused when the bucket
 *     cannot pay; a success deposits what its own retries cost, or
 *     `success_refund` after a first-try success; never above capacity.
 *   ratio (gRPC retry throttling): starts at `max_tokens`; every retryable
 *     failure takes 1 (down to 0; the last failure of a call that ran out
 *     of tries counts too, one that is not retryable or marked permanent
 *     does not, as in gRPC), every success adds `token_ratio` (up to
 *     max_tokens); retries are allowed only while tokens > max_tokens / 2.
 *   Costs are kept in thousandths of a token, exactly (gRPC's precision):
 *   max_tokens and token_ratio are rounded to 0.001.
 */
typedef struct backoff_budget_s backoff_budget_t;

typedef enum {
  BACKOFF_BUDGET_TOKEN_BUCKET = 0,
  BACKOFF_BUDGET_RATIO = 1
} backoff_budget_kind_t;

/* options.flags */
/* shm: create the object readable and writable by the owner's group too
 * (mode 0660 instead of 0600), and use an existing one whose group is one
 * of this user's (without it: only this user's own). */
#define BACKOFF_BUDGET_GROUP 0x1u
/* backoff_budget_open(): attach to an existing shared budget whatever its
 * settings (they are read from it) and never create one (BACKOFF_ENOENT). */
#define BACKOFF_BUDGET_ATTACH 0x2u

/* Zero means default everywhere. Growing it: new fields take the place of
 * reserved_ (which must be zero: BACKOFF_EINVAL otherwise), so a program
 * built against an older header passes zero for them. */
typedef struct backoff_budget_options_s {
  backoff_budget_kind_t kind;
  /* token bucket */
  unsigned int capacity;       /* 0: 500 */
  unsigned int retry_cost;     /* 0: 5 */
  unsigned int timeout_cost;   /* 0: 10 */
  unsigned int success_refund; /* 0: 1 */
  const int *timeout_codes;    /* failure codes charged timeout_cost */
  size_t timeout_codes_count;
  /* ratio */
  double max_tokens;  /* 0: 10 (gRPC's default is per service) */
  double token_ratio; /* 0: 0.1 */
  /* shared budgets (backoff_budget_open) */
  unsigned int flags;      /* BACKOFF_BUDGET_GROUP, BACKOFF_BUDGET_ATTACH */
  unsigned int timeout_ms; /* redis: connect/read/write timeout; 0: 50 */
  unsigned int flush_ms;   /* redis: successes sent at most this often;
                              0: 100 */
  unsigned int lease;      /* redis: tokens taken per round trip; 0: twice
                              the dearer retry */
  /* redis: called once when the server becomes unreachable (the budget
   * falls back to local accounting) and once when it is back; from any
   * thread, the backend's own included; must be quick. NULL: silent. */
  void (*on_event)(const backoff_budget_t *budget, const char *message);
  BACKOFF_PTR_PAD_(on_event_pad_)
  /* Room to grow: zero (see "Structs that grow" for the recipe). */
  uint64_t reserved_[4];
} backoff_budget_options_t;

/* backoff_budget_new: a budget for this process, full. options may be NULL
 * (a default token bucket). Errors: EINVAL (NULL out, an unknown kind,
 * ratio values that are negative, NaN, below 0.001 or above 1e9, a
 * capacity or success_refund above 1e9, a cost above the capacity, more
 * than 4096 timeout codes, a non-zero reserved_ field), ENOMEM.
 * Thread-safe. */
BACKOFF_EXTERN int backoff_budget_new(backoff_budget_t **out,
                                      const backoff_budget_options_t *options);

/* backoff_budget_open: a budget shared beyond this process, used exactly
 * like one from backoff_budget_new().
 *   "shm:NAME"  every process of this host opening NAME shares one count
 *               (POSIX shared memory, /dev/shm/backoff-budget.NAME; NAME:
 *               1 to 200 of [A-Za-z0-9_.-]). Created full, mode 0600
 *               (0660 with BACKOFF_BUDGET_GROUP), if absent; lock-free: a
 *               process killed at any instant loses at most the tokens it
 *               had withdrawn. Trust boundary: whoever can write the
 *               object can crash its users (truncating it: SIGBUS), so an
 *               existing one is used only if this user owns it (or, with
 *               BACKOFF_BUDGET_GROUP, its group is one of this user's)
 *               and not every user may write it: ECORRUPT otherwise.
 *   "redis://[[user]:password@]host[:port]/KEY"  every process of a fleet
 *               opening KEY on that server shares one count (the module
 *               budget_redis, loaded like a strategy plugin). A first-try
 *               success costs no round trip (successes are sent in
 *               batches every flush_ms); retries spend a local lease and
 *               go to the server only when it is empty. When the server
 *               is unreachable, retries spend the lease, then a local
 *               budget no larger than the last lease; on_event says so.
 *               A call waits at most about timeout_ms in all; the host
 *               name is resolved once, at open.
 * options: the settings (NULL: defaults); opening an existing budget
 * with other settings is refused unless flags has BACKOFF_BUDGET_ATTACH.
 * timeout_codes are the handle's own (they classify this program's codes).
 * Errors: EINVAL (NULL, bad options), ESYNTAX (malformed spec or name, a
 * URL without a key), EMISMATCH (exists with other settings: the message
 * gives both), ECORRUPT (not a budget, truncated, another layout version,
 * impossible values; another user's, or writable by all), ENOENT (ATTACH and
 * no such budget; or no module for the URL's scheme), EUNREACH (server
 * unreachable at open), EAUTH (wrong password or user), ESYS, ENOMEM, and the
 * loader's (ELOAD, EABI, ENOSYM). Messages never contain a password.
 * Thread-safe; a child process after fork() may go on using a handle (it never
 * shares its parent's connection or lease). */
BACKOFF_EXTERN int
backoff_budget_open(backoff_budget_t **out, const char *spec,
                    const backoff_budget_options_t *options);

/* backoff_budget_unlink: remove a shared budget; handles already open keep
 * working on the old one. A redis: key that is not a budget is left alone
 * (ECORRUPT). Returns 0, or EINVAL, ESYNTAX, ENOENT (none), ECORRUPT,
 * EUNREACH, EAUTH, ESYS. */
BACKOFF_EXTERN int backoff_budget_unlink(const char *spec);

/* backoff_budget_settings: fill *options with the budget's effective
 * settings (defaults resolved; timeout_codes points into the handle).
 * Returns 0 or EINVAL (NULL). */
BACKOFF_EXTERN int backoff_budget_settings(const backoff_budget_t *budget,
                                           backoff_budget_options_t *options);

/* backoff_budget_free: NULL is fine. No policy may still use it. A shared
 * budget gives back what this process holds (a Redis lease and unsent
 * successes) and stays for the other processes. */
BACKOFF_EXTERN void backoff_budget_free(backoff_budget_t *budget);
/* backoff_budget_tokens: the tokens available now (a snapshot). For a Redis
 * budget this asks the server (one round trip, bounded by timeout_ms) and
 * adds this process's lease; unreachable: the local view. */
BACKOFF_EXTERN double backoff_budget_tokens(const backoff_budget_t *budget);

/* ------------------------------------------------------------------------
 * Reports and stop reasons
 */
typedef enum {
  BACKOFF_STOP_NONE = 0,          /* not stopped: retry */
  BACKOFF_STOP_SUCCESS = 1,       /* the operation returned 0 */
  BACKOFF_STOP_EXHAUSTED = 2,     /* max_tries calls made */
  BACKOFF_STOP_DEADLINE = 3,      /* max_delay would be passed */
  BACKOFF_STOP_NOT_RETRYABLE = 4, /* the code is not retryable */
  BACKOFF_STOP_PERMANENT = 5,     /* the operation marked it permanent */
  BACKOFF_STOP_CANCELLED = 6,     /* the cancel token fired */
  BACKOFF_STOP_BUDGET = 7,        /* the retry budget refused a retry */
  BACKOFF_STOP_ERROR = 8          /* a library error; see report.error */
} backoff_stop_t;

/* backoff_stop_name: "success", "exhausted", "deadline", "not-retryable",
 * "permanent", "cancelled", "budget", "error" ("none" for 0). */
BACKOFF_EXTERN const char *backoff_stop_name(backoff_stop_t stop);

typedef struct backoff_report_s {
  int result;            /* what the call returned to its caller */
  int last_rc;           /* the operation's last own code (0: success) */
  backoff_stop_t stop;   /* why it stopped */
  int error;             /* BACKOFF_E* when stop == BACKOFF_STOP_ERROR */
  unsigned int attempts; /* calls made */
  double slept;          /* seconds waited between calls, in total */
  double elapsed;        /* seconds from the first call to the stop */
  double last_delay;     /* the last delay waited (0 if none); when an
                          * injected sleep callback stops the run, the delay
                          * it was asked for, in slept too (the library
                          * cannot know how much of it passed) */
  uint64_t reserved_[4]; /* room to grow; never written by the library */
} backoff_report_t;

/* ------------------------------------------------------------------------
 * Options: zero means "default" for every field, so designated initializers
 * name only what differs. The core settings (jitter, jitter_factor,
 * scale_factor, minimum, cap, max_tries, max_delay, seed) have one set of
 * bounds and one meaning of 0 wherever they are given: here, on the
 * backoff command line and, for the strategy's own (jitter, jitter_factor,
 * scale_factor, minimum, cap), in `params` and backoff_strategy_set(); 0 in
 * jitter_factor is 0.5 everywhere, never "no spread" (use jitter none).
 *
 *   backoff_options_t o = { .strategy = "fibonacci", .max_tries = 5 };
 */
/* options.flags: use options.seed. Every run of a seeded policy draws the
 * same sequence (reproducible tests and previews); for a fleet, give each
 * client its own seed, or leave it unseeded. */
#define BACKOFF_SEEDED 0x1u

typedef struct backoff_options_s {
  /* The strategy: a name or path (default "exponential") with settings in
   * the backoff_strategy_configure() syntax, or a configured handle (the
   * policy takes its own copy). Giving both a handle and any of strategy,
   * params, jitter, jitter_factor, scale_factor, minimum, cap is refused
   * (BACKOFF_EINVAL): the handle carries those. */
  const char *strategy;
  const char *params;
  const backoff_strategy_t *strategy_handle;
  backoff_jitter_t jitter; /* 0: additive U[0,1) (see the enum) */
  double jitter_factor;    /* proportional jitter's f, (0, 1]; 0: 0.5 */
  double scale_factor;     /* (0, 1e9]; 0: 1.0 */
  double minimum;          /* seconds, [0, 1e9] */
  double cap;              /* seconds per delay, [0, 1e9]; 0: no cap */

  /* When to stop. max_tries counts calls (3 = at most 3 calls); 0 takes
   * $BACKOFF_DEFAULT_TRIES, else 3. max_delay is the total time budget in
   * seconds from the first call: no sleep starts that would end past it
   * (a granted retry is made even if its wake-up comes a little late);
   * 0 takes $BACKOFF_DEFAULT_DELAY, else no
   * limit; INFINITY means no limit whatever the environment says. */
  unsigned int max_tries;
  double max_delay;

  /* Which failures are retried. By default every non-zero code is. A code
   * in stop_on is never retried. Otherwise, when retry_on or retryable is
   * given, a code is retried if it is in retry_on or retryable(rc) returns
   * non-zero. The lists are copied by backoff_policy_new(). */
  const int *retry_on;
  size_t retry_on_count;
  const int *stop_on;
  size_t stop_on_count;
  int (*retryable)(int rc, void *callback_ctx);

  /* Callbacks, all given callback_ctx.
   * on_retry: before each sleep, with the call number that failed (from 1),
   *   its code and the delay about to be waited.
   * on_success: when the operation succeeded.
   * on_failure: when retrying stopped without success (tries exhausted,
   *   deadline, not retryable, permanent, cancelled, budget); its return
   *   value is what the call returns. Or, without on_failure, a non-zero
   *   failure_code is returned instead of the operation's last code. */
  void (*on_retry)(unsigned int attempt, int rc, double delay,
                   void *callback_ctx);
  void (*on_success)(const backoff_report_t *report, void *callback_ctx);
  int (*on_failure)(const backoff_report_t *report, void *callback_ctx);
  int failure_code;
  void *callback_ctx;

  /* The function and argument for every call after the first; each
   * defaults to the first call's own (the reference's retry_execute). */
  int (*retry_fn)(void *arg);
  void *retry_arg;

  /* Injected time and randomness (tests, simulations, event loops).
   * clock: monotonic nanoseconds (default backoff_clock_ns).
   * sleep: wait `seconds`; return 0 to go on, or any non-zero value to
   *   stop as cancelled (BACKOFF_STOP_CANCELLED; the call returns the
   *   operation's last code) (default: backoff_sleep() on `cancel`).
   * random: uniform [0, 1) (default: the built-in generator, seeded per
   *   call from a process-wide stream, or from `seed` with BACKOFF_SEEDED). */
  uint64_t (*clock)(void *clock_ctx);
  void *clock_ctx;
  int (*sleep)(double seconds, void *sleep_ctx);
  void *sleep_ctx;
  backoff_random_fn random;
  void *random_ctx;
  uint64_t seed;
  unsigned int flags; /* BACKOFF_SEEDED */

  backoff_cancel_t *cancel; /* wakes a sleep and stops the loop */
  backoff_budget_t *budget; /* shared retry budget; NULL: none */

  /* backoff() only: filled on return when not NULL. */
  backoff_report_t *report;

  /* Room to grow: zero (see "Structs that grow" for the recipe). */
  uint64_t reserved_[8];
} backoff_options_t;

/* ------------------------------------------------------------------------
 * Policies: options checked once, immutable, shareable between threads.
 */
typedef struct backoff_policy_s backoff_policy_t;

/* backoff_policy_new: validate everything (options, environment defaults,
 * strategy and its parameters) and load the strategy.
 * Errors: EINVAL (NULL, unknown flags, contradictory settings such as
 * minimum > cap), ERANGE (a setting outside its bounds: the same bounds,
 * message and code as "name=value" in params), EENV (bad
 * BACKOFF_DEFAULT_TRIES/DELAY where its default is used, i.e. max_tries or
 * max_delay is 0; the message names the variable and value),
 * ENOMEM, and those of backoff_strategy_open() and
 * backoff_strategy_configure(). The environment is read once per process. */
BACKOFF_EXTERN int backoff_policy_new(backoff_policy_t **out,
                                      const backoff_options_t *options);

/* backoff_policy_free: NULL is fine. No call may be using it. */
BACKOFF_EXTERN void backoff_policy_free(backoff_policy_t *policy);

/* backoff_policy_strategy: the policy's strategy (read-only), e.g. to
 * preview delays with backoff_strategy_delay(). */
BACKOFF_EXTERN const backoff_strategy_t *
backoff_policy_strategy(const backoff_policy_t *policy);

/* backoff_policy_max_tries / max_delay: the effective limits, after
 * environment defaults (max_delay 0 = no limit). */
BACKOFF_EXTERN unsigned int
backoff_policy_max_tries(const backoff_policy_t *policy);
BACKOFF_EXTERN double backoff_policy_max_delay(const backoff_policy_t *policy);

/* ------------------------------------------------------------------------
 * Running an operation
 *
 * An operation returns 0 on success and any non-zero code of its own on
 * failure. The return value of backoff(), backoff_run() and backoff_apply():
 *   0                        the operation succeeded (or on_failure said so)
 *   the operation's code     it failed and retrying stopped (see report.stop)
 *   on_failure / failure_code  when given
 *   a negative BACKOFF_E*    a library error before or between calls
 * When the operation's own codes may be negative, pass a report: its
 * `stop` and `error` fields tell every case apart.
 */
/* An operation must return normally: leaving it by longjmp() (or a C++
 * exception, pthread_exit(), cancellation) would leave this thread's
 * attempt context pointing at the abandoned loop, and the call form's
 * strategy held for the life of the process, as a handle never freed. */
typedef int (*backoff_fn)(void *arg);

/* backoff: the call form. Builds a policy from options (checked on every
 * call; environment read once per process), runs fn(arg) with retries and
 * fills options->report if set. options may be NULL (all defaults). */
BACKOFF_EXTERN int backoff(backoff_fn fn, void *arg,
                           const backoff_options_t *options);

/* backoff_run: run fn(arg) under a built policy. report may be NULL.
 * Allocation-free; thread-safe (many threads may share one policy). */
BACKOFF_EXTERN int backoff_run(const backoff_policy_t *policy, backoff_fn fn,
                               void *arg, backoff_report_t *report);

/* The decorator form: a policy built once, on first use, thread-safely,
 * bound to a function. Fields are private.
 *
 *   static int fetch(void *arg);
 *   BACKOFF_APPLY(fetch_retrying, fetch, .strategy = "fibonacci",
 *                 .max_tries = 5)
 *   ...
 *   rc = fetch_retrying(&request);   // same signature and codes as fetch
 *
 * BACKOFF_APPLY defines `int name(void *arg)` at file scope; put `static`
 * before it for a file-local wrapper. It gives no report: an operation
 * whose own codes may be negative, and must tell them from BACKOFF_E*
 * codes, should use backoff_policy_new() + backoff_run() with a report.
 * Building the policy may fail (e.g. a bad environment default): the wrapper
 * then returns the negative BACKOFF_E* code without calling fn, and tries to
 * build again on the next call. */
typedef struct backoff_apply_s {
  const backoff_options_t *options_;
  backoff_policy_t *policy_;
} backoff_apply_t;
#define BACKOFF_APPLY_INIT(options_ptr)                                       \
  { (options_ptr), NULL }

BACKOFF_EXTERN int backoff_apply(backoff_apply_t *bound, backoff_fn fn,
                                 void *arg);

/* Expands at file scope. The first declaration takes any `static` written
 * before the macro, and the definition inherits that linkage; the options
 * live at file scope so compound literals (e.g. a retry_on list) in them
 * are constant. BACKOFF_APPLY(name, fn) without options (all defaults) is
 * valid C99 too: the macro counts its arguments (up to 64, a comma inside
 * a compound literal counting as one) and picks the form without an
 * initializer list, which C99 does not allow empty. In C++ (designated
 * initializers: C++20) the fields not named are zero as in C, without
 * -Wmissing-field-initializers warnings. */
#define BACKOFF_APPLY(...)                                                    \
  BACKOFF_APPLY_PICK_(__VA_ARGS__, BACKOFF_APPLY_N8_, BACKOFF_APPLY_N8_,      \
                      BACKOFF_APPLY_N8_, BACKOFF_APPLY_N8_,                   \
                      BACKOFF_APPLY_N8_, BACKOFF_APPLY_N8_,                   \
                      BACKOFF_APPLY_N8_, BACKOFF_APPLY_N_, BACKOFF_APPLY_N_,  \
                      BACKOFF_APPLY_N_, BACKOFF_APPLY_N_, BACKOFF_APPLY_N_,   \
                      BACKOFF_APPLY_N_, BACKOFF_APPLY_2_, ~)                  \
  (__VA_ARGS__)
#define BACKOFF_APPLY_N8_                                                     \
  BACKOFF_APPLY_N_, BACKOFF_APPLY_N_, BACKOFF_APPLY_N_, BACKOFF_APPLY_N_,     \
      BACKOFF_APPLY_N_, BACKOFF_APPLY_N_, BACKOFF_APPLY_N_, BACKOFF_APPLY_N_
#define BACKOFF_APPLY_PICK_(...) BACKOFF_APPLY_65TH_(__VA_ARGS__)
#define BACKOFF_APPLY_65TH_(                                                  \
    a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16,    \
    a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30,     \
    a31, a32, a33, a34, a35, a36, a37, a38, a39, a40, a41, a42, a43, a44,     \
    a45, a46, a47, a48, a49, a50, a51, a52, a53, a54, a55, a56, a57, a58,     \
    a59, a60, a61, a62, a63, a64, m, ...)                                     \
  m
#if defined(__cplusplus) && (defined(__GNUC__) || defined(__clang__))
#define BACKOFF_APPLY_QUIET_                                                  \
  _Pragma("GCC diagnostic push")                                              \
      _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")
#define BACKOFF_APPLY_LOUD_ _Pragma("GCC diagnostic pop")
#else
#define BACKOFF_APPLY_QUIET_
#define BACKOFF_APPLY_LOUD_
#endif
#define BACKOFF_APPLY_N_(name, fn, ...)                                       \
  int name(void *backoff_arg_);                                               \
  BACKOFF_APPLY_QUIET_                                                        \
  static const backoff_options_t name##_backoff_options_ = {__VA_ARGS__};     \
  BACKOFF_APPLY_LOUD_                                                         \
  BACKOFF_APPLY_BODY_(name, fn)
#ifdef __cplusplus
#define BACKOFF_APPLY_2_(name, fn)                                            \
  int name(void *backoff_arg_);                                               \
  static const backoff_options_t name##_backoff_options_ = {};                \
  BACKOFF_APPLY_BODY_(name, fn)
#else
#define BACKOFF_APPLY_2_(name, fn)                                            \
  int name(void *backoff_arg_);                                               \
  static const backoff_options_t name##_backoff_options_;                     \
  BACKOFF_APPLY_BODY_(name, fn)
#endif
#define BACKOFF_APPLY_BODY_(name, fn)                                         \
  static backoff_apply_t name##_backoff_bound_ =                              \
      BACKOFF_APPLY_INIT(&name##_backoff_options_);                           \
  int name(void *backoff_arg_) {                                              \
    return backoff_apply(&name##_backoff_bound_, (fn), backoff_arg_);         \
  }

/* ------------------------------------------------------------------------
 * The attempt context: calls an operation makes about the attempt it is
 * running (the innermost one, when retried calls nest). Outside an
 * operation run by libbackoff they return BACKOFF_ESTATE (number: 0).
 */

/* backoff_attempt_number: the call number, from 1. */
BACKOFF_EXTERN unsigned int backoff_attempt_number(void);

/* backoff_attempt_permanent: this failure must not be retried; the loop
 * stops with BACKOFF_STOP_PERMANENT and returns the operation's code. */
BACKOFF_EXTERN int backoff_attempt_permanent(void);

/* backoff_attempt_retry_after: the server said when to come back (e.g. an
 * HTTP Retry-After), in seconds >= 0. Precedence for the next delay:
 *   - it replaces the strategy's delay, its jitter and scale_factor;
 *   - `minimum` still applies (the delay is raised to it);
 *   - the per-delay `cap` does not: the server's word beats our guess;
 *   - the deadline (max_delay) does: a wait that would end past it stops
 *     the loop with BACKOFF_STOP_DEADLINE instead.
 * It applies to the current failure only. Errors: ESTATE, EINVAL (NaN or
 * negative), ERANGE (above BACKOFF_DELAY_MAX). */
BACKOFF_EXTERN int backoff_attempt_retry_after(double seconds);

/* ------------------------------------------------------------------------
 * The schedule: the retry rules as a small state machine, for callers that
 * do their own waiting (event loops). backoff_run() uses it too. Keep it
 * anywhere (the stack is fine); it allocates nothing. Fields are private.
 *
 *   backoff_schedule_t s;
 *   backoff_schedule_init(&s, policy);
 *   while (backoff_schedule_begin(&s) == 0) {       // may I call now?
 *     rc = operation();
 *     if (backoff_schedule_next(&s, rc, &delay) != 0) break;
 *     arm_timer(delay);                             // then loop
 *   }
 *   backoff_schedule_report(&s, &report);
 */
typedef struct backoff_schedule_s {
  const backoff_policy_t *policy_;
  struct backoff_schedule_s *outer_; /* enclosing attempt on this thread */
  uint64_t start_ns_, now_ns_, deadline_ns_;
  double previous_, slept_, retry_after_;
  unsigned int attempts_, flags_;
  int last_rc_, stop_, error_, budget_cost_;
  backoff_rng_t rng_;
  uint64_t reserved_[4];
} backoff_schedule_t;

/* backoff_schedule_init: start a run under policy (reads the clock once). */
BACKOFF_EXTERN int backoff_schedule_init(backoff_schedule_t *s,
                                         const backoff_policy_t *policy);

/* backoff_schedule_begin: call before each attempt. Returns 0 when the
 * attempt may start, a positive backoff_stop_t (CANCELLED, DEADLINE, or
 * the reason the schedule already stopped), or BACKOFF_EINVAL (NULL or
 * uninitialised) / BACKOFF_ESTATE (begun twice without next()).
 * The deadline: next() grants only a wait that ends by max_delay, so a
 * retry woken on time starts even slightly past it. begin() refuses with
 * BACKOFF_STOP_DEADLINE a retry that starts past the deadline AND more
 * than 5 ms after the wake-up next() granted (backoff_schedule_wake_ns()):
 * a late event loop, an oversleeping sleep callback or a jumping injected
 * clock overshoots max_delay by at most that slack plus the attempt.
 * With max_delay set it reads the clock once (backoff_run()'s real sleep,
 * which wakes at the granted instant, skips that read). */
BACKOFF_EXTERN int backoff_schedule_begin(backoff_schedule_t *s);

/* backoff_schedule_next: feed the attempt's result. Returns 0 with *delay
 * set when the caller should retry after *delay seconds; a positive
 * backoff_stop_t when it must stop (SUCCESS for rc == 0); a negative
 * BACKOFF_E* on a library error (e.g. EDELAY from the plugin). */
BACKOFF_EXTERN int backoff_schedule_next(backoff_schedule_t *s, int rc,
                                         double *delay);

/* backoff_schedule_permanent / backoff_schedule_retry_after: what
 * backoff_attempt_permanent() / backoff_attempt_retry_after() do, for the
 * attempt being run under s (call between begin and next). */
BACKOFF_EXTERN int backoff_schedule_permanent(backoff_schedule_t *s);
BACKOFF_EXTERN int backoff_schedule_retry_after(backoff_schedule_t *s,
                                                double seconds);

/* backoff_schedule_wake_ns: when the retry that backoff_schedule_next()
 * just granted is due, as an absolute time on the policy's clock
 * (CLOCK_MONOTONIC nanoseconds unless a clock was injected). Wait until
 * that instant (backoff_sleep_until(), or a timerfd armed with
 * TFD_TIMER_ABSTIME) rather than for the relative delay: time spent
 * between next() and the wait then cannot push the retry past max_delay,
 * which next() checked against this very instant. 0 when no retry is
 * pending (before the first next(), during an attempt, after a stop). */
BACKOFF_EXTERN uint64_t backoff_schedule_wake_ns(const backoff_schedule_t *s);

/* backoff_schedule_attempts: calls begun so far. */
BACKOFF_EXTERN unsigned int
backoff_schedule_attempts(const backoff_schedule_t *s);

/* backoff_schedule_report: fill report from s (result = last_rc). */
BACKOFF_EXTERN void backoff_schedule_report(const backoff_schedule_t *s,
                                            backoff_report_t *report);

#ifdef __cplusplus
}
#endif

#endif /* BACKOFF_H */
