/* SPDX-License-Identifier: MIT */
/* Allocation-failure injection.
 *
 * Every allocation libbackoff, its plugins, libltdl and the dynamic loader
 * make goes through tests/alloc_hook.c. For each scenario, run k = 1, 2, ...
 * with the k-th allocation failing, until a run makes fewer than k
 * allocations (nothing left to fail). Every injected failure must end in:
 *   - BACKOFF_ENOMEM, or
 *   - BACKOFF_ELOAD when the failed allocation was made by libltdl, the
 *     dynamic loader or libc on libbackoff's behalf (dlopen reports no
 *     errno: "cannot load ...: <dlerror text>" is all there is), or
 *   - success, when the allocator's caller recovered (the result is still
 *     checked in full);
 * and, after the scenario freed what it made, no allocation of the run may
 * still be live. valgrind (make check-valgrind) and ASan (CI) check the
 * same runs independently.
 *
 * The second half proves the retry loop allocation-free: after the policy
 * is built, backoff_run(), backoff_apply() and the schedule make zero
 * allocations per call, with failures, retries and sleeps. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc_hook.h"
#include "backoff.h"
#include "check_common.h"

/* Check's own assertions allocate (they report progress through a pipe),
 * so nothing may call them while the hook is armed: scenarios record their
 * first failed expectation here, and the test asserts it afterwards. */
static char failed_expect[512];
#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond) && failed_expect[0] == '\0')                                  \
      snprintf(failed_expect, sizeof(failed_expect), "%s:%d: %s", __FILE__,   \
               __LINE__, #cond);                                              \
  } while (0)
#define EXPECT_NONE_FAILED()                                                  \
  do {                                                                        \
    ck_assert_msg(failed_expect[0] == '\0', "expectation failed: %s",         \
                  failed_expect);                                             \
  } while (0)

/* ---- scenarios --------------------------------------------------------
 * Each builds something, checks that it works, and frees everything; it
 * returns 0 or the first library error. */

static int fail_n_then_succeed(void *arg) {
  int *left = arg;
  return (*left)-- > 0 ? 7 : 0;
}

static int sc_policy(void) {
  static const int retry_on[] = {7, 8, 9};
  static const int stop_on[] = {4};
  fake_time_t t = {0};
  backoff_options_t o = {.strategy = "polynomial",
                         .params = "exponent=2,scale_factor=0.5,jitter=full",
                         .retry_on = retry_on,
                         .retry_on_count = 3,
                         .stop_on = stop_on,
                         .stop_on_count = 1,
                         .max_tries = 5,
                         .clock = fake_clock,
                         .clock_ctx = &t,
                         .sleep = fake_sleep,
                         .sleep_ctx = &t,
                         .seed = 42,
                         .flags = BACKOFF_SEEDED};
  backoff_policy_t *p = (backoff_policy_t *)&o; /* must be cleared */
  backoff_report_t r;
  backoff_schedule_t s;
  double d;
  int left = 2, rc, n = 0;

  rc = backoff_policy_new(&p, &o);
  if (rc != 0) {
    EXPECT((p) == NULL);
    return rc;
  }
  EXPECT(backoff_run(p, fail_n_then_succeed, &left, &r) == 0);
  EXPECT((r.attempts) == (3));
  EXPECT((t.nsleeps) == (2));
  EXPECT(backoff_schedule_init(&s, p) == 0);
  while (backoff_schedule_begin(&s) == 0) {
    n++;
    if ((rc = backoff_schedule_next(&s, 8, &d)) != 0)
      break;
    EXPECT(d >= 0 && d <= 0.5 * n * n);
  }
  EXPECT((rc) == (BACKOFF_STOP_EXHAUSTED));
  EXPECT((n) == (5));
  backoff_policy_free(p);
  return 0;
}

