/* SPDX-License-Identifier: MIT */
/* linear: n seconds (0, 1, 2, 3, ...), the reference's formula. With the
 * default additive jitter the first retry still waits U[0,1) s. */
#define BACKOFF_PLUGIN_LTX_PREFIX strategy_linear
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "n seconds: 0, 1, 2, 3, 4, ...";

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return (double)a->n;
}
