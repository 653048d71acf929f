/* SPDX-License-Identifier: MIT */
/* Fixture: compute_delay returns whatever its "kind" parameter selects, so
 * one module covers every hostile return value. */
#include <float.h>
#include <math.h>

#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"kind", 0, 0, 9,
     "0 NaN, 1 -1, 2 +inf, 3 1e308, 4 denormal, 5 -0.0, 6 DBL_MAX, 7 -inf, "
     "8 -denormal, 9 n (sane)",
     BACKOFF_PARAM_INTEGER},
    {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  switch ((int)a->params[0].value) {
  case 0:
    return NAN;
  case 1:
    return -1.0;
  case 2:
    return INFINITY;
  case 3:
    return 1e308;
  case 4:
    return 4.9406564584124654e-324; /* the smallest denormal */
  case 5:
    return -0.0;
  case 6:
    return DBL_MAX;
  case 7:
    return -INFINITY;
  case 8:
    return -4.9406564584124654e-324;
  default:
    return (double)a->n;
  }
}
