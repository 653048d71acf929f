/* SPDX-License-Identifier: MIT */
/* Row 7: against the reference implementations. Their figures were
 * measured elsewhere (same machine, same workloads as rows 1 and 2:
 * Python's backoff-utils about 53 us per call and 50 us per retry,
 * tenacity about 10 us and 13 us); they are constants here, and the rows
 * say how many times faster libbackoff is. min/max come from ours. */
#include "config.h"

#include <math.h>

#include "bench.h"

static void ratio(const char *what, double ref_us, const char *row,
                  const char *ours) {
  double med, min, max, v[3];

  if (bench_stat_of(row, ours, &med, &min, &max) != 0 || !(med > 0)) {
    bench_note("7", what, "n/a: our figure is missing");
    return;
  }
  v[0] = ref_us * 1000.0 / med;
  v[1] = ref_us * 1000.0 / max;
  v[2] = ref_us * 1000.0 / min;
  bench_row("7", what, v, 3, "x faster", NULL, 0);
}

void bench_reference(void) {
  if (bench_callgrind)
    return;
  bench_note("7", "reference figures below: measured elsewhere",
             "(backoff-utils 53/50 us, tenacity 10/13 us)");
  ratio("backoff-utils 53 us/call / call form", 53, "1",
        "call form backoff()");
  ratio("backoff-utils 53 us/call / decorator", 53, "1",
        "decorator BACKOFF_APPLY");
  ratio("backoff-utils 50 us/retry / ours", 50, "2",
        "exponential, additive jitter");
  ratio("tenacity 10 us/call / call form", 10, "1", "call form backoff()");
  ratio("tenacity 10 us/call / decorator", 10, "1",
        "decorator BACKOFF_APPLY");
  ratio("tenacity 13 us/retry / ours", 13, "2",
        "exponential, additive jitter");
}