static int sc_strategy(void) {
  backoff_strategy_t *s = NULL, *c = NULL;
  double d;
  int rc;

  if ((rc = backoff_strategy_open(&s, "fixed")) != 0) {
    EXPECT((s) == NULL);
    return rc;
  }
  if ((rc = backoff_strategy_configure(s, "sequence=1,2,5,jitter=none")) != 0)
    goto out;
  if ((rc = backoff_strategy_dup(&c, s)) != 0) {
    EXPECT((c) == NULL);
    goto out;
  }
  EXPECT(backoff_strategy_set(s, "scale_factor", 2) == 0);
  EXPECT(backoff_strategy_delay(c, 2, 0, NULL, NULL, &d) == 0);
  EXPECT(d == 5);
  EXPECT(backoff_strategy_delay(s, 9, 0, NULL, NULL, &d) == 0);
  EXPECT(d == 10);
out:
  backoff_strategy_free(c);
  backoff_strategy_free(s);
  return rc;
}

/* A path rather than a name: the .la file in the build tree, which libltdl
 * parses before it dlopens the object it names. */
static int sc_strategy_path(void) {
  char path[4096];
  const char *dir = getenv("BACKOFF_PLUGIN_PATH");
  backoff_strategy_t *s = NULL;
  double d;
  int rc;

  EXPECT((dir) != NULL);
  snprintf(path, sizeof(path), "%s/strategy_linear.la", dir);
  if ((rc = backoff_strategy_open(&s, path)) != 0) {
    EXPECT((s) == NULL);
    return rc;
  }
  EXPECT(backoff_strategy_set_jitter(s, BACKOFF_JITTER_NONE) == 0);
  EXPECT(backoff_strategy_delay(s, 4, 0, NULL, NULL, &d) == 0);
  EXPECT(d == 4);
  backoff_strategy_free(s);
  return 0;
}

static int sc_call_form(void) {
  fake_time_t t = {0};
  backoff_report_t r;
  backoff_options_t o = {.strategy = "fibonacci",
                         .jitter = BACKOFF_JITTER_NONE,
                         .max_tries = 4,
                         .sleep = fake_sleep,
                         .sleep_ctx = &t,
                         .clock = fake_clock,
                         .clock_ctx = &t,
                         .report = &r};
  int left = 3, rc;

  rc = backoff(fail_n_then_succeed, &left, &o);
  if (rc < 0) {
    EXPECT((r.stop) == (BACKOFF_STOP_ERROR));
    EXPECT((r.error) == (rc));
    return rc;
  }
  EXPECT((rc) == (0));
  EXPECT((r.attempts) == (4));
  EXPECT(t.slept[0] == 1 && t.slept[1] == 2 && t.slept[2] == 3);
  return 0;
}

/* A policy from a handle: the policy keeps the module after the handle is
 * gone; a second policy on the same strategy hits the loader's cache. */
static int sc_handle_and_cache(void) {
  fake_time_t t = {0};
  backoff_strategy_t *s = NULL;
  backoff_policy_t *p1 = NULL, *p2 = NULL;
  backoff_options_t o = {.sleep = fake_sleep, .sleep_ctx = &t, .max_tries = 3};
  backoff_options_t o2 = {.strategy = "exponential",
                          .sleep = fake_sleep,
                          .sleep_ctx = &t,
                          .max_tries = 3};
  int left = 1, rc;

  if ((rc = backoff_strategy_open(&s, "exponential")) != 0)
    return rc;
  o.strategy_handle = s;
  rc = backoff_policy_new(&p1, &o);
  backoff_strategy_free(s);
  if (rc != 0)
    return rc;
  if ((rc = backoff_policy_new(&p2, &o2)) != 0) {
    backoff_policy_free(p1);
    return rc;
  }
  EXPECT(backoff_run(p1, fail_n_then_succeed, &left, NULL) == 0);
  left = 1;
  EXPECT(backoff_run(p2, fail_n_then_succeed, &left, NULL) == 0);
  EXPECT((t.nsleeps) == (2));
  backoff_policy_free(p1);
  backoff_policy_free(p2);
  return 0;
}

