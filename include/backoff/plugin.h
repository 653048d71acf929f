/* SPDX-License-Identifier: MIT */
/* libbackoff strategy plugin contract.
 *
 * A strategy plugin is a shared module (a libtool -module) named
 * strategy_<name>.so, where <name> matches [a-z0-9_]+. It computes the *base*
 * delay, in seconds, before the retry that follows the n-th failed call.
 * libbackoff applies jitter, scale_factor, minimum and the cap afterwards, so
 * a plugin never needs to implement them.
 *
 * A plugin exports:
 *
 *   const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;          (required)
 *   double compute_delay(const backoff_delay_args_t *args);     (required)
 *   const backoff_param_t backoff_plugin_params[];              (optional)
 *   const char backoff_plugin_description[];                    (optional)
 *   const unsigned int backoff_plugin_flags;                    (optional)
 *
 * The loader reads backoff_plugin_abi before it calls anything; a plugin
 * whose number differs from the library's is refused (BACKOFF_EABI). The
 * contract only grows: new capabilities arrive as new optional symbols or as
 * new fields at the end of backoff_delay_args_t, never as a changed
 * signature, so a plugin built today keeps loading.
 *
 * Names. Modules built in a libtool tree should prefix every export with
 * "strategy_<name>_LTX_" (libtool's convention): libltdl strips it when
 * looking symbols up, and it keeps preloaded (-dlpreopen, static) modules
 * apart, where plain names would silently resolve to one another. Define
 * BACKOFF_PLUGIN_LTX_PREFIX before including this header and the names
 * below are renamed for you:
 *   #define BACKOFF_PLUGIN_LTX_PREFIX strategy_mine
 *   #include <backoff/plugin.h>
 * A plugin built with plain names works the same when loaded as a shared
 * object. libltdl derives the prefix from the file name, so a module built
 * with LTX names must keep its file name (strategy_mine.so) when copied.
 *
 * Linking. Export nothing else:
 *   libtool --mode=link cc -module -avoid-version -no-undefined \
 *   -export-symbols-regex \
 *   '^(strategy_[a-z0-9_]+_LTX_)?(compute_delay|backoff_plugin_[a-z_]+)$' \
 *   -rpath "$(pkg-config --variable=plugindir libbackoff)" \
 *   -o strategy_mine.la mine.lo
 * or, with plain cc:
 *   cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags libbackoff) \
 *      -o strategy_mine.so mine.c
 * and install into $(pkg-config --variable=plugindir libbackoff).
 *
 * Rules for compute_delay:
 *   - Return a finite value >= 0 (seconds). NaN, an infinity or a negative
 *     value makes the library stop with BACKOFF_EDELAY: nobody sleeps on
 *     garbage. A very large finite value is fine: the core saturates every
 *     delay at BACKOFF_DELAY_MAX seconds. So for an n where your formula
 *     overflows, return DBL_MAX (or any huge finite value).
 *   - n ranges over every unsigned int (0 .. UINT_MAX): never loop n times.
 *   - It is called concurrently from many threads: keep no mutable state;
 *     everything it needs comes in args.
 *   - It must not allocate, block or call back into libbackoff.
 *
 * Minimal plugin:
 *
 *   #include <backoff/plugin.h>
 *   BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;
 *   BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
 *     { "step", 0.5, 0.0, 3600.0, "seconds added per failure", 0 },
 *     { NULL, 0, 0, 0, NULL, 0 }
 *   };
 *   BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a)
 *   {
 *     return a->params[0].value * (double)a->n;
 *   }
 */
