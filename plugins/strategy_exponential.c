/* SPDX-License-Identifier: MIT */
/* exponential: multiplier * base^n; the defaults give the reference's 2^n
 * (1, 2, 4, 8, 16, ...). */
#include <float.h>
#include <math.h>

#define BACKOFF_PLUGIN_LTX_PREFIX strategy_exponential
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "multiplier * base^n seconds: 1, 2, 4, 8, 16, ...";

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"base", 2.0, 1.0, 1000.0, "growth factor per failure", 0},
    {"multiplier", 1.0, 0.0, 1e9, "seconds at n = 0", 0},
    {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  const double base = a->params[0].value, mult = a->params[1].value;
  double d;

  if (mult == 0)
    return 0;
  /* The common case is exact and cheap: 2^n is an exponent shift. */
  if (base == 2.0)
    d = a->n < 1024 ? ldexp(mult, (int)a->n) : HUGE_VAL;
  else
    d = mult * pow(base, (double)a->n);
  return isfinite(d) ? d : DBL_MAX; /* saturate; the core caps it */
}
