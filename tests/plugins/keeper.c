/* SPDX-License-Identifier: MIT */
/* Fixture: a plugin whose constructor opens the strategy named by
 * $FIXTURE_KEEP and keeps the handle past the load, as a plugin wrapping
 * another would; the test frees it (fixture_kept) on a thread of its own. */
#include <stdlib.h>

#include "backoff.h"
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;
BACKOFF_PLUGIN_EXPORT backoff_strategy_t *fixture_kept;
BACKOFF_PLUGIN_EXPORT int fixture_rc = 1;

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return (double)a->n;
}

__attribute__((constructor)) static void keep_one(void) {
  const char *name = getenv("FIXTURE_KEEP");
  if (name != NULL)
    fixture_rc = backoff_strategy_open(&fixture_kept, name);
}
