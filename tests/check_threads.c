/* SPDX-License-Identifier: MIT */
/* Threads: what the header promises to be thread-safe, hammered from
 * several threads at once. Run under TSan in CI (.ci/stages/20-tsan.sh),
 * where a data race is a failure; here it checks results.
 *   - one policy shared by many threads running backoff_run;
 *   - backoff_strategy_open/free of the same and different strategies
 *     (the loader's lock, cache and reference counts);
 *   - a BACKOFF_APPLY wrapper's first use racing in every thread;
 *   - one retry budget shared by all;
 *   - backoff_cancel from another thread waking a sleeping loop;
 *   - backoff_last_error() per thread. */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "check_common.h"

#define NTHREADS 4

static pthread_barrier_t barrier;

static int counting_sleep(double s, void *ctx) {
  (void)s;
  __atomic_add_fetch((unsigned long *)ctx, 1, __ATOMIC_RELAXED);
  return 0;
}

/* Fails twice, then succeeds: the counter is the thread's own. */
static int fail_twice(void *arg) {
  unsigned *n = arg;
  return ++*n % 3 == 0 ? 0 : 4;
}

/* ---- a shared policy -----------------------------------------------------
 */

static void *shared_policy_worker(void *arg) {
  const backoff_policy_t *p = arg;
  unsigned n = 0, i;
  long bad = 0;
  backoff_report_t r;
  pthread_barrier_wait(&barrier);
  for (i = 0; i < 300; i++)
    if (backoff_run(p, fail_twice, &n, &r) != 0 || r.attempts != 3)
      bad++;
  return (void *)bad;
}

static void *checked_worker(void *arg) { return shared_policy_worker(arg); }

START_TEST(shared_policy) {
  unsigned long sleeps = 0;
  backoff_options_t o = {.strategy = "fibonacci",
                         .max_tries = 5,
                         .sleep = counting_sleep,
                         .sleep_ctx = &sleeps};
  backoff_policy_t *p;
  pthread_t t[NTHREADS];
  void *bad;
  int i;

  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_create(&t[i], NULL, checked_worker, p), 0);
  for (i = 0; i < NTHREADS; i++) {
    ck_assert_int_eq(pthread_join(t[i], &bad), 0);
    ck_assert_ptr_null(bad);
  }
  pthread_barrier_destroy(&barrier);
  ck_assert_uint_eq(sleeps, NTHREADS * 300 * 2);
  backoff_policy_free(p);
}
END_TEST

/* ---- the loader ----------------------------------------------------------
 */

static void *open_worker(void *arg) {
  static const char *const names[] = {"exponential", "fibonacci", "linear",
                                      "polynomial", "fixed"};
  long bad = 0;
  int i;
  (void)arg;
  pthread_barrier_wait(&barrier);
  for (i = 0; i < 60; i++) {
    backoff_strategy_t *s = NULL, *c = NULL;
    double d;
    if (backoff_strategy_open(&s, names[i % 5]) != 0 ||
        backoff_strategy_dup(&c, s) != 0 ||
        backoff_strategy_delay(c, 3, 0, NULL, NULL, &d) != 0 || !(d >= 0))
      bad++;
    backoff_strategy_free(s);
    backoff_strategy_free(c);
  }
  return (void *)bad;
}

START_TEST(concurrent_open_and_free) {
  pthread_t t[NTHREADS];
  void *bad;
  int i;
  ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_create(&t[i], NULL, open_worker, NULL), 0);
  for (i = 0; i < NTHREADS; i++) {
    ck_assert_int_eq(pthread_join(t[i], &bad), 0);
    ck_assert_ptr_null(bad);
  }
  pthread_barrier_destroy(&barrier);
}
END_TEST

/* ---- the decorator's first use -------------------------------------------
 */

static unsigned long apply_sleeps;
static int apply_sleep(double s, void *ctx) { return counting_sleep(s, ctx); }
static int apply_op(void *arg) { return fail_twice(arg); }
static BACKOFF_APPLY(apply_retrying, apply_op, .strategy = "linear",
                     .max_tries = 3, .sleep = apply_sleep,
                     .sleep_ctx = &apply_sleeps)

    static void *apply_worker(void *arg) {
  unsigned n = 0;
  long bad = 0;
  int i;
  (void)arg;
  pthread_barrier_wait(&barrier);
  for (i = 0; i < 100; i++)
    if (apply_retrying(&n) != 0)
      bad++;
  return (void *)bad;
}

