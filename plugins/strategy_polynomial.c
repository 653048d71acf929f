/* SPDX-License-Identifier: MIT */
/* polynomial: n^exponent seconds (exponent 2: 0, 1, 4, 9, 16, ...), with
 * 0^0 = 1 as in the reference (and C's pow). */
#include <float.h>
#include <math.h>

#define BACKOFF_PLUGIN_LTX_PREFIX strategy_polynomial
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "n^exponent seconds: exponent 2 gives 0, 1, 4, 9, 16, ...";

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"exponent", 1.0, 0.0, 100.0, "power of n", 0}, {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  const double e = a->params[0].value, n = (double)a->n;
  double d;

  /* The common exponents (the default 1, the reference's 2, and 0) without
   * pow(), which is slow on the retry path: the results are exact, so they
   * are the very values pow() returns (n < 2^26 keeps n*n below 2^53). */
  if (e == 1.0)
    return n;
  if (e == 0.0)
    return 1.0;
  if (e == 2.0 && a->n < (1u << 26))
    return n * n;
  d = pow(n, e);
  return isfinite(d) ? d : DBL_MAX;
}