#ifndef BACKOFF_PLUGIN_H
#define BACKOFF_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The contract version. Bumped only if a signature below ever had to change
 * (the project's rule is that it never does). */
#define BACKOFF_PLUGIN_ABI 1

/* Marks a plugin's exports visible when built with -fvisibility=hidden.
 * In C++ it also gives them C linkage (the loader looks them up by their C
 * names), which is also what lets g++ honour the attribute on a definition
 * (it ignores it, with a warning, on a plain C++ const definition). */
#if defined(__GNUC__) || defined(__clang__)
#define BACKOFF_PLUGIN_VISIBLE_ __attribute__((visibility("default")))
#else
#define BACKOFF_PLUGIN_VISIBLE_
#endif
#ifdef __cplusplus
#define BACKOFF_PLUGIN_EXPORT extern "C" BACKOFF_PLUGIN_VISIBLE_
#else
#define BACKOFF_PLUGIN_EXPORT BACKOFF_PLUGIN_VISIBLE_
#endif

/* Limits the library enforces on a plugin's parameter table. */
#define BACKOFF_PARAM_MAX 16      /* parameters per strategy */
#define BACKOFF_PARAM_NAME_MAX 32 /* bytes in a name, without the NUL */
#define BACKOFF_LIST_MAX 64       /* values in one list parameter */

/* backoff_param_t.flags */
#define BACKOFF_PARAM_INTEGER 0x1u /* values must be whole numbers */
#define BACKOFF_PARAM_LIST 0x2u    /* a list of 1..BACKOFF_LIST_MAX values */

/* backoff_plugin_flags: what a strategy says about itself (0 when the
 * symbol is absent). Bits a library does not know are ignored, so a plugin
 * may set a newer bit and still load everywhere. */
/* compute_delay draws its own randomness (args->uniform): the core's jitter
 * defaults to none for it (a user may still ask for one). */
#define BACKOFF_PLUGIN_OWN_JITTER 0x1u

/* One named parameter a strategy accepts, e.g. polynomial's "exponent".
 * The table is terminated by an entry whose name is NULL. The loader checks
 * it when the plugin is loaded: names must match [a-z][a-z0-9_]* and be
 * unique, min <= default <= max, all finite, and no name may shadow one of
 * the core's settings (jitter, jitter_factor, scale_factor, minimum, cap);
 * a bad table is refused with BACKOFF_EPLUGIN. */
typedef struct backoff_param_s {
  const char *name;
  double def;       /* default; for a list, the list [def] */
  double min, max;  /* inclusive bounds for every value */
  const char *help; /* one line, for `backoff --list-strategies` */
  unsigned flags;   /* BACKOFF_PARAM_* */
} backoff_param_t;

/* The value of one parameter, in the order of backoff_plugin_params.
 * A scalar has len == 1 and list == &value; a list parameter has
 * 1 <= len <= BACKOFF_LIST_MAX and value == list[0]. */
typedef struct backoff_param_value_s {
  double value;
  const double *list;
  size_t len;
} backoff_param_value_t;

/* Everything compute_delay may use. New fields are only ever appended;
 * `size` tells a plugin how many bytes of this struct the library filled,
 * so a plugin can test for a field before using it:
 *   if (args->size >= offsetof(backoff_delay_args_t, field) + sizeof ...)  */
typedef struct backoff_delay_args_s {
  size_t size;                         /* sizeof(backoff_delay_args_t) */
  unsigned int n;                      /* failed call index, from 0 */
  const backoff_param_value_t *params; /* one per declared parameter */
  size_t nparams;
  /* The delay the caller actually waited after the previous failure
   * (after jitter, scale, minimum and cap), 0 when n == 0. */
  double previous;
  /* The core's random source: returns a uniform double in [0, 1).
   * Deterministic when the user seeds or injects it; call it only if the
   * strategy is random by design (e.g. decorrelated jitter). */
  double (*uniform)(void *uniform_ctx);
  void *uniform_ctx;
} backoff_delay_args_t;

/* libtool's per-module symbol names, on request (see "Names" above). */
#ifdef BACKOFF_PLUGIN_LTX_PREFIX
#define BACKOFF_PLUGIN_LTX_CAT_(p, s) p##_LTX_##s
#define BACKOFF_PLUGIN_LTX_(p, s) BACKOFF_PLUGIN_LTX_CAT_(p, s)
#define compute_delay                                                         \
  BACKOFF_PLUGIN_LTX_(BACKOFF_PLUGIN_LTX_PREFIX, compute_delay)
#define backoff_plugin_abi                                                    \
  BACKOFF_PLUGIN_LTX_(BACKOFF_PLUGIN_LTX_PREFIX, backoff_plugin_abi)
#define backoff_plugin_params                                                 \
  BACKOFF_PLUGIN_LTX_(BACKOFF_PLUGIN_LTX_PREFIX, backoff_plugin_params)
#define backoff_plugin_description                                            \
  BACKOFF_PLUGIN_LTX_(BACKOFF_PLUGIN_LTX_PREFIX, backoff_plugin_description)
#define backoff_plugin_flags                                                  \
  BACKOFF_PLUGIN_LTX_(BACKOFF_PLUGIN_LTX_PREFIX, backoff_plugin_flags)
#endif

/* The signature of the required compute_delay symbol. */
typedef double (*backoff_compute_delay_fn)(const backoff_delay_args_t *args);

/* Declarations of a plugin's exports, so the compiler checks the plugin's
 * definitions against the contract. */
BACKOFF_PLUGIN_VISIBLE_ extern const int backoff_plugin_abi;
BACKOFF_PLUGIN_VISIBLE_ extern const backoff_param_t backoff_plugin_params[];
BACKOFF_PLUGIN_VISIBLE_ extern const char backoff_plugin_description[];
BACKOFF_PLUGIN_VISIBLE_ extern const unsigned int backoff_plugin_flags;
BACKOFF_PLUGIN_VISIBLE_ double compute_delay(const backoff_delay_args_t *args);

#ifdef __cplusplus
}
#endif

#endif /* BACKOFF_PLUGIN_H */
