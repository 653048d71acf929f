/* SPDX-License-Identifier: MIT */
/* Fixture: declares the ABI but has no compute_delay (BACKOFF_ENOSYM). */
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

/* Something else that looks plausible, so the module is not empty. */
BACKOFF_PLUGIN_EXPORT double compute_delays(const backoff_delay_args_t *a);
BACKOFF_PLUGIN_EXPORT double compute_delays(const backoff_delay_args_t *a) {
  return (double)a->n;
}
