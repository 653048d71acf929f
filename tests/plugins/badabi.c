/* SPDX-License-Identifier: MIT */
/* Fixture: built for another plugin ABI (BACKOFF_EABI); compute_delay must
 * never be called. */
#include <stdlib.h>

#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI + 998;

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  (void)a;
  abort();
}
