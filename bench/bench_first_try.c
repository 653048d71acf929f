/* SPDX-License-Identifier: MIT */
/* Row 1: an operation that succeeds on the first try, called directly,
 * through the decorator (BACKOFF_APPLY, policy built once), through
 * backoff_run() on a built policy, and through the call form backoff(),
 * which checks its options on every call. Same options everywhere: the
 * default strategy by name, 3 tries. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define CALLS 200000     /* per round, direct / decorator / backoff_run */
#define CALLS_FORM 50000 /* per round, call form (about 10x slower) */
#define CG_CALLS 10000   /* callgrind mode */

static const backoff_options_t options = {.strategy = "exponential",
                                          .max_tries = 3};

static BACKOFF_APPLY(ok_retrying, bench_op_ok, .strategy = "exponential",
                     .max_tries = 3)

    enum {
      DIRECT,
      APPLY,
      RUN,
      FORM,
      NFORMS
    };

static backoff_policy_t *policy;

/* Times n calls of one form; ns per call. */
static double time_form(int form, size_t n) {
  unsigned long counter = 0;
  uint64_t t0, t1;
  size_t i;
  int acc = 0;

  t0 = bench_now_ns();
  switch (form) {
  case DIRECT:
    for (i = 0; i < n; i++)
      acc |= bench_op_ok(&counter);
    break;
  case APPLY:
    for (i = 0; i < n; i++)
      acc |= ok_retrying(&counter);
    break;
  case RUN:
    for (i = 0; i < n; i++)
      acc |= backoff_run(policy, bench_op_ok, &counter, NULL);
    break;
  default:
    for (i = 0; i < n; i++)
      acc |= backoff(bench_op_ok, &counter, &options);
    break;
  }
  t1 = bench_now_ns();
  if (acc != 0 || counter != n) {
    fprintf(stderr, "bench: row 1 form %d: rc %d after %lu of %zu calls\n",
            form, acc, counter, n);
    exit(1);
  }
  return (double)(t1 - t0) / (double)n;
}

static void callgrind_counts(void) {
  static const char *const labels[NFORMS] = {
      "1 direct call|10000|-|-",
      "1 decorator BACKOFF_APPLY|10000|-|1 direct call",
      "1 backoff_run(policy)|10000|-|1 direct call",
      "1 call form backoff()|10000|-|1 direct call"};
  int f;

  for (f = 0; f < NFORMS; f++) {
    bench_cg_zero();
    time_form(f, CG_CALLS);
    bench_cg_dump(labels[f]);
  }
}

void bench_first_try(void) {
  /* bench_row() sorts its array: per-round differences are taken first. */
  double *v[NFORMS], *extra[NFORMS];
  const unsigned R = bench_rounds;
  unsigned r;
  int f;

  bench_check(backoff_policy_new(&policy, &options), "backoff_policy_new");
  /* Warm up: the decorator builds its policy, the environment is read,
   * code and data are paged in. */
  for (f = 0; f < NFORMS; f++)
    time_form(f, 1000);
  if (bench_callgrind) {
    callgrind_counts();
    backoff_policy_free(policy);
    return;
  }

  for (f = 0; f < NFORMS; f++) {
    v[f] = calloc(R, sizeof(double));
    extra[f] = calloc(R, sizeof(double));
  }
  for (r = 0; r < R; r++) {
    v[DIRECT][r] = time_form(DIRECT, CALLS);
    v[APPLY][r] = time_form(APPLY, CALLS);
    v[RUN][r] = time_form(RUN, CALLS);
    v[FORM][r] = time_form(FORM, CALLS_FORM);
    for (f = APPLY; f < NFORMS; f++)
      extra[f][r] = v[f][r] - v[DIRECT][r];
  }

  bench_row("1", "direct call of the operation", v[DIRECT], R, "ns/call", NULL,
            0);
  bench_row("1", "decorator BACKOFF_APPLY", v[APPLY], R, "ns/call", NULL, 0);
  bench_row("1", "decorator, extra over direct call", extra[APPLY], R,
            "ns/call", "<=", 10);
  bench_row("1", "backoff_run(policy), extra over direct", extra[RUN], R,
            "ns/call", NULL, 0);
  bench_row("1", "call form backoff()", v[FORM], R, "ns/call", NULL, 0);
  bench_row("1", "call form, extra over direct call", extra[FORM], R,
            "ns/call", "<=", 200);

  for (f = 0; f < NFORMS; f++) {
    free(v[f]);
    free(extra[f]);
  }
  backoff_policy_free(policy);
  policy = NULL;
}
