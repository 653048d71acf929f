/* SPDX-License-Identifier: MIT */
/* Retry budgets: the token bucket (AWS standard mode) and the ratio
 * throttle (gRPC), token by token at every boundary, the stop reason of a
 * refused retry, and 8 threads sharing one budget without losing a count. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "check_common.h"

#define TIMEOUT_RC 110 /* a code the tests declare timeout-class */

/* An operation that returns codes[i] on call i (the last one repeats) and
 * notes the tokens it saw when it was called. */
typedef struct {
  const int *codes;
  size_t n, i;
  const backoff_budget_t *budget;
  double seen[32];
} script_t;

static int scripted(void *p) {
  script_t *s = p;
  const size_t k = s->i < s->n ? s->i : s->n - 1;
  if (s->i < 32)
    s->seen[s->i] = backoff_budget_tokens(s->budget);
  s->i++;
  return s->codes[k];
}

static backoff_budget_t *bucket(unsigned capacity, unsigned retry,
                                unsigned timeout, unsigned refund) {
  static const int timeouts[] = {TIMEOUT_RC};
  backoff_budget_options_t o;
  backoff_budget_t *b = NULL;
  int rc;

  memset(&o, 0, sizeof(o));
  o.kind = BACKOFF_BUDGET_TOKEN_BUCKET;
  o.capacity = capacity;
  o.retry_cost = retry;
  o.timeout_cost = timeout;
  o.success_refund = refund;
  o.timeout_codes = timeouts;
  o.timeout_codes_count = 1;
  rc = backoff_budget_new(&b, &o);
  ck_assert_msg(rc == 0, "budget: %s", backoff_last_error());
  return b;
}

static backoff_budget_t *ratio(double max, double r) {
  backoff_budget_options_t o;
  backoff_budget_t *b = NULL;
  int rc;

  memset(&o, 0, sizeof(o));
  o.kind = BACKOFF_BUDGET_RATIO;
  o.max_tokens = max;
  o.token_ratio = r;
  rc = backoff_budget_new(&b, &o);
  ck_assert_msg(rc == 0, "budget: %s", backoff_last_error());
  return b;
}

/* Runs the script under `budget` with up to max_tries calls (retry_on
 * limits the retryable codes when non-NULL); returns the report. */
static backoff_report_t run_codes(backoff_budget_t *budget, unsigned max_tries,
                                  const int *codes, size_t n,
                                  const int *retry_on, script_t *out) {
  script_t local, *s = out ? out : &local;
  backoff_report_t rep;
  backoff_options_t o;

  memset(s, 0, sizeof(*s));
  s->codes = codes;
  s->n = n;
  s->budget = budget;
  memset(&o, 0, sizeof(o));
  o.strategy = "fixed";
  o.jitter = BACKOFF_JITTER_NONE;
  o.max_tries = max_tries;
  o.max_delay = INFINITY;
  o.sleep = no_sleep;
  o.budget = budget;
  o.report = &rep;
  if (retry_on) {
    o.retry_on = retry_on;
    o.retry_on_count = 1;
  }
  backoff(scripted, s, &o);
  ck_assert_msg(rep.stop != BACKOFF_STOP_ERROR, "library error: %s",
                backoff_last_error());
  return rep;
}

#define CODES(...)                                                            \
  (const int[]){__VA_ARGS__}, sizeof((int[]){__VA_ARGS__}) / sizeof(int)

#define ONLY1 ((const int[]){1})

/* Within 1e-12, relative: token counts are sums of fractional costs, and
 * x87 maths (i386) keeps wider intermediates than SSE2, so the last bit may
 * differ; the library promises no exact decimal result here. */
#define TOKENS_EQ(b, want)                                                    \
  ck_assert_msg(fabs(backoff_budget_tokens(b) - (want)) <=                    \
                    1e-12 * fabs((double)(want)),                             \
                "tokens %.17g, want %.17g", backoff_budget_tokens(b),         \
                (double)(want))

/* ---- options ---------------------------------------------------------- */

