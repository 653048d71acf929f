/* SPDX-License-Identifier: MIT */
/* fibonacci: F(n) with F(<1) = 1 and F(n) = F(n-1) + F(n-2), the
 * reference's sequence 1, 2, 3, 5, 8, ... (377 at n = 12), i.e. the
 * standard Fib(n + 2). O(log n) by fast doubling, never a loop over n. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#define BACKOFF_PLUGIN_LTX_PREFIX strategy_fibonacci
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const char backoff_plugin_description[] =
    "Fibonacci seconds: 1, 2, 3, 5, 8, 13, ...";

/* Fib(k) for k <= 93, exact in 64 bits. */
static uint64_t fib(unsigned k) {
  uint64_t a = 0, b = 1; /* Fib(0), Fib(1) */
  int bit;

  for (bit = 6; bit >= 0; bit--) {
    const uint64_t c = a * (2 * b - a); /* Fib(2m) */
    const uint64_t d = a * a + b * b;   /* Fib(2m + 1) */
    if ((k >> bit) & 1) {
      a = d;
      b = c + d;
    } else {
      a = c;
      b = d;
    }
  }
  return a;
}

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  const double phi = 1.6180339887498948482, sqrt5 = 2.2360679774997896964;

  if (a->n <= 91)
    return (double)fib(a->n + 2);
  /* Past 2^63 the double is approximate anyway: Binet's formula. Fib(1476)
   * is beyond DBL_MAX. */
  if (a->n > 1472)
    return DBL_MAX;
  return pow(phi, (double)a->n + 2) / sqrt5;
}
