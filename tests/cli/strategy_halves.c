/* SPDX-License-Identifier: MIT */
/* A test strategy loaded by path: `step` * (n + 1) / 2 seconds, so with
 * step=1 and no jitter the delays read 0.5, 1, 1.5, 2, ... */
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "test strategy: step * (n + 1) / 2 seconds";

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"step", 1.0, 0.0, 1000.0, "seconds per two failures", 0},
    {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return a->params[0].value * ((double)a->n + 1.0) / 2.0;
}
