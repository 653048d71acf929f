/* SPDX-License-Identifier: MIT */
/* Row 6: scaling. The same work on 1 thread, then on 2 threads sharing
 * one policy (and, last, one retry budget too); the figure is the
 * throughput ratio, 2 threads / 1 thread, per round.
 *
 * A machine does not always give 2x to two threads (virtual CPUs that are
 * hyperthreads of one host core, a neighbour's build on the other core),
 * so each round also measures the same ratio for the hand-written retry
 * loop, which shares nothing, and reports the library's scaling relative
 * to it: the part of the shortfall the library is responsible for. The
 * threads are pinned to CPUs 0 and 1 when possible. */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define TARGET_NS 30000000.0 /* per measurement: long enough to be fair */
#define HAND_TRIES 2         /* the hand loop: 1 retry per run */

typedef struct {
  const backoff_policy_t *policy;   /* NULL: the call form, or the hand loop */
  const backoff_options_t *options; /* the call form's, or NULL */
  backoff_fn fn;
  size_t runs;
  int cpu;
  pthread_barrier_t *barrier;
  uint64_t start, end;
  int bad;
} worker_t;

static void pin(int cpu) {
#ifdef CPU_SET
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#else
  (void)cpu;
#endif
}

static void *work(void *arg) {
  worker_t *w = arg;
  unsigned long counter = 0;
  backoff_rng_t rng;
  size_t i;
  int bad = 0;

  pin(w->cpu);
  backoff_rng_seed(&rng, (uint64_t)w->cpu);
  pthread_barrier_wait(w->barrier);
  w->start = bench_now_ns();
  if (w->options != NULL) {
    for (i = 0; i < w->runs; i++)
      bad |= backoff(w->fn, &counter, w->options);
  } else if (w->policy == NULL) {
    for (i = 0; i < w->runs; i++)
      bad |=
          bench_hand_loop(w->fn, &counter, &rng, HAND_TRIES, bench_sleep_noop);
  } else {
    for (i = 0; i < w->runs; i++)
      bad |= backoff_run(w->policy, w->fn, &counter, NULL);
  }
  w->end = bench_now_ns();
  w->bad = bad;
  return NULL;
}

/* Runs per second with n threads, each doing `runs` runs. */
static const backoff_options_t *call_form; /* set while measuring it */

static double throughput(int n, const backoff_policy_t *p, backoff_fn fn,
                         size_t runs) {
  pthread_t t[2];
  worker_t w[2];
  pthread_barrier_t barrier;
  uint64_t start = UINT64_MAX, end = 0;
  int i;

  pthread_barrier_init(&barrier, NULL, (unsigned)n);
  for (i = 0; i < n; i++) {
    w[i] = (worker_t){p, p ? NULL : call_form, fn, runs, i, &barrier, 0, 0, 0};
    if (pthread_create(&t[i], NULL, work, &w[i]) != 0) {
      fprintf(stderr, "bench: row 6: pthread_create failed\n");
      exit(1);
    }
  }
  for (i = 0; i < n; i++) {
    pthread_join(t[i], NULL);
    if (w[i].bad) {
      fprintf(stderr, "bench: row 6: a run failed: %s\n",
              backoff_last_error());
      exit(1);
    }
    if (w[i].start < start)
      start = w[i].start;
    if (w[i].end > end)
      end = w[i].end;
  }
  pthread_barrier_destroy(&barrier);
  return (double)n * (double)runs / ((double)(end - start) / 1e9);
}

/* Runs that take about TARGET_NS on one thread. */
static size_t calibrate(const backoff_policy_t *p, backoff_fn fn) {
  const double per_s = throughput(1, p, fn, 2000);
  const double runs = TARGET_NS / 1e9 * per_s;
  return runs < 20000 ? 20000 : (size_t)runs;
}

static void scaling(const char *what, const backoff_policy_t *p, backoff_fn fn,
                    double *hand_out) {
  const unsigned R = bench_rounds;
  double *v = calloc(R, sizeof(double)), *one = calloc(R, sizeof(double));
  double *rel = calloc(R, sizeof(double)), *hand = calloc(R, sizeof(double));
  const backoff_options_t *form = call_form;
  const size_t runs = calibrate(p, fn);
  size_t hand_runs;
  char label[96];
  unsigned r;

  call_form = NULL;
  hand_runs = calibrate(NULL, bench_op_fail_once);
  for (r = 0; r < R; r++) {
    double h1, h2, t1, t2;
    call_form = NULL;
    h1 = throughput(1, NULL, bench_op_fail_once, hand_runs);
    h2 = throughput(2, NULL, bench_op_fail_once, hand_runs);
    call_form = form;
    t1 = throughput(1, p, fn, runs);
    t2 = throughput(2, p, fn, runs);
    one[r] = 1e9 / t1;
    v[r] = t2 / t1;
    hand[r] = h2 / h1;
    rel[r] = v[r] / hand[r];
    if (hand_out != NULL)
      hand_out[r] = hand[r];
  }
  snprintf(label, sizeof(label), "%s, 1 thread", what);
  bench_row("6", label, one, R, "ns/run", NULL, 0);
  bench_row("6", "  2 threads / 1 thread throughput", v, R, "x", ">=", 1.8);
  bench_row("6", "  same, relative to the hand loop's", rel, R, "x",
            ">=", 0.9);
  free(v);
  free(one);
  free(rel);
  free(hand);
}

void bench_threads(void) {
  backoff_options_t o = {
      .strategy = "exponential", .max_tries = 3, .sleep = bench_sleep_noop};
  const backoff_options_t o_form = o;
  const unsigned R = bench_rounds;
  double *hand = calloc(R, sizeof(double));
  backoff_policy_t *p, *pb;
  backoff_budget_t *budget;

  if (bench_callgrind) {
    free(hand);
    return;
  }
  bench_check(backoff_policy_new(&p, &o), "backoff_policy_new");
  bench_check(backoff_budget_new(&budget, NULL), "backoff_budget_new");
  o.budget = budget;
  bench_check(backoff_policy_new(&pb, &o), "backoff_policy_new");

  scaling("shared policy, first-try success", p, bench_op_ok, NULL);
  scaling("shared policy, 1 retry per run", p, bench_op_fail_once, NULL);
  /* The call form: each call looks its strategy up in the loader's cache
   * (no lock) and takes and drops a reference on the shared module. */
  call_form = &o_form;
  scaling("call form backoff(), first-try success", NULL, bench_op_ok, NULL);
  call_form = NULL;
  /* A full bucket takes no write on success: it scales like no budget. */
  scaling("shared policy + budget, first-try success", pb, bench_op_ok, NULL);
  /* A retry withdraws from and refunds to the one shared token count:
   * two atomic writes per call on one cache line, which both threads
   * must own in turn. That line bounds this row. */
  scaling("shared policy + budget, 1 retry per run", pb, bench_op_fail_once,
          hand);
  /* The machine's own ceiling, from the rounds of the last workload. */
  bench_row("6", "machine: hand loop, 2 threads / 1 thread", hand, R, "x",
            NULL, 0);

  backoff_policy_free(pb);
  backoff_policy_free(p);
  backoff_budget_free(budget);
  free(hand);
}
