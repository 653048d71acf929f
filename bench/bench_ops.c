/* SPDX-License-Identifier: MIT */
/* The operations every row retries. Each bumps a caller-owned counter and
 * is kept out of line, so no loop can be optimised into nothing and the
 * library and the baselines call exactly the same code. */
#include "config.h"

#include <math.h>

#include "bench.h"

BENCH_NOINLINE int bench_op_ok(void *counter) {
  ++*(unsigned long *)counter;
  return 0;
}

BENCH_NOINLINE int bench_op_fail(void *counter) {
  ++*(unsigned long *)counter;
  return 1;
}

/* Call 1, 3, 5, ... fail and 2, 4, 6, ... succeed: with a counter starting
 * even, every run makes exactly one retry. */
BENCH_NOINLINE int bench_op_fail_once(void *counter) {
  return (int)(++*(unsigned long *)counter & 1);
}

BENCH_NOINLINE int bench_sleep_noop(double seconds, void *ctx) {
  BENCH_KEEP(seconds);
  (void)ctx;
  return 0;
}

/* What a careful programmer writes by hand: the reference's default
 * delay (2^n plus additive jitter U[0,1)) from the same generator, the
 * sleep called through a pointer as the library calls it. */
BENCH_NOINLINE int bench_hand_loop(backoff_fn fn, void *arg,
                                   backoff_rng_t *rng, unsigned tries,
                                   int (*sleep_fn)(double, void *)) {
  unsigned n;
  for (n = 0;; n++) {
    const int rc = fn(arg);
    if (rc == 0 || n + 1 >= tries)
      return rc;
    if (sleep_fn(ldexp(1.0, (int)n) + backoff_rng_uniform(rng), NULL) != 0)
      return rc;
  }
}