START_TEST(defaults_and_validation) {
  backoff_budget_options_t o;
  backoff_budget_t *b = (backoff_budget_t *)&o;
  int codes[4097] = {0};

  ck_assert_int_eq(backoff_budget_new(&b, NULL), 0);
  TOKENS_EQ(b, 500);
  backoff_budget_free(b);
  backoff_budget_free(NULL);
  ck_assert(backoff_budget_tokens(NULL) == 0);

  ck_assert_int_eq(backoff_budget_new(NULL, NULL), BACKOFF_EINVAL);
#define BAD(field, value)                                                     \
  do {                                                                        \
    memset(&o, 0, sizeof(o));                                                 \
    o.field;                                                                  \
    o.kind = (value);                                                         \
    b = (backoff_budget_t *)&o;                                               \
    ck_assert_int_eq(backoff_budget_new(&b, &o), BACKOFF_EINVAL);             \
    ck_assert_ptr_null(b);                                                    \
    ck_assert_str_ne(backoff_last_error(), "");                               \
  } while (0)
  BAD(capacity = 500, (backoff_budget_kind_t)2);
  BAD(retry_cost = 501, BACKOFF_BUDGET_TOKEN_BUCKET);
  BAD(timeout_cost = 501, BACKOFF_BUDGET_TOKEN_BUCKET);
  BAD(capacity = 1000000001u, BACKOFF_BUDGET_TOKEN_BUCKET);
  BAD(success_refund = 4000000000u, BACKOFF_BUDGET_TOKEN_BUCKET);
  BAD(timeout_codes_count = 1, BACKOFF_BUDGET_TOKEN_BUCKET);
  BAD(max_tokens = -1, BACKOFF_BUDGET_RATIO);
  BAD(max_tokens = NAN, BACKOFF_BUDGET_RATIO);
  BAD(max_tokens = 1e10, BACKOFF_BUDGET_RATIO);
  BAD(max_tokens = 0.0004, BACKOFF_BUDGET_RATIO);
  BAD(token_ratio = NAN, BACKOFF_BUDGET_RATIO);
  BAD(token_ratio = 0.0001, BACKOFF_BUDGET_RATIO);
#undef BAD
  memset(&o, 0, sizeof(o));
  o.timeout_codes = codes;
  o.timeout_codes_count = 4097;
  ck_assert_int_eq(backoff_budget_new(&b, &o), BACKOFF_EINVAL);
  o.timeout_codes_count = 4096;
  ck_assert_int_eq(backoff_budget_new(&b, &o), 0);
  backoff_budget_free(b);
  /* The largest bucket: a cost equal to the capacity is allowed. */
  memset(&o, 0, sizeof(o));
  o.capacity = 1000000000u;
  o.retry_cost = 1000000000u;
  ck_assert_int_eq(backoff_budget_new(&b, &o), 0);
  TOKENS_EQ(b, 1e9);
  backoff_budget_free(b);
  /* Ratio defaults: 10 tokens. */
  memset(&o, 0, sizeof(o));
  o.kind = BACKOFF_BUDGET_RATIO;
  ck_assert_int_eq(backoff_budget_new(&b, &o), 0);
  TOKENS_EQ(b, 10);
  backoff_budget_free(b);
}
END_TEST

/* ---- token bucket ----------------------------------------------------- */

START_TEST(bucket_retry_then_success_refunds_its_cost) {
  backoff_budget_t *b = bucket(0, 0, 0, 0); /* 500 / 5 / 10 / 1 */
  script_t s;
  backoff_report_t r;

  r = run_codes(b, 5, CODES(1, 0), NULL, &s);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  ck_assert(s.seen[0] == 500 && s.seen[1] == 495);
  TOKENS_EQ(b, 500);
  /* A timeout-class failure costs 10, a plain one 5: 15 refunded. */
  r = run_codes(b, 5, CODES(TIMEOUT_RC, 1, 0), NULL, &s);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  ck_assert(s.seen[1] == 490 && s.seen[2] == 485);
  TOKENS_EQ(b, 500);
  backoff_budget_free(b);
}
END_TEST

