/* SPDX-License-Identifier: MIT */
/* Fixture: a plugin with plain (non-LTX) export names, built twice with a
 * different FIXTURE_VALUE (strategy_plain_a: 100, strategy_plain_b: 200).
 *
 * compute_delay calls fixture_value(), an exported, interposable function
 * that both modules define. Opened RTLD_GLOBAL, the second module's call
 * would bind to the first module's fixture_value (the dynamic linker looks
 * in the global scope first) and both would give the same delays; opened
 * RTLD_LOCAL, each keeps its own. check_loader tests exactly that. */
#include "backoff/plugin.h"

#ifndef FIXTURE_VALUE
#error "define FIXTURE_VALUE"
#endif

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "fixture: FIXTURE_VALUE + n seconds, with plain symbol names";

BACKOFF_PLUGIN_EXPORT double fixture_value(void);
__attribute__((noinline)) BACKOFF_PLUGIN_EXPORT double fixture_value(void) {
  return FIXTURE_VALUE;
}

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return fixture_value() + (double)a->n;
}