START_TEST(apply_first_use_race) {
  pthread_t t[NTHREADS];
  void *bad;
  int i;
  ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_create(&t[i], NULL, apply_worker, NULL), 0);
  for (i = 0; i < NTHREADS; i++) {
    ck_assert_int_eq(pthread_join(t[i], &bad), 0);
    ck_assert_ptr_null(bad);
  }
  pthread_barrier_destroy(&barrier);
  ck_assert_uint_eq(apply_sleeps, NTHREADS * 100 * 2);
}
END_TEST

/* ---- a shared budget -----------------------------------------------------
 */

static int always_fail(void *arg) {
  (void)arg;
  return 9;
}

static void *budget_worker(void *arg) {
  const backoff_policy_t *p = arg;
  backoff_report_t r;
  long retries = 0;
  int i;
  pthread_barrier_wait(&barrier);
  for (i = 0; i < 100; i++) {
    backoff_run(p, always_fail, NULL, &r);
    retries += r.attempts - 1;
  }
  return (void *)retries;
}

START_TEST(shared_budget) {
  unsigned long sleeps = 0;
  backoff_budget_options_t bo = {.capacity = 100, .retry_cost = 5};
  backoff_budget_t *b;
  backoff_policy_t *p;
  backoff_options_t o = {.strategy = "fixed",
                         .max_tries = 4,
                         .sleep = counting_sleep,
                         .sleep_ctx = &sleeps};
  pthread_t t[NTHREADS];
  long total = 0;
  void *ret;
  int i;

  ck_assert_int_eq(backoff_budget_new(&b, &bo), 0);
  o.budget = b;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_create(&t[i], NULL, budget_worker, p), 0);
  for (i = 0; i < NTHREADS; i++) {
    ck_assert_int_eq(pthread_join(t[i], &ret), 0);
    total += (long)ret;
  }
  pthread_barrier_destroy(&barrier);
  /* Failures only: the bucket pays for exactly capacity / cost retries,
   * however the threads interleave. */
  ck_assert_int_eq(total, 100 / 5);
  ck_assert(backoff_budget_tokens(b) < 5);
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

/* ---- cancel from another thread ------------------------------------------
 */

static backoff_cancel_t token = BACKOFF_CANCEL_INIT;

static void *canceller(void *arg) {
  struct timespec ts = {0, 20000000};
  (void)arg;
  nanosleep(&ts, NULL);
  backoff_cancel(&token);
  return NULL;
}

START_TEST(cancel_wakes_sleeping_loop) {
  backoff_options_t o = {.strategy = "fixed",
                         .params = "sequence=30",
                         .max_tries = 3,
                         .cancel = &token};
  backoff_report_t r;
  backoff_policy_t *p;
  pthread_t t;
  uint64_t t0;

  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  t0 = backoff_clock_ns();
  ck_assert_int_eq(pthread_create(&t, NULL, canceller, NULL), 0);
  ck_assert_int_eq(backoff_run(p, always_fail, NULL, &r), 9);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_CANCELLED);
  ck_assert_uint_eq(r.attempts, 1);
  /* 30 s asked; woken long before (generous bound: shared machine). */
  ck_assert_msg(backoff_clock_ns() - t0 < 10000000000ULL,
                "cancel did not wake the sleep");
  backoff_policy_free(p);
}
END_TEST

/* ---- per-thread error messages -------------------------------------------
 */

static void *error_worker(void *arg) {
  long id = (long)arg, bad = 0;
  char want[64];
  int i;
  snprintf(want, sizeof(want), "bad strategy name 'x%ld", id);
  pthread_barrier_wait(&barrier);
  for (i = 0; i < 200; i++) {
    backoff_strategy_t *s;
    char name[16];
    snprintf(name, sizeof(name), "x%ld!", id);
    if (backoff_strategy_open(&s, name) != BACKOFF_ENAME ||
        strncmp(backoff_last_error(), want, strlen(want)) != 0)
      bad++;
  }
  return (void *)bad;
}

START_TEST(last_error_is_per_thread) {
  pthread_t t[NTHREADS];
  void *bad;
  long i;
  ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_create(&t[i], NULL, error_worker, (void *)i), 0);
  for (i = 0; i < NTHREADS; i++) {
    ck_assert_int_eq(pthread_join(t[i], &bad), 0);
    ck_assert_ptr_null(bad);
  }
  pthread_barrier_destroy(&barrier);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("threads");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, shared_policy);
  tcase_add_test(tc, concurrent_open_and_free);
  tcase_add_test(tc, apply_first_use_race);
  tcase_add_test(tc, shared_budget);
  tcase_add_test(tc, cancel_wakes_sleeping_loop);
  tcase_add_test(tc, last_error_is_per_thread);
  suite_add_tcase(s, tc);
  return s;
}