static int sc_budget(void) {
  static const int timeouts[] = {110, 111};
  fake_time_t t = {0};
  backoff_budget_options_t bo = {
      .capacity = 20, .timeout_codes = timeouts, .timeout_codes_count = 2};
  backoff_budget_t *b = NULL;
  backoff_policy_t *p = NULL;
  backoff_options_t o = {.strategy = "linear",
                         .sleep = fake_sleep,
                         .sleep_ctx = &t,
                         .max_tries = 3};
  int left = 1, rc;

  if ((rc = backoff_budget_new(&b, &bo)) != 0) {
    EXPECT((b) == NULL);
    return rc;
  }
  o.budget = b;
  if ((rc = backoff_policy_new(&p, &o)) == 0) {
    EXPECT(backoff_run(p, fail_n_then_succeed, &left, NULL) == 0);
    backoff_policy_free(p);
  }
  backoff_budget_free(b);
  return rc;
}

static int count_cb(const char *name, const char *path, void *ctx) {
  (void)name;
  (void)path;
  ++*(int *)ctx;
  return 0;
}

static int sc_foreach(void) {
  int n = 0, rc = backoff_strategy_foreach(count_cb, &n);
  if (rc == 0)
    EXPECT((n) >= (5));
  return rc;
}

/* ---- the injection loop ----------------------------------------------- */

static const char *object_of(const void *addr) {
  Dl_info info;
  if (addr != NULL && dladdr(addr, &info) && info.dli_fname != NULL)
    return info.dli_fname;
  return "?";
}

static int made_by_libbackoff(const void *caller) {
  static char self[4096];
  if (self[0] == '\0')
    snprintf(self, sizeof(self), "%s", object_of((void *)backoff_policy_new));
  return strcmp(object_of(caller), self) == 0;
}

/* The dynamic loader keeps one allocation of a dlopen/dlclose cycle alive
 * until the next cycle (its deferred scope free list): not a leak of the
 * run's, and bounded (retry_loop... and the valgrind/ASan runs see no
 * growth). Allocations whose maker's file name starts with this prefix are
 * not counted as the run's own. */
static const char *ldso(void) { return "ld-"; }

/* libc keeps the last dlopen error message (malloc'ed) until the next
 * dlerror() call: collect it so it does not count as the run's. */
static void flush_dlerror(void) {
  (void)dlerror();
  (void)dlerror();
}

