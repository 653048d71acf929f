/* SPDX-License-Identifier: MIT */
/* spread: a variant of AWS's "decorrelated jitter", written as an example
 * of an out-of-tree strategy (libbackoff ships its own `decorrelated`).
 *
 *   delay(0) = base
 *   delay(n) = U[base, previous * growth)      (n >= 1)
 *
 * Each delay is drawn between `base` and `growth` times the delay actually
 * waited last time, so a fleet of clients spreads out instead of retrying in
 * lockstep. It uses the two inputs a strategy gets besides n and its
 * parameters: `previous` and the core's random source (seeded by the user
 * for reproducible runs). The core still applies jitter, scale_factor,
 * minimum and cap afterwards: use it with jitter=none and a cap, e.g.
 *
 *   backoff_options_t o = { .strategy = "spread",
 *                           .params = "base=0.1,jitter=none,cap=30" };
 */
#include <float.h>
#include <math.h>

/* Exports become strategy_spread_LTX_<symbol>: libtool's convention,
 * which keeps several modules apart when they are preloaded (-dlpreopen). */
#define BACKOFF_PLUGIN_LTX_PREFIX strategy_spread
#include <backoff/plugin.h>

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "spread: U[base, previous * growth), base at first";

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"base", 1.0, 0.0, 3600.0, "seconds: the first and the smallest delay", 0},
    {"growth", 3.0, 1.0, 100.0, "upper bound as a multiple of the last delay",
     0},
    {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  const double base = a->params[0].value, growth = a->params[1].value;
  double prev, hi;

  if (a->n == 0)
    return base;
  /* `previous` is what was really waited (after the core's minimum, cap and
   * scale): never let the window fall below base. */
  prev = a->previous > base ? a->previous : base;
  hi = prev * growth;
  if (!isfinite(hi))
    return DBL_MAX; /* the core saturates it at BACKOFF_DELAY_MAX */
  return base + a->uniform(a->uniform_ctx) * (hi - base);
}