START_TEST(bucket_exhausted_keeps_its_cost_first_try_refunds_one) {
  backoff_budget_t *b = bucket(0, 0, 0, 0);
  backoff_report_t r;

  /* 3 calls, 2 retries paid, no success: nothing comes back. */
  r = run_codes(b, 3, CODES(1), NULL, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert_uint_eq(r.attempts, 3);
  TOKENS_EQ(b, 490);
  r = run_codes(b, 3, CODES(TIMEOUT_RC, TIMEOUT_RC, TIMEOUT_RC), NULL, NULL);
  TOKENS_EQ(b, 470);
  /* Each first-try success: +1. */
  run_codes(b, 3, CODES(0), NULL, NULL);
  run_codes(b, 3, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 472);
  /* A success after retries refunds those retries, not +1 more. */
  run_codes(b, 3, CODES(1, 1, 0), NULL, NULL);
  TOKENS_EQ(b, 472);
  /* A failure that is not retried costs nothing. */
  r = run_codes(b, 3, CODES(2), ONLY1, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_NOT_RETRYABLE);
  TOKENS_EQ(b, 472);
  backoff_budget_free(b);
}
END_TEST

START_TEST(bucket_never_above_capacity) {
  backoff_budget_t *b = bucket(500, 5, 10, 3);

  run_codes(b, 2, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 500);
  run_codes(b, 2, CODES(1), NULL, NULL); /* one retry paid: 495 */
  TOKENS_EQ(b, 495);
  run_codes(b, 2, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 498);
  run_codes(b, 2, CODES(0), NULL, NULL); /* 501 clamps to 500 */
  TOKENS_EQ(b, 500);
  backoff_budget_free(b);
}
END_TEST

START_TEST(bucket_refuses_what_it_cannot_pay) {
  backoff_budget_t *b = bucket(14, 5, 10, 0);
  backoff_report_t r;
  script_t s;

  /* 14 -> 9 -> 4; 4 < 5: the third retry is refused. */
  r = run_codes(b, 100, CODES(1), NULL, &s);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 3);
  ck_assert_int_eq(r.result, 1);
  ck_assert_int_eq(r.last_rc, 1);
  TOKENS_EQ(b, 4);
  /* Exactly enough pays: 4 + 1 = 5, then 5 -> 0, then refused. */
  run_codes(b, 1, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 5);
  r = run_codes(b, 100, CODES(1), NULL, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 2);
  TOKENS_EQ(b, 0);
  backoff_budget_free(b);

  /* A timeout needs 10: 12 -> 2, then the next timeout is refused. */
  b = bucket(12, 5, 10, 0);
  r = run_codes(b, 100, CODES(TIMEOUT_RC), NULL, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 2);
  TOKENS_EQ(b, 2);
  backoff_budget_free(b);

  /* 7 tokens: a timeout (10) is refused while a plain retry (5) pays. */
  b = bucket(12, 5, 10, 0);
  run_codes(b, 2, CODES(1), NULL, NULL); /* 12 -> 7 */
  TOKENS_EQ(b, 7);
  r = run_codes(b, 100, CODES(TIMEOUT_RC), NULL, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 1);
  TOKENS_EQ(b, 7);
  r = run_codes(b, 100, CODES(1, 0), NULL, NULL); /* 7 -> 2 -> 7 */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  ck_assert_uint_eq(r.attempts, 2);
  TOKENS_EQ(b, 7);
  backoff_budget_free(b);
}
END_TEST

static int failure_hook(const backoff_report_t *r, void *ctx) {
  *(backoff_stop_t *)ctx = r->stop;
  return -12345;
}