static void inject(const char *what, int (*scenario)(void)) {
  unsigned long k, total;
  unsigned enomem = 0, eload = 0, survived = 0;
  int rc;

  /* A warm-up run makes the process's one-time state (the environment
   * read, libltdl initialised); first_failure_is_not_sticky covers failures
   * while it is being made. Then a reference run: nothing fails, and
   * nothing stays allocated. */
  rc = scenario();
  EXPECT_NONE_FAILED();
  ck_assert_msg(rc == 0, "%s: %s (%s)", what, backoff_err_name(rc),
                backoff_last_error());
  alloc_hook_arm(0);
  rc = scenario();
  flush_dlerror();
  alloc_hook_disarm();
  EXPECT_NONE_FAILED();
  ck_assert_msg(rc == 0, "%s: %s (%s)", what, backoff_err_name(rc),
                backoff_last_error());
  if (alloc_hook_live_not_from(ldso()) != 0) {
    char who[1024];
    alloc_hook_describe_live(who, sizeof(who));
    ck_abort_msg("%s leaks %ld allocations, made by%s", what, alloc_hook.live,
                 who);
  }
  total = alloc_hook.calls;

  for (k = 1;; k++) {
    void *caller;
    alloc_hook_arm(k);
    rc = scenario();
    flush_dlerror();
    alloc_hook_disarm();
    EXPECT_NONE_FAILED();
    if (alloc_hook.calls < k) {
      ck_assert_msg(rc == 0, "%s, nothing failed: %s (%s)", what,
                    backoff_err_name(rc), backoff_last_error());
      break;
    }
    caller = alloc_hook.failed_caller;
    if (alloc_hook_live_not_from(ldso()) != 0) {
      char who[1024];
      alloc_hook_describe_live(who, sizeof(who));
      ck_abort_msg("%s: allocation %lu failed (made by %s), rc %s: %ld "
                   "allocations leaked, made by%s",
                   what, k, object_of(caller), backoff_err_name(rc),
                   alloc_hook.live, who);
    }
    if (rc == BACKOFF_ENOMEM) {
      enomem++;
    } else if (rc == BACKOFF_ELOAD && !made_by_libbackoff(caller)) {
      eload++;
    } else {
      ck_assert_msg(rc == 0,
                    "%s: allocation %lu failed (made by %s) and the result "
                    "was %s (%s): want BACKOFF_ENOMEM%s",
                    what, k, object_of(caller), backoff_err_name(rc),
                    backoff_last_error(),
                    made_by_libbackoff(caller) ? "" : " or BACKOFF_ELOAD");
      survived++;
    }
    if (rc != 0)
      ck_assert_msg(backoff_last_error()[0] != '\0',
                    "%s: %s without a message", what, backoff_err_name(rc));
  }
  /* The counts, for the CI log (stderr, outside the TAP stream). */
  fprintf(stderr,
          "# alloc-fail %-14s %3lu allocations injected (reference run "
          "%lu): %u ENOMEM, %u ELOAD (in libltdl/ld.so), %u recovered\n",
          what, k - 1, total, enomem, eload, survived);
  /* The reference run may count one more: ld.so's deferred free list. */
  ck_assert_uint_gt(total, 0);
  ck_assert_uint_ge(k, total);
}

/* Each in its own forked test, so the first run meets a cold process: the
 * environment not yet read, libltdl not yet initialised. */
START_TEST(inject_policy) { inject("policy", sc_policy); }
END_TEST
START_TEST(inject_strategy) { inject("strategy", sc_strategy); }
END_TEST
START_TEST(inject_strategy_path) { inject("strategy-path", sc_strategy_path); }
END_TEST
/* Once its strategy is loaded, the call form allocates nothing (the loader
 * keeps released modules): its cold path is injected below, in fresh
 * processes. */
START_TEST(call_form_cached_allocates_nothing) {
  int rc;
  ck_assert_int_eq(sc_call_form(), 0);
  EXPECT_NONE_FAILED();
  alloc_hook_arm(0); /* no ck_assert while armed: Check allocates */
  rc = sc_call_form();
  alloc_hook_disarm();
  ck_assert_int_eq(rc, 0);
  EXPECT_NONE_FAILED();
  ck_assert_uint_eq(alloc_hook.calls, 0);
}
END_TEST
START_TEST(inject_handle_and_cache) {
  inject("handle+cache", sc_handle_and_cache);
}
END_TEST
START_TEST(inject_budget) { inject("budget", sc_budget); }
END_TEST
START_TEST(inject_foreach) { inject("foreach", sc_foreach); }
END_TEST

/* A cold process: the environment not yet read, libltdl not yet
 * initialised. Whichever allocation fails there, the call must fail
 * cleanly and the next one must work: no one-time state may be left
 * half-built (a failed lt_dlinit once left libltdl crashing in the next
 * lt_dlopen, and a failed copy of BACKOFF_PLUGIN_PATH once dropped the path
 * for good). One child process per k. */
/* Warm processes keep released modules loaded, so the loading paths are
 * injected here, cold. */
static int (*const cold_scenarios[])(void) = {sc_strategy, sc_strategy_path,
                                              sc_call_form};
static const char *const cold_names[] = {"cold-strategy", "cold-path",
                                         "cold-call-form"};

