/* SPDX-License-Identifier: MIT */
/* Row 5: sleep precision. For each duration, libbackoff's sleep
 * (backoff_sleep: an absolute CLOCK_MONOTONIC deadline) and a raw relative
 * clock_nanosleep are called alternately; each overshoot (actual minus
 * requested) is measured around the call. The figure is the ratio of the
 * two median overshoots per round: the kernel's timer slack dominates
 * both, and the library must add nothing visible to it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static double overshoot_us(int lib, uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000ULL),
                        (long)(ns % 1000000000ULL)};
  uint64_t t0, t1;

  t0 = bench_now_ns();
  if (lib)
    bench_check(backoff_sleep((double)ns / 1e9, NULL), "backoff_sleep");
  else
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) != 0)
      ;
  t1 = bench_now_ns();
  return ((double)(t1 - t0) - (double)ns) / 1000.0;
}

void bench_sleep(void) {
  static const struct {
    const char *label;
    uint64_t ns;
    unsigned samples; /* per kind and round */
  } d[] = {
      {"0.1 ms", 100000, 15}, {"1 ms", 1000000, 8}, {"10 ms", 10000000, 3}};
  const unsigned R = bench_rounds;
  double *ratio = calloc(R, sizeof(double)),
         *lib_us = calloc(R, sizeof(double));
  double *raw_us = calloc(R, sizeof(double)), a[16], b[16];
  char what[96];
  unsigned r, k;
  size_t i;

  if (bench_callgrind)
    goto out;
  for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
    for (r = 0; r < R; r++) {
      for (k = 0; k < d[i].samples; k++) {
        /* Alternate who goes first: neither side always follows a wake-up. */
        if (k & 1) {
          a[k] = overshoot_us(1, d[i].ns);
          b[k] = overshoot_us(0, d[i].ns);
        } else {
          b[k] = overshoot_us(0, d[i].ns);
          a[k] = overshoot_us(1, d[i].ns);
        }
      }
      lib_us[r] = bench_median(a, d[i].samples);
      raw_us[r] = bench_median(b, d[i].samples);
      ratio[r] = lib_us[r] / raw_us[r];
    }
    snprintf(what, sizeof(what), "sleep %s: overshoot, clock_nanosleep",
             d[i].label);
    bench_row("5", what, raw_us, R, "us", NULL, 0);
    snprintf(what, sizeof(what), "sleep %s: overshoot, backoff_sleep",
             d[i].label);
    bench_row("5", what, lib_us, R, "us", NULL, 0);
    bench_row("5", "  overshoot ratio, libbackoff / raw", ratio, R, "x",
              "<=", 1.05);
  }
out:
  free(ratio);
  free(lib_us);
  free(raw_us);
}
