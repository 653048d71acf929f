/* SPDX-License-Identifier: MIT */
/* Shared retry budgets: the per-call cost of a budget of this process, a
 * shm: budget and a Redis budget, measured side by side in each round.
 * `make bench-budget` runs it (and `make bench` too); the Redis rows need
 * BACKOFF_BENCH_REDIS=redis://host:port/KEY (else they say n/a).
 *
 *   bench_budget [--rounds N] [--out FILE]
 *
 * Two workloads: a first-try success (what a healthy fleet does: a full
 * bucket's refund, which must write nothing), and one retry then success
 * (a withdrawal and its refund). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

unsigned bench_rounds = 11;
int bench_callgrind;

#define CALLS 200000
#define CALLS_REDIS 200000

enum { LOCAL, SHM, REDIS, NKINDS };
static const char *const kind_names[NKINDS] = {"in-process",
                                               "shm:", "redis://"};
static backoff_budget_t *budgets[NKINDS];
static backoff_policy_t *policies[NKINDS];

static double time_calls(int k, backoff_fn fn, size_t n) {
  unsigned long counter = 0;
  uint64_t t0, t1;
  size_t i;
  int acc = 0;

  t0 = bench_now_ns();
  for (i = 0; i < n; i++)
    acc |= backoff_run(policies[k], fn, &counter, NULL);
  t1 = bench_now_ns();
  if (acc != 0) {
    fprintf(stderr, "bench_budget: %s: a run failed (rc %d)\n", kind_names[k],
            acc);
    exit(1);
  }
  return (double)(t1 - t0) / (double)n;
}

static void setup(int k, const char *spec) {
  backoff_budget_options_t bo;
  backoff_options_t o;

  memset(&bo, 0, sizeof(bo));
  bo.capacity = 1000000;
  if (k == LOCAL)
    bench_check(backoff_budget_new(&budgets[k], &bo), "backoff_budget_new");
  else
    bench_check(backoff_budget_open(&budgets[k], spec, &bo), spec);
  memset(&o, 0, sizeof(o));
  o.strategy = "fixed";
  o.jitter = BACKOFF_JITTER_NONE;
  o.max_tries = 3;
  o.sleep = bench_sleep_noop;
  o.budget = budgets[k];
  bench_check(backoff_policy_new(&policies[k], &o), "backoff_policy_new");
}

static void rows(const char *what, backoff_fn fn, int nkinds) {
  double *v[NKINDS], *ratio[NKINDS];
  const unsigned R = bench_rounds;
  char label[160];
  unsigned r;
  int k;

  for (k = 0; k < nkinds; k++) {
    v[k] = calloc(R, sizeof(double));
    ratio[k] = calloc(R, sizeof(double));
    time_calls(k, fn, 1000); /* warm up */
  }
  for (r = 0; r < R; r++) {
    for (k = 0; k < nkinds; k++)
      v[k][r] = time_calls(k, fn, k == REDIS ? CALLS_REDIS : CALLS);
    for (k = 1; k < nkinds; k++)
      ratio[k][r] = v[k][r] / v[LOCAL][r];
  }
  for (k = 0; k < nkinds; k++) {
    snprintf(label, sizeof(label), "%s, %s budget", what, kind_names[k]);
    bench_row("B", label, v[k], R, "ns/call", NULL, 0);
  }
  snprintf(label, sizeof(label), "%s, shm: / in-process", what);
  bench_row("B", label, ratio[SHM], R, "x", "<=", 2);
  if (nkinds > REDIS) {
    snprintf(label, sizeof(label), "%s, redis:// / in-process", what);
    bench_row("B", label, ratio[REDIS], R, "x", NULL, 0);
  }
  for (k = 0; k < nkinds; k++) {
    free(v[k]);
    free(ratio[k]);
  }
}

int main(int argc, char **argv) {
  const char *out = NULL, *redis = getenv("BACKOFF_BENCH_REDIS");
  char shm[64], header[200];
  int i, nkinds = NKINDS;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      bench_rounds = (unsigned)atoi(argv[++i]);
      if (bench_rounds < 1 || bench_rounds > 1000) {
        fprintf(stderr, "bench_budget: --rounds wants 1 to 1000\n");
        return 2;
      }
    } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else {
      fprintf(stderr, "usage: bench_budget [--rounds N] [--out FILE]\n");
      return 2;
    }
  }
  snprintf(shm, sizeof(shm), "shm:bench-%ld", (long)getpid());
  setup(LOCAL, NULL);
  setup(SHM, shm);
  if (redis != NULL && redis[0] != '\0')
    setup(REDIS, redis);
  else
    nkinds = REDIS;
  rows("first-try success", bench_op_ok, nkinds);
  rows("one retry, then success", bench_op_fail_once, nkinds);
  if (nkinds == REDIS)
    bench_note("B", "redis:// budget",
               "n/a (set BACKOFF_BENCH_REDIS=redis://host:port/KEY)");
  for (i = 0; i < nkinds; i++) {
    backoff_policy_free(policies[i]);
    backoff_budget_free(budgets[i]);
  }
  backoff_budget_unlink(shm);
  snprintf(header, sizeof(header),
           "libbackoff %s budget bench: %u rounds, median/min/max over "
           "rounds",
           backoff_version_string(), bench_rounds);
  bench_header(header);
  return bench_print(out) == 0 ? 0 : 1;
}
