/* SPDX-License-Identifier: MIT */
/* Row 2: the cost of one retry, sleep injected as a no-op, for every
 * strategy (default jitter) and every jitter mode (exponential), against a
 * hand-written loop that computes 2^n + U[0,1) with the same generator and
 * calls the same no-op sleep through a pointer.
 *
 * One retry costs (T(run failing TRIES times) - T(run succeeding at
 * once)) / (TRIES - 1): the per-run costs cancel, the per-retry ones
 * (schedule, strategy plugin, jitter, generator, seeding amortised over
 * the run, the sleep hook) remain. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define TRIES 9    /* calls per failing run: 8 retries */
#define RUNS 20000 /* runs per round and kind */
#define CG_RUNS 2000

typedef struct {
  const char *label;
  const char *strategy;
  backoff_jitter_t jitter;
  backoff_policy_t *policy;
  double max_delay; /* seconds; 0: none */
} workload_t;

static workload_t work[] = {
    {"exponential, additive jitter", "exponential", BACKOFF_JITTER_ADDITIVE,
     NULL, 0},
    {"fibonacci, additive jitter", "fibonacci", BACKOFF_JITTER_ADDITIVE, NULL,
     0},
    {"linear, additive jitter", "linear", BACKOFF_JITTER_ADDITIVE, NULL, 0},
    {"polynomial, additive jitter", "polynomial", BACKOFF_JITTER_ADDITIVE,
     NULL, 0},
    {"fixed, additive jitter", "fixed", BACKOFF_JITTER_ADDITIVE, NULL, 0},
    {"exponential, no jitter", "exponential", BACKOFF_JITTER_NONE, NULL, 0},
    {"exponential, full jitter", "exponential", BACKOFF_JITTER_FULL, NULL, 0},
    {"exponential, equal jitter", "exponential", BACKOFF_JITTER_EQUAL, NULL,
     0},
    {"exponential, proportional jitter", "exponential",
     BACKOFF_JITTER_PROPORTIONAL, NULL, 0},
    /* The README's own example: a total time budget, so every retry reads
     * the clock (once) to judge it. */
    {"exponential, additive jitter, max_delay set", "exponential",
     BACKOFF_JITTER_ADDITIVE, NULL, 1e6},
};
#define NWORK (sizeof(work) / sizeof(work[0]))

/* ns for `runs` runs of fn under w (NULL: the hand loop). */
static double time_runs(const workload_t *w, backoff_fn fn, size_t runs) {
  static backoff_rng_t rng;
  unsigned long counter = 0;
  const int want = fn == bench_op_ok ? 0 : 1;
  uint64_t t0, t1;
  size_t i;
  int bad = 0;

  if (w == NULL)
    backoff_rng_seed(&rng, 42);
  t0 = bench_now_ns();
  if (w == NULL) {
    for (i = 0; i < runs; i++)
      bad |=
          bench_hand_loop(fn, &counter, &rng, TRIES, bench_sleep_noop) != want;
  } else {
    for (i = 0; i < runs; i++)
      bad |= backoff_run(w->policy, fn, &counter, NULL) != want;
  }
  t1 = bench_now_ns();
  if (bad || counter != runs * (want ? TRIES : 1)) {
    fprintf(stderr, "bench: row 2 %s: wrong result or call count (%lu)\n",
            w ? w->label : "hand loop", counter);
    exit(1);
  }
  return (double)(t1 - t0);
}

/* What the deadline adds to a retry: one read of the monotonic clock,
 * whose cost is the machine's (a vDSO call on most Linux machines; much
 * more under some hypervisors' clock sources). */
static double clock_read_ns(void) {
  const uint64_t t0 = bench_now_ns();
  uint64_t acc = 0;
  size_t i;

  for (i = 0; i < RUNS; i++)
    acc += backoff_clock_ns();
  BENCH_KEEP(acc);
  return (double)(bench_now_ns() - t0) / RUNS;
}

static double per_retry(const workload_t *w, size_t runs) {
  const double fail = time_runs(w, bench_op_fail, runs);
  const double ok = time_runs(w, bench_op_ok, runs);
  return (fail - ok) / (double)(runs * (TRIES - 1));
}

static void callgrind_counts(void) {
  char label[160];
  size_t i;

  for (i = 0; i <= NWORK; i++) {
    const workload_t *w = i < NWORK ? &work[i] : NULL;
    const char *name = w ? w->label : "hand loop";
    bench_cg_zero();
    time_runs(w, bench_op_ok, CG_RUNS);
    snprintf(label, sizeof(label), "2 %s, success|0|-|-", name);
    bench_cg_dump(label);
    bench_cg_zero();
    time_runs(w, bench_op_fail, CG_RUNS);
    snprintf(label, sizeof(label), "2 %s|%d|2 %s, success|%s", name,
             CG_RUNS * (TRIES - 1), name, w ? "2 hand loop" : "-");
    bench_cg_dump(label);
  }
}

void bench_retry(void) {
  const unsigned R = bench_rounds;
  double *hand = calloc(R, sizeof(double));
  double *clock_ns = calloc(R, sizeof(double));
  double *v[NWORK], *extra[NWORK];
  char what[96];
  unsigned r;
  size_t i;

  for (i = 0; i < NWORK; i++) {
    const backoff_options_t o = {.strategy = work[i].strategy,
                                 .jitter = work[i].jitter,
                                 .max_tries = TRIES,
                                 .max_delay = work[i].max_delay,
                                 .sleep = bench_sleep_noop};
    bench_check(backoff_policy_new(&work[i].policy, &o), "backoff_policy_new");
    per_retry(&work[i], 500); /* warm up */
  }
  per_retry(NULL, 500);
  if (bench_callgrind) {
    callgrind_counts();
    goto out;
  }

  for (i = 0; i < NWORK; i++) {
    v[i] = calloc(R, sizeof(double));
    extra[i] = calloc(R, sizeof(double));
  }
  for (r = 0; r < R; r++) {
    clock_ns[r] = clock_read_ns();
    hand[r] = per_retry(NULL, RUNS);
    for (i = 0; i < NWORK; i++) {
      v[i][r] = per_retry(&work[i], RUNS);
      extra[i][r] = v[i][r] - hand[r];
    }
  }
  bench_row("2", "hand-written loop: 2^n + U[0,1)", hand, R, "ns/retry", NULL,
            0);
  bench_row("2", "one clock read, backoff_clock_ns()", clock_ns, R, "ns", NULL,
            0);
  for (i = 0; i < NWORK; i++) {
    bench_row("2", work[i].label, v[i], R, "ns/retry", "<=", 50);
    snprintf(what, sizeof(what), "  extra over hand loop");
    bench_row("2", what, extra[i], R, "ns/retry", NULL, 0);
    free(v[i]);
    free(extra[i]);
  }
out:
  free(hand);
  free(clock_ns);
  for (i = 0; i < NWORK; i++) {
    backoff_policy_free(work[i].policy);
    work[i].policy = NULL;
  }
}
