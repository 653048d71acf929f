/* SPDX-License-Identifier: MIT */
/* fixed: 1 second every time, or sequence[n], repeating the sequence's last
 * value past its end (what the reference meant; its code crashed there). */
#define BACKOFF_PLUGIN_LTX_PREFIX strategy_fixed
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "the same delay each time, or sequence[n] then its last value";

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"sequence", 1.0, 0.0, 1e9, "delays in seconds, e.g. sequence=1,2,5",
     BACKOFF_PARAM_LIST},
    {NULL, 0, 0, 0, NULL, 0}};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  const backoff_param_value_t *seq = &a->params[0];
  return a->n < seq->len ? seq->list[a->n] : seq->list[seq->len - 1];
}
