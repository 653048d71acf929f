/* SPDX-License-Identifier: MIT */
/* A strategy written in C++, built as a plain shared object
 * (g++ -shared -fPIC -fvisibility=hidden -Wall -Wextra -pedantic -Werror):
 * delay(n) = step * (n + 1), step = 0.5 by default. */
#include <backoff/plugin.h>

#include <cstddef>

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "C++ test strategy: step * (n + 1) seconds";

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
    {"step", 0.5, 0.0, 100.0, "seconds added per failure", 0},
    {nullptr, 0, 0, 0, nullptr, 0}};

namespace {
double linear(double step, unsigned n) { return step * (n + 1.0); }
}  // namespace

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return linear(a->params[0].value, a->n);
}