START_TEST(first_failure_is_not_sticky) {
  int (*const scenario)(void) = cold_scenarios[_i];
  unsigned long k;
  for (k = 1;; k++) {
    pid_t pid = fork();
    int st;
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
      int rc;
      alloc_hook_arm(k);
      rc = scenario();
      alloc_hook_disarm();
      if (alloc_hook.calls < k)
        _exit(rc == 0 ? 4 : 2); /* nothing failed: done */
      if (rc != 0 && rc != BACKOFF_ENOMEM && rc != BACKOFF_ELOAD) {
        fprintf(stderr, "# cold allocation %lu failed: %s (%s)\n", k,
                backoff_err_name(rc), backoff_last_error());
        _exit(2);
      }
      rc = scenario();
      if (rc != 0)
        fprintf(stderr, "# cold allocation %lu: then %s (%s)\n", k,
                backoff_err_name(rc), backoff_last_error());
      if (failed_expect[0] != '\0')
        fprintf(stderr, "# cold allocation %lu: %s\n", k, failed_expect);
      _exit(rc == 0 && failed_expect[0] == '\0' ? 0 : 3);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(!WIFSIGNALED(st),
                  "allocation %lu failed in a cold process: "
                  "killed by signal %d",
                  k, WTERMSIG(st));
    if (WEXITSTATUS(st) == 4)
      break;
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "allocation %lu failed in a cold process: %s", k,
                  WEXITSTATUS(st) == 3
                      ? "the next call failed too (sticky state)"
                      : "bad result (see the log)");
  }
  fprintf(stderr,
          "# alloc-fail %-14s %3lu allocations injected, each in a "
          "fresh process\n",
          cold_names[_i], k - 1);
  ck_assert_uint_gt(k, 10);
}
END_TEST

/* What ld.so keeps between dlopen/dlclose cycles (not counted above) is
 * bounded: 50 load/unload cycles leave at most 2 allocations alive. */
START_TEST(dlopen_cycles_do_not_grow) {
  int i, rc = 0;
  ck_assert_int_eq(sc_strategy(), 0);
  alloc_hook_arm(0);
  for (i = 0; i < 50 && rc == 0; i++)
    rc = sc_strategy();
  flush_dlerror();
  alloc_hook_disarm();
  EXPECT_NONE_FAILED();
  ck_assert_int_eq(rc, 0);
  ck_assert_int_le(alloc_hook.live, 2);
}
END_TEST

/* ---- the retry loop does not allocate --------------------------------- */

static int fail_4_of_5(void *arg) {
  int *n = arg;
  return ++*n % 5 == 0 ? 0 : 11;
}

static void on_retry_cb(unsigned attempt, int rc, double delay, void *ctx) {
  (void)attempt;
  (void)rc;
  (void)delay;
  ++*(int *)ctx;
}

static int no_alloc_op(void *arg) {
  /* The attempt context too. */
  EXPECT(backoff_attempt_number() >= 1);
  return fail_4_of_5(arg);
}

START_TEST(retry_loop_allocates_nothing) {
  static const int retry_on[] = {11};
  fake_time_t t = {0};
  int retries = 0, n = 0, i;
  backoff_report_t r;
  backoff_options_t o = {.strategy = "exponential",
                         .retry_on = retry_on,
                         .retry_on_count = 1,
                         .max_tries = 5,
                         .max_delay = 3600,
                         .on_retry = on_retry_cb,
                         .callback_ctx = &retries,
                         .clock = fake_clock,
                         .clock_ctx = &t,
                         .sleep = fake_sleep,
                         .sleep_ctx = &t};
  backoff_policy_t *p;

  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  alloc_hook_arm(0);
  for (i = 0; i < 100; i++) {
    EXPECT(backoff_run(p, no_alloc_op, &n, &r) == 0);
    EXPECT((r.attempts) == (5));
  }
  alloc_hook_disarm();
  EXPECT_NONE_FAILED();
  ck_assert_uint_eq(alloc_hook.calls, 0);
  ck_assert_int_eq(retries, 400);
  backoff_policy_free(p);
}
END_TEST