START_TEST(refused_retry_stops_with_budget_reason) {
  backoff_budget_t *b = bucket(5, 5, 5, 0);
  backoff_options_t o;
  backoff_policy_t *p;
  backoff_schedule_t s;
  backoff_stop_t seen = BACKOFF_STOP_NONE;
  double delay = -1;
  script_t sc;

  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_BUDGET), "budget");
  /* The schedule: first failure pays 5 (-> 0), second is refused. */
  memset(&o, 0, sizeof(o));
  o.strategy = "fixed";
  o.jitter = BACKOFF_JITTER_NONE;
  o.max_tries = 10;
  o.budget = b;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 7, &delay), 0);
  ck_assert(delay == 1);
  TOKENS_EQ(b, 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 7, &delay), BACKOFF_STOP_BUDGET);
  ck_assert(delay == 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), BACKOFF_STOP_BUDGET);
  backoff_policy_free(p);

  /* The blocking form hands on_failure a report saying "budget". */
  memset(&sc, 0, sizeof(sc));
  sc.codes = (const int[]){7};
  sc.n = 1;
  sc.budget = b;
  o.sleep = no_sleep;
  o.on_failure = failure_hook;
  o.callback_ctx = &seen;
  ck_assert_int_eq(backoff(scripted, &sc, &o), -12345);
  ck_assert_int_eq(seen, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(sc.i, 1);
  backoff_budget_free(b);
}
END_TEST

/* ---- ratio (gRPC) ----------------------------------------------------- */

START_TEST(ratio_counts_and_threshold) {
  backoff_budget_t *b = ratio(0, 0); /* 10 tokens, 0.1 per success */
  backoff_report_t r;
  script_t s;

  /* Failures take 10 -> 9, 8, 7, 6 (each > 5: retry), 5 (not > 5: stop). */
  r = run_codes(b, 100, CODES(1), NULL, &s);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 5);
  ck_assert(s.seen[1] == 9 && s.seen[4] == 6);
  TOKENS_EQ(b, 5);
  run_codes(b, 100, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 5.1);
  /* 5.1 - 1 = 4.1: the first failure is not retried. */
  r = run_codes(b, 100, CODES(1), NULL, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 1);
  TOKENS_EQ(b, 4.1);
  /* Nine successes: exactly 5.0 again (thousandths, no drift). */
  for (int i = 0; i < 9; i++)
    run_codes(b, 100, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 5);
  /* 19 more: 6.9; a failure -> 5.9 (retry), success after it -> 6.0. */
  for (int i = 0; i < 19; i++)
    run_codes(b, 100, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 6.9);
  r = run_codes(b, 100, CODES(1, 0), NULL, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  TOKENS_EQ(b, 6);
  backoff_budget_free(b);
}
END_TEST

START_TEST(ratio_grpc_vector_and_bounds) {
  /* gRPC's own unit test: max 4, ratio 1.6, threshold 2. */
  backoff_budget_t *b = ratio(4, 1.6);
  backoff_report_t r;

  r = run_codes(b, 2, CODES(1, 0), NULL, NULL); /* 3 > 2: retried; +1.6 */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  TOKENS_EQ(b, 4);                                 /* 4.6 clamps to max */
  r = run_codes(b, 3, CODES(1, 1, 0), NULL, NULL); /* 3 retry, 2 no */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 2);
  TOKENS_EQ(b, 2);
  run_codes(b, 1, CODES(0), NULL, NULL);
  TOKENS_EQ(b, 3.6);
  r = run_codes(b, 3, CODES(1, 0), NULL, NULL); /* 2.6 > 2: retried */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  TOKENS_EQ(b, 4);
  /* Never below 0: failures with no retry wanted keep counting down. */
  for (int i = 0; i < 10; i++)
    run_codes(b, 1, CODES(1), NULL, NULL);
  TOKENS_EQ(b, 0);
  backoff_budget_free(b);
}
END_TEST

static int mark_permanent(void *arg) {
  (void)arg;
  backoff_attempt_permanent();
  return 9;
}

START_TEST(ratio_ignores_failures_that_are_not_retryable) {
  backoff_budget_t *b = ratio(10, 0.5);
  backoff_options_t o;
  backoff_report_t r;

  /* retry_on = {1}: code 2 is not retryable and says nothing about load. */
  r = run_codes(b, 5, CODES(2), ONLY1, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_NOT_RETRYABLE);
  TOKENS_EQ(b, 10);
  memset(&o, 0, sizeof(o));
  o.jitter = BACKOFF_JITTER_NONE;
  o.sleep = no_sleep;
  o.budget = b;
  o.report = &r;
  backoff(mark_permanent, NULL, &o);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_PERMANENT);
  TOKENS_EQ(b, 10);
  /* The last failure of an exhausted call counts (gRPC: before maxAttempts).
   */
  r = run_codes(b, 2, CODES(1), ONLY1, NULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  TOKENS_EQ(b, 8);
  backoff_budget_free(b);
}
END_TEST

