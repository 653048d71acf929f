/* SPDX-License-Identifier: MIT */
/* Fixture: a plugin whose constructor opens strategies, as a plugin that
 * wraps another might. It records what it got in exported variables, read
 * by the test: one strategy the test loaded beforehand (must succeed) and
 * one that is not loaded (must fail cleanly, not deadlock). */
#include <string.h>

#include "backoff.h"
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;
BACKOFF_PLUGIN_EXPORT int fixture_rc_loaded = 1, fixture_rc_unloaded = 1;
BACKOFF_PLUGIN_EXPORT char fixture_message[256];

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return (double)a->n;
}

__attribute__((constructor)) static void open_others(void) {
  backoff_strategy_t *s = NULL;

  fixture_rc_loaded = backoff_strategy_open(&s, "linear");
  backoff_strategy_free(s);
  fixture_rc_unloaded = backoff_strategy_open(&s, "no_such_strategy");
  strncpy(fixture_message, backoff_last_error(), sizeof(fixture_message) - 1);
  backoff_strategy_free(s);
}
