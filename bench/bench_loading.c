/* Row 4: opening a strategy. Cold: nothing holds the module, so each open
 * finds the file, dlopens and checks it, and each free dlcloses it.
 * Cached: one handle stays open, so the next open is a cache hit, which
 * must not reach libltdl at all (counted by ltdl_count.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define COLD 40       /* opens per round */
#define CACHED 100000 /* opens per round */
#define NAME "linear" /* held by nothing else while this row runs */

/* ns per open + free pair. */
static double time_opens(size_t n, long long *ltdl) {
  backoff_strategy_t *s;
  const long long before = bench_ltdl_calls();
  uint64_t t0, t1;
  size_t i;

  t0 = bench_now_ns();
  for (i = 0; i < n; i++) {
    bench_check(backoff_strategy_open(&s, NAME), "backoff_strategy_open");
    backoff_strategy_free(s);
  }
  t1 = bench_now_ns();
  *ltdl = bench_ltdl_calls() - before;
  return (double)(t1 - t0) / (double)n;
}

/* us per backoff() call naming a strategy no policy holds: each call loads
 * and unloads the plugin, so this is what a program that only ever uses
 * the call form pays. */
static double time_lonely_calls(size_t n) {
  const backoff_options_t o = {.strategy = NAME, .max_tries = 3};
  unsigned long counter = 0;
  uint64_t t0, t1;
  size_t i;

  t0 = bench_now_ns();
  for (i = 0; i < n; i++)
    bench_check(backoff(bench_op_ok, &counter, &o), "backoff");
  t1 = bench_now_ns();
  return (double)(t1 - t0) / (double)n / 1000.0;
}

void bench_loading(void) {
  const unsigned R = bench_rounds;
  double *cold = calloc(R, sizeof(double)), *cached = calloc(R, sizeof(double));
  double *calls = calloc(R, sizeof(double)), *ratio = calloc(R, sizeof(double));
  double *lonely = calloc(R, sizeof(double));
  backoff_strategy_t *hold;
  long long n;
  unsigned r;

  if (bench_callgrind)
    goto out;
  time_opens(4, &n); /* warm up: libltdl initialised, file cache warm */
  if (n == 0) {
    fprintf(stderr, "bench: row 4: a cold open made no libltdl call; is "
                    "'" NAME "' held by someone?\n");
    exit(1);
  }
  for (r = 0; r < R; r++) {
    cold[r] = time_opens(COLD, &n) / 1000.0;
    lonely[r] = time_lonely_calls(COLD);
    bench_check(backoff_strategy_open(&hold, NAME), "backoff_strategy_open");
    cached[r] = time_opens(CACHED, &n);
    calls[r] = (double)n / CACHED;
    backoff_strategy_free(hold);
    ratio[r] = cold[r] * 1000.0 / cached[r];
  }
  bench_row("4", "cold open + free (dlopen, dlclose)", cold, R, "us/open",
            NULL, 0);
  bench_row("4", "cached open + free (one handle held)", cached, R,
            "ns/open", "<=", 100);
  bench_row("4", "  libltdl calls per cached open", calls, R, "calls", "<=",
            0);
  bench_row("4", "  cold / cached", ratio, R, "x", NULL, 0);
  bench_row("4", "call form, strategy held by no policy", lonely, R,
            "us/call", NULL, 0);
out:
  free(cold);
  free(cached);
  free(calls);
  free(ratio);
  free(lonely);
}