/* ---- threads ---------------------------------------------------------- */

#define THREADS 8
#define ROUNDS 4000

typedef struct {
  const backoff_policy_t *policy;
  const backoff_policy_t *policy1; /* max_tries 1 */
  backoff_budget_t *budget;
  int kind;
  unsigned long refused, runs;
} worker_t;

static int fail_once_tmo(void *p) { return ++*(int *)p == 1 ? TIMEOUT_RC : 0; }
static int fail_always(void *p) {
  (void)p;
  return 1;
}
static void one(worker_t *w, const backoff_policy_t *p, backoff_fn fn) {
  backoff_report_t r;
  int state = 0;
  backoff_run(p, fn, &state, &r);
  w->runs++;
  if (r.stop == BACKOFF_STOP_BUDGET)
    w->refused++;
}

/* Every thread's running sum stays <= 0 after each step, so the shared
 * count never reaches the capacity from below: no clamp can hide a lost
 * update, and the final count follows from the totals alone. */
static void *hammer(void *arg) {
  worker_t *w = arg;
  int k, j;
  for (k = 0; k < ROUNDS; k++) {
    if (w->kind == BACKOFF_BUDGET_TOKEN_BUCKET) {
      one(w, w->policy, fail_always);   /* 3 calls, 2 retries: -10 */
      one(w, w->policy, fail_once_tmo); /* -10 then +10 */
      for (j = 0; j < 7; j++)
        one(w, w->policy, op_succeed); /* +1 each */
    } else {
      one(w, w->policy1, fail_always); /* -1 */
      for (j = 0; j < 9; j++)
        one(w, w->policy, op_succeed); /* +0.1 each */
    }
  }
  return NULL;
}

static void hammer_kind(int kind) {
  static const int timeouts[] = {TIMEOUT_RC};
  backoff_budget_options_t bo;
  backoff_options_t o;
  backoff_budget_t *b;
  backoff_policy_t *p, *p1;
  pthread_t t[THREADS];
  worker_t w[THREADS];
  unsigned long refused = 0, runs = 0;
  int i;

  memset(&bo, 0, sizeof(bo));
  bo.kind = (backoff_budget_kind_t)kind;
  bo.capacity = 1000000;
  bo.timeout_codes = timeouts;
  bo.timeout_codes_count = 1;
  bo.max_tokens = 100000;
  ck_assert_int_eq(backoff_budget_new(&b, &bo), 0);
  memset(&o, 0, sizeof(o));
  o.strategy = "fixed";
  o.jitter = BACKOFF_JITTER_NONE;
  o.max_tries = 3;
  o.max_delay = INFINITY;
  o.sleep = no_sleep;
  o.budget = b;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  o.max_tries = 1;
  ck_assert_int_eq(backoff_policy_new(&p1, &o), 0);
  for (i = 0; i < THREADS; i++) {
    w[i] = (worker_t){p, p1, b, kind, 0, 0};
    ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    refused += w[i].refused;
    runs += w[i].runs;
  }
  ck_assert_uint_eq(refused, 0);
  if (kind == BACKOFF_BUDGET_TOKEN_BUCKET) {
    ck_assert_uint_eq(runs, (unsigned long)THREADS * ROUNDS * 9);
    /* per round: -10 (exhausted) + 0 (refunded) + 7 */
    TOKENS_EQ(b, 1000000.0 - 3.0 * THREADS * ROUNDS);
  } else {
    ck_assert_uint_eq(runs, (unsigned long)THREADS * ROUNDS * 10);
    /* per round: -1 + 9 * 0.1 = -0.1, i.e. -100 thousandths */
    TOKENS_EQ(b, (100000000.0 - 100.0 * THREADS * ROUNDS) / 1000);
  }
  backoff_policy_free(p);
  backoff_policy_free(p1);
  backoff_budget_free(b);
}

