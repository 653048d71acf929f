/* SPDX-License-Identifier: MIT */
/* Fixture: a compute_delay but no backoff_plugin_abi (BACKOFF_ENOSYM): the
 * loader must refuse it without ever calling compute_delay. */
#include <stdlib.h>

#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  (void)a;
  abort(); /* never called: the ABI is checked first */
}
