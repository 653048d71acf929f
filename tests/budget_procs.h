/* SPDX-License-Identifier: MIT */
/* Shared by the shared-budget tests (shm:, redis://): many processes
 * hammering one budget, with totals known in advance. */
#ifndef BACKOFF_BUDGET_PROCS_H
#define BACKOFF_BUDGET_PROCS_H

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_common.h"

#define PROCS 8
#define TIMEOUT_RC 110

static int procs_fail_once_tmo(void *p) {
  return ++*(int *)p == 1 ? TIMEOUT_RC : 0;
}
static void procs_options(backoff_budget_options_t *bo, int kind) {
  static const int timeouts[] = {TIMEOUT_RC};
  memset(bo, 0, sizeof(*bo));
  bo->kind = (backoff_budget_kind_t)kind;
  bo->capacity = 1000000;
  bo->timeout_codes = timeouts;
  bo->timeout_codes_count = 1;
  bo->max_tokens = 100000;
  /* redis: generous, so a slow machine (valgrind) does not turn into a
   * fallback; the timeouts have tests of their own. */
  bo->timeout_ms = 5000;
}

/* One child's work: `rounds` rounds whose running sum is never above 0
 * (so no clamp at the capacity can hide a lost update). Token bucket, per
 * round: an exhausted call (3 calls, 2 retries: -10), a retried success
 * (-10 + 10) and 7 first-try successes (+7): -3. Ratio: a failure (-1)
 * and 9 successes (+0.9): -0.1. Exits 0, or 1 with a message. */
static void procs_child(const char *spec, int kind, int rounds) {
  backoff_budget_options_t bo;
  backoff_options_t o;
  backoff_budget_t *b = NULL;
  backoff_policy_t *p = NULL, *p1 = NULL;
  backoff_report_t r;
  int k, j, st, bad = 0;

  procs_options(&bo, kind);
  if (backoff_budget_open(&b, spec, &bo) != 0) {
    fprintf(stderr, "child: open %s: %s\n", spec, backoff_last_error());
    _exit(1);
  }
  memset(&o, 0, sizeof(o));
  o.strategy = "fixed";
  o.jitter = BACKOFF_JITTER_NONE;
  o.max_tries = 3;
  o.max_delay = INFINITY;
  o.sleep = no_sleep;
  o.budget = b;
  if (backoff_policy_new(&p, &o) != 0)
    _exit(1);
  o.max_tries = 1;
  if (backoff_policy_new(&p1, &o) != 0)
    _exit(1);
  for (k = 0; k < rounds; k++) {
    if (kind == BACKOFF_BUDGET_TOKEN_BUCKET) {
      backoff_run(p, op_fail, NULL, &r);
      bad += r.stop != BACKOFF_STOP_EXHAUSTED;
      st = 0;
      backoff_run(p, procs_fail_once_tmo, &st, &r);
      bad += r.stop != BACKOFF_STOP_SUCCESS;
      for (j = 0; j < 7; j++)
        backoff_run(p, op_succeed, NULL, &r);
    } else {
      backoff_run(p1, op_fail, NULL, &r);
      for (j = 0; j < 9; j++)
        backoff_run(p, op_succeed, NULL, &r);
    }
  }
  backoff_policy_free(p);
  backoff_policy_free(p1);
  backoff_budget_free(b);
  if (bad)
    fprintf(stderr, "child: %d runs stopped for the wrong reason\n", bad);
  _exit(bad != 0);
}

/* Runs PROCS children on spec and checks the budget at quiescence. */
static void procs_run(const char *spec, int kind, int rounds) {
  backoff_budget_options_t bo;
  backoff_budget_t *b = NULL;
  pid_t pid[PROCS];
  double want;
  int i, status, rc;

  /* The children create it, racing; this process opens it only once they
   * are done, so that it forks them single-threaded (a Redis handle runs
   * a thread, and ThreadSanitizer cannot follow a threaded fork). */
  procs_options(&bo, kind);
  for (i = 0; i < PROCS; i++) {
    pid[i] = fork();
    ck_assert_int_ge(pid[i], 0);
    if (pid[i] == 0)
      procs_child(spec, kind, rounds);
  }
  for (i = 0; i < PROCS; i++) {
    ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child %d failed (status 0x%x)", i, status);
  }
  rc = backoff_budget_open(&b, spec, &bo);
  ck_assert_msg(rc == 0, "open %s: %s", spec, backoff_last_error());
  if (kind == BACKOFF_BUDGET_TOKEN_BUCKET)
    want = 1000000.0 - 3.0 * PROCS * rounds;
  else
    want = (100000000.0 - 100.0 * PROCS * rounds) / 1000;
  ck_assert_msg(backoff_budget_tokens(b) == want,
                "%s: tokens %.17g, want %.17g", spec, backoff_budget_tokens(b),
                want);
  backoff_budget_free(b);
}

#endif /* BACKOFF_BUDGET_PROCS_H */
