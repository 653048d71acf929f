/* SPDX-License-Identifier: MIT */
/* decorrelated: AWS's "decorrelated jitter" (Marc Brooker, "Exponential
 * Backoff And Jitter", AWS Architecture Blog, 2015):
 *
 *   sleep = base                                  (before the first retry)
 *   sleep = min(ceiling, uniform(base, sleep * 3))
 *
 * Each delay is drawn from a window that starts at `base` and ends at three
 * times the delay actually waited last time (args->previous, which the core
 * fills in), so delays grow about as fast as exponential backoff but every
 * client wanders its own way: no two clients stay in step, and the spread
 * never collapses onto one value.
 *
 * Choices, where the blog leaves room:
 *   - n = 0 draws from [base, 3*base]: the blog's `sleep` is initialised to
 *     base and its first retry already applies the formula. `previous` is
 *     ignored for n = 0.
 *   - A previous delay below base (a server's Retry-After, or a caller of
 *     backoff_strategy_delay() passing 0) is read as base: the window
 *     [base, 3*max(previous, base)] is never empty and never shrinks to the
 *     single point `base`, which would put every client back in lockstep.
 *   - The draw is lo + u*(hi - lo) with u in [0, 1) from the core's random
 *     source: no integer modulo anywhere, and a result that rounds past hi
 *     is held at hi. So the delay lies in the closed range [lo, hi].
 *   - The cap is the parameter `ceiling`: `cap` is the core's own per-delay
 *     cap, and a plugin parameter may not shadow it (the loader refuses it:
 *     "cap=5" must mean one thing). A ceiling below base gives the ceiling,
 *     as min() says.
 *   - min() is kept exactly as the blog has it: once previous reaches the
 *     ceiling, about two thirds of the draws land on the ceiling itself
 *     (the window [base, 3*ceiling] is clipped). That is the distribution
 *     AWS measured; for a spread below a cap use the core's jitter modes.
 *
 * The strategy is its own jitter: it says so (BACKOFF_PLUGIN_OWN_JITTER),
 * so the core adds none by default; additive jitter on top would add
 * U[0,1) s and feed it back through `previous`. Keep scale_factor 1. The
 * core's minimum and cap still apply and compose as expected: `cap` and
 * `ceiling` are then the same bound.
 *
 *   backoff_options_t o = { .strategy = "decorrelated",
 *                           .params = "base=0.1,ceiling=20" };
 */
#include <math.h>
#include <stddef.h>

#define BACKOFF_PLUGIN_LTX_PREFIX strategy_decorrelated
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "AWS decorrelated jitter: min(ceiling, uniform(base, 3 * previous))";

BACKOFF_PLUGIN_EXPORT const unsigned int backoff_plugin_flags =
    BACKOFF_PLUGIN_OWN_JITTER;

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"base", 1.0, 1e-6, 1e9,
     "seconds: the shortest delay and the first "
     "window [base, 3*base]",
     0},
    {"ceiling", 60.0, 1e-6, 1e9, "seconds: no delay exceeds it", 0},
    {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  const double base = a->params[0].value;
  const double ceiling = a->params[1].value;
  double prev, hi, d;

  /* A library too old to hand us a random source: refuse (the core turns a
   * NaN into BACKOFF_EDELAY) rather than silently lose the jitter. */
  if (a->size < offsetof(backoff_delay_args_t, uniform_ctx) + sizeof(void *) ||
      a->uniform == NULL)
    return NAN;
  prev = a->n == 0 || !(a->previous > base) ? base : a->previous;
  if (ceiling <= base)
    return ceiling;
  hi = prev * 3;
  d = base + a->uniform(a->uniform_ctx) * (hi - base);
  if (d > hi)
    d = hi;
  return d < ceiling ? d : ceiling;
}
