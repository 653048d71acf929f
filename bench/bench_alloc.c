/* SPDX-License-Identifier: MIT */
/* Row 3: heap allocations per call once the policy is built, counted by
 * the interposer in alloc_count.c. Goal: none on any run path. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define CALLS 1000

static BACKOFF_APPLY(
    apply_ok, bench_op_ok, .strategy = "exponential",
    .max_tries = 3) static BACKOFF_APPLY(apply_retry, bench_op_fail_once,
                                         .strategy = "exponential",
                                         .max_tries = 3,
                                         .sleep = bench_sleep_noop)

    enum {
      APPLY_OK,
      APPLY_RETRY,
      RUN_RETRIES,
      RUN_BUDGET,
      SCHEDULE,
      FORM_HELD,
      FORM_ALONE,
      NCASES
    };

static const char *const labels[NCASES] = {
    "decorator, first-try success",
    "decorator, 1 retry",
    "backoff_run, 8 retries",
    "backoff_run + shared budget, 1 retry",
    "schedule API (event loop), 8 retries",
    "call form backoff(), strategy cached",
    "call form, strategy held by no policy"};

static backoff_policy_t *retries, *budgeted;
static backoff_budget_t *budget;

static const backoff_options_t form_held = {.strategy = "exponential",
                                            .max_tries = 3};
/* No policy holds polynomial here: every call loads and unloads it. */
static const backoff_options_t form_alone = {.strategy = "polynomial",
                                             .max_tries = 3};

static void one_call(int c, unsigned long *counter) {
  backoff_schedule_t s;
  double delay;
  int rc = 0;

  switch (c) {
  case APPLY_OK:
    rc = apply_ok(counter);
    break;
  case APPLY_RETRY:
    rc = apply_retry(counter);
    break;
  case RUN_RETRIES:
    rc = backoff_run(retries, bench_op_fail, counter, NULL) == 1 ? 0 : -1;
    break;
  case RUN_BUDGET:
    rc = backoff_run(budgeted, bench_op_fail_once, counter, NULL);
    break;
  case SCHEDULE:
    bench_check(backoff_schedule_init(&s, retries), "schedule_init");
    while (backoff_schedule_begin(&s) == 0) {
      if (backoff_schedule_next(&s, bench_op_fail(counter), &delay) != 0)
        break;
      BENCH_KEEP(delay);
    }
    rc = backoff_schedule_attempts(&s) == 9 ? 0 : -1;
    break;
  case FORM_HELD:
    rc = backoff(bench_op_ok, counter, &form_held);
    break;
  default:
    rc = backoff(bench_op_ok, counter, &form_alone);
    break;
  }
  if (rc != 0) {
    fprintf(stderr, "bench: row 3 %s: rc %d (%s)\n", labels[c], rc,
            backoff_last_error());
    exit(1);
  }
}

void bench_allocations(void) {
  const backoff_options_t o = {
      .strategy = "exponential", .max_tries = 9, .sleep = bench_sleep_noop};
  backoff_options_t ob = o;
  backoff_policy_t *holder;
  int c;

  if (bench_callgrind)
    return;
  if (bench_allocs() < 0) {
    bench_note("3", "allocations per call", "n/a: sanitizer build");
    return;
  }
  bench_check(backoff_policy_new(&retries, &o), "backoff_policy_new");
  bench_check(backoff_budget_new(&budget, NULL), "backoff_budget_new");
  ob.budget = budget;
  ob.max_tries = 3;
  bench_check(backoff_policy_new(&budgeted, &ob), "backoff_policy_new");
  /* A policy that keeps exponential loaded, as a real program would have. */
  bench_check(backoff_policy_new(&holder, &form_held), "backoff_policy_new");

  for (c = 0; c < NCASES; c++) {
    unsigned long counter = 0;
    long long before;
    double per;
    int i;

    one_call(c, &counter); /* first use builds the decorators' policies */
    counter = 0;
    before = bench_allocs();
    for (i = 0; i < CALLS; i++)
      one_call(c, &counter);
    per = (double)(bench_allocs() - before) / CALLS;
    bench_row("3", labels[c], &per, 1, "allocs",
              c == FORM_ALONE ? NULL : "<=", 0);
  }
  backoff_policy_free(holder);
  backoff_policy_free(budgeted);
  backoff_policy_free(retries);
  backoff_budget_free(budget);
}