START_TEST(threads_token_bucket_conserved) {
  hammer_kind(BACKOFF_BUDGET_TOKEN_BUCKET);
}
END_TEST

START_TEST(threads_ratio_conserved) { hammer_kind(BACKOFF_BUDGET_RATIO); }
END_TEST

/* A budget shared by two policies with different strategies: one pool. */
START_TEST(shared_between_policies) {
  backoff_budget_t *b = bucket(20, 5, 10, 0);
  backoff_options_t o;
  backoff_policy_t *p1, *p2;
  backoff_report_t r;
  int st = 0;

  memset(&o, 0, sizeof(o));
  o.jitter = BACKOFF_JITTER_NONE;
  o.sleep = no_sleep;
  o.max_tries = 3;
  o.budget = b;
  o.strategy = "linear";
  ck_assert_int_eq(backoff_policy_new(&p1, &o), 0);
  o.strategy = "fibonacci";
  o.max_tries = 10;
  ck_assert_int_eq(backoff_policy_new(&p2, &o), 0);
  backoff_run(p1, fail_always, &st, &r); /* 20 -> 10 */
  TOKENS_EQ(b, 10);
  backoff_run(p2, fail_always, &st, &r); /* 10 -> 0, refused */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert_uint_eq(r.attempts, 3);
  TOKENS_EQ(b, 0);
  backoff_policy_free(p1);
  backoff_policy_free(p2);
  backoff_budget_free(b);
}
END_TEST

/* A file named like a budget module that is a plugin but not a module:
 * refused, naming the entry point it lacks (the loader's own check, as for
 * a strategy). Each test runs in a fresh process, which reads
 * BACKOFF_PLUGIN_PATH set here. */
START_TEST(module_without_entry_point_is_refused) {
  const char *fixtures = getenv(TEST_PLUGINS_ENV);
  const char *base = getenv("TMPDIR");
  char dir[512], cmd[2048];
  backoff_budget_t *b = NULL;

  ck_assert_ptr_nonnull(fixtures);
  snprintf(cmd, sizeof(cmd), "%s/.libs/strategy_plain_a.so", fixtures);
  if (access(cmd, R_OK) != 0) {
    printf("# module test skipped: no shared fixture (%s)\n", cmd);
    return; /* a static-only build makes no shared module */
  }
  snprintf(dir, sizeof(dir), "%s/backoff-module.XXXXXX",
           base != NULL && base[0] == '/' ? base : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(cmd, sizeof(cmd),
           "cp '%s/.libs/strategy_plain_a.so' '%s/budget_fake.so'", fixtures,
           dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(setenv("BACKOFF_PLUGIN_PATH", dir, 1), 0);
  EXPECT_ERR(backoff_budget_open(&b, "fake://host/key", NULL), BACKOFF_ENOSYM,
             "no symbol backoff_budget_module");
  ck_assert_ptr_null(b);
  EXPECT_ERR(backoff_budget_open(&b, "none://host/key", NULL), BACKOFF_ENOENT,
             "no module budget_none");
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("budget");
  TCase *tc = tcase_create("budget");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, defaults_and_validation);
  tcase_add_test(tc, module_without_entry_point_is_refused);
  tcase_add_test(tc, bucket_retry_then_success_refunds_its_cost);
  tcase_add_test(tc, bucket_exhausted_keeps_its_cost_first_try_refunds_one);
  tcase_add_test(tc, bucket_never_above_capacity);
  tcase_add_test(tc, bucket_refuses_what_it_cannot_pay);
  tcase_add_test(tc, refused_retry_stops_with_budget_reason);
  tcase_add_test(tc, ratio_counts_and_threshold);
  tcase_add_test(tc, ratio_grpc_vector_and_bounds);
  tcase_add_test(tc, ratio_ignores_failures_that_are_not_retryable);
  tcase_add_test(tc, threads_token_bucket_conserved);
  tcase_add_test(tc, threads_ratio_conserved);
  tcase_add_test(tc, shared_between_policies);
  suite_add_tcase(s, tc);
  return s;
}