/* The default sleep (clock_nanosleep on the monotonic clock), the default
 * clock and random source, a cancel token and a budget: still nothing. */
START_TEST(real_sleep_loop_allocates_nothing) {
  backoff_cancel_t c = BACKOFF_CANCEL_INIT;
  backoff_budget_t *b;
  backoff_policy_t *p;
  backoff_report_t r;
  backoff_options_t o = {.strategy = "linear",
                         .scale_factor = 1e-4,
                         .max_tries = 5,
                         .cancel = &c};
  int n = 0, i;

  ck_assert_int_eq(backoff_budget_new(&b, NULL), 0);
  o.budget = b;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(backoff_run(p, fail_4_of_5, &n, &r), 0); /* warm TLS */
  alloc_hook_arm(0);
  for (i = 0; i < 5; i++) {
    EXPECT(backoff_run(p, fail_4_of_5, &n, &r) == 0);
    EXPECT((r.attempts) == (5));
    EXPECT(r.slept > 0);
  }
  alloc_hook_disarm();
  EXPECT_NONE_FAILED();
  ck_assert_uint_eq(alloc_hook.calls, 0);
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

static int fail_twice_then_ok(void *arg) {
  int *n = arg;
  return ++*n % 3 == 0 ? 0 : 5;
}

static fake_time_t apply_time;
static const backoff_options_t apply_opts = {.strategy = "fibonacci",
                                             .max_tries = 3,
                                             .sleep = fake_sleep,
                                             .sleep_ctx = &apply_time,
                                             .clock = fake_clock,
                                             .clock_ctx = &apply_time};

START_TEST(apply_and_schedule_allocate_nothing) {
  static backoff_apply_t bound = BACKOFF_APPLY_INIT(&apply_opts);
  backoff_policy_t *p;
  backoff_schedule_t s;
  backoff_report_t r;
  double d;
  int n = 0, i, rc = 0;

  ck_assert_int_eq(backoff_apply(&bound, fail_twice_then_ok, &n), 0);
  ck_assert_int_eq(backoff_policy_new(&p, &apply_opts), 0);
  alloc_hook_arm(0);
  for (i = 0; i < 50; i++)
    EXPECT(backoff_apply(&bound, fail_twice_then_ok, &n) == 0);
  for (i = 0; i < 50; i++) {
    EXPECT(backoff_schedule_init(&s, p) == 0);
    while (backoff_schedule_begin(&s) == 0)
      if ((rc = backoff_schedule_next(&s, 9, &d)) != 0)
        break;
    EXPECT((rc) == (BACKOFF_STOP_EXHAUSTED));
    backoff_schedule_report(&s, &r);
    EXPECT((r.attempts) == (3));
  }
  alloc_hook_disarm();
  EXPECT_NONE_FAILED();
  ck_assert_uint_eq(alloc_hook.calls, 0);
  backoff_policy_free(p);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("alloc");
  TCase *inj = tcase_create("inject");
  TCase *none = tcase_create("no_alloc");

  /* Hundreds of dlopen/dlclose cycles: slow under valgrind. */
  tcase_set_timeout(inj, 600);
  tcase_add_test(inj, inject_policy);
  tcase_add_test(inj, inject_strategy);
  tcase_add_test(inj, inject_strategy_path);
  tcase_add_test(inj, call_form_cached_allocates_nothing);
  tcase_add_test(inj, inject_handle_and_cache);
  tcase_add_test(inj, inject_budget);
  tcase_add_test(inj, inject_foreach);
  tcase_add_loop_test(inj, first_failure_is_not_sticky, 0, 3);
  tcase_add_test(inj, dlopen_cycles_do_not_grow);
  suite_add_tcase(s, inj);
  tcase_add_test(none, retry_loop_allocates_nothing);
  tcase_add_test(none, real_sleep_loop_allocates_nothing);
  tcase_add_test(none, apply_and_schedule_allocate_nothing);
  suite_add_tcase(s, none);
  return s;
}
