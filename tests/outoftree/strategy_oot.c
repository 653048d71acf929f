/* SPDX-License-Identifier: MIT */
/* A third-party strategy, built out of tree with a plain compiler (no
 * libtool, plain symbol names): 0.25 * step * (n + 1) seconds, step = 4 by
 * default, so 1, 2, 3, 4, ... tests/outoftree.sh compiles it with
 *   cc -shared -fPIC -fvisibility=hidden -I$(top_srcdir)/include
 * and loads it by path and by name. */
#include <backoff/plugin.h>

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "out-of-tree test strategy: step/4 * (n + 1) seconds";

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"step", 4.0, 0.0, 1000.0, "four times the seconds added per failure", 0},
    {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return 0.25 * a->params[0].value * ((double)a->n + 1);
}
