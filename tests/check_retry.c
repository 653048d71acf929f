/* SPDX-License-Identifier: MIT */
/* The retry loop's rules (backoff.h and README, "Where libbackoff differs
 * from backoff-utils' code"): one test (or test group) per rule, named
 * after it. Fake clock and sleep: nothing here waits.
 *
 * The library reads BACKOFF_DEFAULT_* once per process. Check forks every
 * test, and make_suite() calls nothing in the library, so each test may
 * setenv() before its first library call. (Under CK_FORK=no the env tests
 * cannot work and say so.) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "check_common.h"
#include "retry_common.h"

static void need_fork(void) {
  const char *f = getenv("CK_FORK");
  ck_assert_msg(f == NULL || strcmp(f, "no") != 0,
                "environment tests need Check's fork mode (unset CK_FORK)");
}

static void env_clear(void) {
  unsetenv("BACKOFF_DEFAULT_TRIES");
  unsetenv("BACKOFF_DEFAULT_DELAY");
}

/* ---- max_tries: total calls ------------------------------------------- */

START_TEST(max_tries_is_total_calls) {
  static const unsigned tries[] = {1, 2, 3, 7};
  unsigned i;
  for (i = 0; i < 4; i++) {
    fake_time_t t = {0};
    script_t s = SCRIPT(7);
    backoff_report_t r;
    backoff_options_t o = {.max_tries = tries[i],
                           .jitter = BACKOFF_JITTER_NONE,
                           .report = &r,
                           FAKE_TIME(t)};
    ck_assert_int_eq(backoff(scripted, &s, &o), 7);
    ck_assert_uint_eq(s.calls, tries[i]);
    ck_assert_uint_eq(r.attempts, tries[i]);
    ck_assert_uint_eq(t.nsleeps, tries[i] - 1);
    ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  }
}
END_TEST

START_TEST(max_tries_success_stops_early) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1, 1, 1, 0);
  backoff_options_t o = {.max_tries = 5, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_uint_eq(s.calls, 4);
  ck_assert_uint_eq(t.nsleeps, 3);
}
END_TEST

/* ---- default tries ---------------------------------------------------- */

START_TEST(default_tries_is_3) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_options_t o = {FAKE_TIME(t)};
  backoff_policy_t *p;
  need_fork();
  env_clear();
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 3);
  ck_assert_int_eq(backoff_policy_new(&p, NULL), 0);
  ck_assert_uint_eq(backoff_policy_max_tries(p), 3);
  ck_assert(backoff_policy_max_delay(p) == 0);
  backoff_policy_free(p);
}
END_TEST

START_TEST(default_tries_env_valid) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_options_t o = {FAKE_TIME(t)};
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_TRIES", "5", 1);
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 5);
  ck_assert_uint_eq(t.nsleeps, 4);
}
END_TEST

static const char *const bad_tries[] = {"abc", "0",  "-1",  "3x",        "",
                                        " 3",  "+3", "3.0", "4294967296"};

START_TEST(default_tries_env_invalid) {
  const char *v = bad_tries[_i];
  char quoted[64];
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.report = &r};
  backoff_policy_t *p = (backoff_policy_t *)&o;
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_TRIES", v, 1);
  snprintf(quoted, sizeof(quoted), "'%s'", v);

  ck_assert_int_eq(backoff(scripted, &s, &o), BACKOFF_EENV);
  ck_assert_uint_eq(s.calls, 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_ERROR);
  ck_assert_int_eq(r.error, BACKOFF_EENV);
  ck_assert_error_mentions("BACKOFF_DEFAULT_TRIES");
  ck_assert_error_mentions(quoted);
  /* Never ignored, however often asked. */
  ck_assert_int_eq(backoff_policy_new(&p, NULL), BACKOFF_EENV);
  ck_assert_ptr_null(p);
  ck_assert_error_mentions(quoted);
}
END_TEST

/* An explicit option overrides the environment, even a bad one. */
START_TEST(default_tries_explicit_overrides_env) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_options_t o = {.max_tries = 2, FAKE_TIME(t)};
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_TRIES", "abc", 1);
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 2);
}
END_TEST

START_TEST(default_tries_explicit_overrides_valid_env) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_options_t o = {.max_tries = 2, FAKE_TIME(t)};
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_TRIES", "9", 1);
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 2);
}
END_TEST

/* ---- max_delay: total time budget ------------------------------------- */

/* Exponential without jitter: sleeps 1, 2, 4, ... A sleep that ends exactly
 * at the budget is allowed, and the next call starts at the budget. */
START_TEST(max_delay_sleep_ending_exactly_at_budget) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 10,
                         .max_delay = 3,
                         .jitter = BACKOFF_JITTER_NONE,
                         .report = &r,
                         FAKE_TIME(t)};
  s.t = &t;
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 3);
  ck_assert_uint_eq(t.nsleeps, 2);
  ck_assert_uint_eq(s.time_seen[2], 3000000000ULL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_DEADLINE);
  ck_assert(r.slept == 3.0);
  ck_assert(r.elapsed == 3.0);
}
END_TEST

/* A sleep that would end 1 ns past the budget is never started. */
START_TEST(max_delay_sleep_ending_just_past_budget) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 10,
                         .max_delay = 2.999999999,
                         .jitter = BACKOFF_JITTER_NONE,
                         .report = &r,
                         FAKE_TIME(t)};
  s.t = &t;
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 2);
  ck_assert_uint_eq(t.nsleeps, 1);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_DEADLINE);
  ck_assert(r.slept == 1.0);
}
END_TEST

/* The budget counts the operation's own time too: no attempt starts after
 * it, even when the next delay is 0 (linear's first). */
START_TEST(max_delay_counts_operation_time) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.strategy = "linear",
                         .max_tries = 10,
                         .max_delay = 1,
                         .jitter = BACKOFF_JITTER_NONE,
                         .report = &r,
                         FAKE_TIME(t)};
  s.t = &t;
  s.cost_ns = 2000000000ULL;
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 1);
  ck_assert_uint_eq(t.nsleeps, 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_DEADLINE);
  ck_assert(r.elapsed == 2.0);
}
END_TEST

/* The first call always happens, even when the budget is tiny. */
START_TEST(max_delay_first_call_always_made) {
  fake_time_t t = {0};
  script_t s = SCRIPT(0);
  backoff_options_t o = {.max_delay = 1e-9, FAKE_TIME(t)};
  s.t = &t;
  s.cost_ns = 5000000000ULL;
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_uint_eq(s.calls, 1);
}
END_TEST

START_TEST(default_max_delay_env_valid) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 10,
                         .jitter = BACKOFF_JITTER_NONE,
                         .report = &r,
                         FAKE_TIME(t)};
  backoff_policy_t *p;
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_DELAY", "2.5", 1);
  ck_assert_int_eq(backoff_policy_new(&p, NULL), 0);
  ck_assert(backoff_policy_max_delay(p) == 2.5);
  backoff_policy_free(p);
  /* sleeps 1 (ends at 1), then 2 would end at 3 > 2.5: stop. */
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 2);
  ck_assert_uint_eq(t.nsleeps, 1);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_DEADLINE);
}
END_TEST

static const char *const bad_delays[] = {
    "abc", "0", "-1", "", "nan", "inf", "1e", "3s", " 1", "0x10", "1e10"};

START_TEST(default_max_delay_env_invalid) {
  const char *v = bad_delays[_i];
  char quoted[64];
  script_t s = SCRIPT(1);
  backoff_options_t o = {.max_tries = 2};
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_DELAY", v, 1);
  snprintf(quoted, sizeof(quoted), "'%s'", v);
  ck_assert_int_eq(backoff(scripted, &s, &o), BACKOFF_EENV);
  ck_assert_uint_eq(s.calls, 0);
  ck_assert_error_mentions("BACKOFF_DEFAULT_DELAY");
  ck_assert_error_mentions(quoted);
}
END_TEST

START_TEST(default_max_delay_explicit_overrides_env) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_options_t o = {.max_tries = 4,
                         .max_delay = 100,
                         .jitter = BACKOFF_JITTER_NONE,
                         FAKE_TIME(t)};
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_DELAY", "2.5", 1);
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 4);
}
END_TEST

/* A default is checked only where it is used: a bad BACKOFF_DEFAULT_DELAY
 * does not matter to a policy that gives max_delay, and a bad
 * BACKOFF_DEFAULT_TRIES does not matter to one that gives max_tries, even
 * when the other variable's default is used (and reported). */
START_TEST(bad_default_checked_only_where_used) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_policy_t *p;
  backoff_options_t o = {.max_tries = 2,
                         .max_delay = 100,
                         .jitter = BACKOFF_JITTER_NONE,
                         FAKE_TIME(t)};
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_DELAY", "soon", 1);
  setenv("BACKOFF_DEFAULT_TRIES", "many", 1);
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 2);
  o.max_delay = 0; /* now the delay's default is used: its error only */
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_EENV);
  ck_assert_error_mentions("BACKOFF_DEFAULT_DELAY='soon'");
  ck_assert_msg(strstr(backoff_last_error(), "TRIES") == NULL, "%s",
                backoff_last_error());
  o.max_delay = 100;
  o.max_tries = 0; /* and the other way round */
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_EENV);
  ck_assert_error_mentions("BACKOFF_DEFAULT_TRIES='many'");
}
END_TEST

/* INFINITY: no limit whatever the environment says, even a bad value. */
START_TEST(default_max_delay_infinity_overrides_env) {
  static const char *const env[] = {"2.5", "abc"};
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_policy_t *p;
  backoff_options_t o = {.max_tries = 4,
                         .max_delay = INFINITY,
                         .jitter = BACKOFF_JITTER_NONE,
                         FAKE_TIME(t)};
  need_fork();
  env_clear();
  setenv("BACKOFF_DEFAULT_DELAY", env[_i], 1);
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 4);
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert(backoff_policy_max_delay(p) == 0);
  backoff_policy_free(p);
}
END_TEST

/* ---- sleeps: none after the final failure, none before the first call -- */

START_TEST(no_sleep_after_final_failure) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  retry_log_t log = {0};
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 3,
                         .jitter = BACKOFF_JITTER_NONE,
                         .on_retry = log_retry,
                         .callback_ctx = &log,
                         .report = &r,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(t.nsleeps, 2);
  ck_assert_uint_eq(log.n, 2);
  ck_assert(t.now_ns == 3000000000ULL); /* 1 + 2, not 1 + 2 + 4 */
  ck_assert(r.slept == 3.0);
}
END_TEST

START_TEST(no_sleep_before_first_call) {
  fake_time_t t = {.now_ns = 1000};
  script_t s = SCRIPT(1, 0);
  backoff_options_t o = {.jitter = BACKOFF_JITTER_NONE, FAKE_TIME(t)};
  s.t = &t;
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_uint_eq(s.time_seen[0], 1000);
  ck_assert_uint_eq(s.time_seen[1], 1000 + 1000000000ULL);
  ck_assert_uint_eq(t.nsleeps, 1);
  ck_assert(t.slept[0] == 1.0);
}
END_TEST

/* ---- which errors retry ----------------------------------------------- */

START_TEST(retry_on_default_every_failure) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1, -5, 99, -2147483647 - 1, 0);
  backoff_options_t o = {.max_tries = 5, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_uint_eq(s.calls, 5);
}
END_TEST

START_TEST(retry_on_list) {
  fake_time_t t = {0};
  script_t s = SCRIPT(EAGAIN, EINTR, EIO, 0);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 9,
                         .retry_on = (const int[]){EAGAIN, EINTR},
                         .retry_on_count = 2,
                         .report = &r,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), EIO);
  ck_assert_uint_eq(s.calls, 3);
  ck_assert_uint_eq(t.nsleeps, 2);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_NOT_RETRYABLE);
}
END_TEST

START_TEST(retry_on_stop_on) {
  fake_time_t t = {0};
  script_t s = SCRIPT(EAGAIN, EPERM, 0);
  backoff_report_t r;
  /* stop_on beats both the default and an explicit retry_on. */
  backoff_options_t o = {.max_tries = 9,
                         .stop_on = (const int[]){EPERM},
                         .stop_on_count = 1,
                         .report = &r,
                         FAKE_TIME(t)};
  backoff_options_t o2 = o;
  script_t s2 = SCRIPT(EPERM, 0);
  ck_assert_int_eq(backoff(scripted, &s, &o), EPERM);
  ck_assert_uint_eq(s.calls, 2);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_NOT_RETRYABLE);
  o2.retry_on = (const int[]){EPERM};
  o2.retry_on_count = 1;
  ck_assert_int_eq(backoff(scripted, &s2, &o2), EPERM);
  ck_assert_uint_eq(s2.calls, 1);
}
END_TEST

static int odd_codes(int rc, void *ctx) {
  (*(unsigned *)ctx)++;
  return rc % 2 != 0;
}

START_TEST(retry_on_predicate) {
  fake_time_t t = {0};
  unsigned asked = 0;
  script_t s = SCRIPT(1, 3, 4, 0);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 9,
                         .retryable = odd_codes,
                         .callback_ctx = &asked,
                         .report = &r,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 4);
  ck_assert_uint_eq(s.calls, 3);
  ck_assert_uint_eq(asked, 3);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_NOT_RETRYABLE);
}
END_TEST

/* List and predicate: a code retries when either says so. */
START_TEST(retry_on_list_or_predicate) {
  fake_time_t t = {0};
  unsigned asked = 0;
  script_t s = SCRIPT(4, 3, 6, 0);
  backoff_options_t o = {.max_tries = 9,
                         .retry_on = (const int[]){4},
                         .retry_on_count = 1,
                         .retryable = odd_codes,
                         .callback_ctx = &asked,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 6);
  ck_assert_uint_eq(s.calls, 3);
}
END_TEST

START_TEST(retry_on_not_retryable_stops_at_once_without_sleep) {
  fake_time_t t = {0};
  script_t s = SCRIPT(EIO, 0);
  retry_log_t log = {0};
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 9,
                         .retry_on = (const int[]){EAGAIN},
                         .retry_on_count = 1,
                         .on_retry = log_retry,
                         .callback_ctx = &log,
                         .report = &r,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), EIO);
  ck_assert_uint_eq(s.calls, 1);
  ck_assert_uint_eq(t.nsleeps, 0);
  ck_assert_uint_eq(log.n, 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_NOT_RETRYABLE);
  ck_assert(r.slept == 0);
}
END_TEST

/* ---- on_failure / failure_code ---------------------------------------- */

typedef struct {
  unsigned calls;
  backoff_report_t seen;
  int give;
} cb_t;

static int on_failure(const backoff_report_t *r, void *ctx) {
  cb_t *c = ctx;
  c->calls++;
  c->seen = *r;
  return c->give;
}

static void on_success(const backoff_report_t *r, void *ctx) {
  cb_t *c = ctx;
  c->calls++;
  c->seen = *r;
}

START_TEST(on_failure_callback_return_is_returned) {
  fake_time_t t = {0};
  script_t s = SCRIPT(5);
  cb_t cb = {.give = 42};
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 3,
                         .jitter = BACKOFF_JITTER_NONE,
                         .on_failure = on_failure,
                         .callback_ctx = &cb,
                         .report = &r,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 42);
  ck_assert_uint_eq(cb.calls, 1);
  ck_assert_uint_eq(cb.seen.attempts, 3);
  ck_assert_int_eq(cb.seen.last_rc, 5);
  ck_assert_int_eq(cb.seen.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert(cb.seen.slept == 3.0);
  ck_assert_int_eq(r.result, 42);
  ck_assert_int_eq(r.last_rc, 5);
  /* It may also turn a failure into success. */
  cb.give = 0;
  s.calls = 0;
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
}
END_TEST

START_TEST(on_failure_code_is_returned) {
  fake_time_t t = {0};
  script_t s = SCRIPT(5);
  backoff_report_t r;
  backoff_options_t o = {
      .max_tries = 2, .failure_code = -77, .report = &r, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), -77);
  ck_assert_int_eq(r.result, -77);
  ck_assert_int_eq(r.last_rc, 5);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert_int_eq(r.error, 0);
}
END_TEST

START_TEST(on_failure_and_failure_code_is_einval) {
  script_t s = SCRIPT(5);
  cb_t cb = {.give = 1};
  backoff_policy_t *p;
  backoff_options_t o = {
      .on_failure = on_failure, .failure_code = 9, .callback_ctx = &cb};
  ck_assert_int_eq(backoff(scripted, &s, &o), BACKOFF_EINVAL);
  ck_assert_uint_eq(s.calls, 0);
  ck_assert_error_mentions("failure_code");
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_EINVAL);
}
END_TEST

START_TEST(on_failure_runs_for_not_retryable) {
  fake_time_t t = {0};
  script_t s = SCRIPT(EIO);
  cb_t cb = {.give = 11};
  backoff_options_t o = {.retry_on = (const int[]){EAGAIN},
                         .retry_on_count = 1,
                         .on_failure = on_failure,
                         .callback_ctx = &cb,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 11);
  ck_assert_uint_eq(cb.calls, 1);
  ck_assert_int_eq(cb.seen.stop, BACKOFF_STOP_NOT_RETRYABLE);
  ck_assert_int_eq(cb.seen.last_rc, EIO);
  ck_assert_uint_eq(cb.seen.attempts, 1);
}
END_TEST

START_TEST(on_failure_not_run_on_success) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1, 0);
  cb_t cb = {.give = 11};
  backoff_options_t o = {
      .on_failure = on_failure, .callback_ctx = &cb, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_uint_eq(cb.calls, 0);
}
END_TEST

/* ---- on_success ------------------------------------------------------- */

START_TEST(on_success_receives_report) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1, 2, 0);
  cb_t cb = {0};
  backoff_options_t o = {.max_tries = 5,
                         .jitter = BACKOFF_JITTER_NONE,
                         .on_success = on_success,
                         .callback_ctx = &cb,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_uint_eq(cb.calls, 1);
  ck_assert_int_eq(cb.seen.result, 0);
  ck_assert_int_eq(cb.seen.last_rc, 0);
  ck_assert_int_eq(cb.seen.stop, BACKOFF_STOP_SUCCESS);
  ck_assert_uint_eq(cb.seen.attempts, 3);
  ck_assert(cb.seen.slept == 3.0);
  ck_assert(cb.seen.last_delay == 2.0);
  ck_assert(cb.seen.elapsed == 3.0);
}
END_TEST

START_TEST(on_success_not_run_on_failure) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  cb_t cb = {0};
  backoff_options_t o = {
      .on_success = on_success, .callback_ctx = &cb, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(cb.calls, 0);
}
END_TEST

/* ---- retry_fn / retry_arg (the reference's retry_execute) -------------- */

typedef struct {
  char fn[8];
  void *arg[8];
  unsigned n;
} trail_t;
static trail_t trail;

static int first_fn(void *arg) {
  trail.fn[trail.n] = 'F';
  trail.arg[trail.n++] = arg;
  return 1;
}

static int retry_fn(void *arg) {
  trail.fn[trail.n] = 'R';
  trail.arg[trail.n++] = arg;
  return trail.n == 3 ? 0 : 1;
}

static void run_switch(int use_fn, int use_arg, const char *want_fn, void *a,
                       void *b) {
  fake_time_t t = {0};
  backoff_options_t o = {.max_tries = 5, FAKE_TIME(t)};
  unsigned i;
  memset(&trail, 0, sizeof(trail));
  if (use_fn)
    o.retry_fn = retry_fn;
  if (use_arg)
    o.retry_arg = b;
  /* Without retry_fn, first_fn fails forever: 5 calls. */
  ck_assert_int_eq(backoff(first_fn, a, &o), use_fn ? 0 : 1);
  ck_assert_uint_eq(trail.n, strlen(want_fn));
  for (i = 0; i < trail.n; i++) {
    ck_assert_int_eq(trail.fn[i], want_fn[i]);
    ck_assert_ptr_eq(trail.arg[i], i == 0 || !use_arg ? a : b);
  }
}

START_TEST(retry_fn_and_retry_arg) {
  int a, b;
  run_switch(1, 1, "FRR", &a, &b);
}
END_TEST

START_TEST(retry_fn_defaults_to_fn) {
  int a, b;
  run_switch(0, 1, "FFFFF", &a, &b);
}
END_TEST

START_TEST(retry_arg_defaults_to_arg) {
  int a, b;
  run_switch(1, 0, "FRR", &a, &b);
}
END_TEST

/* ---- call form: validates every call ---------------------------------- */

START_TEST(call_form_validates_every_call) {
  fake_time_t t = {0};
  script_t s = SCRIPT(0);
  backoff_options_t bad = {.jitter = (backoff_jitter_t)99, FAKE_TIME(t)};
  backoff_options_t good = {FAKE_TIME(t)};
  int i;
  for (i = 0; i < 3; i++) {
    ck_assert_int_eq(backoff(scripted, &s, &bad), BACKOFF_ERANGE);
    ck_assert_uint_eq(s.calls, 0);
  }
  ck_assert_int_eq(backoff(scripted, &s, &good), 0);
  ck_assert_uint_eq(s.calls, 1);
  /* The same struct, changed between calls, is read afresh. */
  good.max_delay = -1;
  ck_assert_int_eq(backoff(scripted, &s, &good), BACKOFF_ERANGE);
  ck_assert_uint_eq(s.calls, 1);
  ck_assert_int_eq(backoff(scripted, &s, NULL), 0);
  ck_assert_uint_eq(s.calls, 2);
}
END_TEST

/* ---- decorator: built once, drop-in, nests ---------------------------- */

static fake_time_t deco_time;
static unsigned deco_calls;

static int flaky_twice(void *arg) {
  (void)arg;
  return ++deco_calls <= 2 ? EAGAIN : 0;
}

static BACKOFF_APPLY(flaky_retrying, flaky_twice, .max_tries = 3,
                     .clock = fake_clock, .clock_ctx = &deco_time,
                     .sleep = fake_sleep, .sleep_ctx = &deco_time)

    START_TEST(decorator_is_drop_in) {
  deco_calls = 0;
  ck_assert_int_eq(flaky_retrying(NULL), 0);
  ck_assert_uint_eq(deco_calls, 3);
  /* Its own code comes back when retrying gives up. */
  deco_calls = 0;
  ck_assert_int_eq(flaky_twice(NULL), EAGAIN);
  deco_calls = 0;
  ck_assert_int_eq(flaky_retrying(NULL), 0);
}
END_TEST

/* The policy is built on first use and then reused: later changes to the
 * options are not seen, and the bound pointer never changes. */
START_TEST(decorator_builds_once) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_options_t o = {.max_tries = 2, FAKE_TIME(t)};
  backoff_apply_t bound = BACKOFF_APPLY_INIT(&o);
  backoff_policy_t *first;
  ck_assert_ptr_null(bound.policy_);
  ck_assert_int_eq(backoff_apply(&bound, scripted, &s), 1);
  ck_assert_uint_eq(s.calls, 2);
  first = bound.policy_;
  ck_assert_ptr_nonnull(first);
  o.max_tries = 5;
  o.jitter = (backoff_jitter_t)99; /* would be refused if checked again */
  s.calls = 0;
  ck_assert_int_eq(backoff_apply(&bound, scripted, &s), 1);
  ck_assert_uint_eq(s.calls, 2);
  ck_assert_ptr_eq(bound.policy_, first);
  backoff_policy_free(bound.policy_);
}
END_TEST

static unsigned env_op_calls;
static int env_op(void *arg) {
  (void)arg;
  env_op_calls++;
  return 1;
}
static BACKOFF_APPLY(
    env_default_wrapper, env_op,
    .strategy = "linear") static BACKOFF_APPLY(env_explicit_wrapper, env_op,
                                               .strategy = "linear",
                                               .max_tries = 2,
                                               .max_delay = INFINITY,
                                               .sleep = fake_sleep,
                                               .sleep_ctx = &deco_time)

    /* A bad environment makes a wrapper that relies on it fail the same way on
     * every call, without calling the function; one that sets both limits is
     * unaffected. */
    START_TEST(decorator_bad_env_fails_consistently) {
  int i;
  need_fork();
  setenv("BACKOFF_DEFAULT_TRIES", "3x", 1);
  setenv("BACKOFF_DEFAULT_DELAY", "soon", 1);
  for (i = 0; i < 3; i++) {
    ck_assert_int_eq(env_default_wrapper(NULL), BACKOFF_EENV);
    ck_assert_error_mentions("'3x'");
  }
  ck_assert_uint_eq(env_op_calls, 0);
  ck_assert_int_eq(env_explicit_wrapper(NULL), 1);
  ck_assert_uint_eq(env_op_calls, 2);
}
END_TEST

/* The docs' chaining: the inner wrapper retries EAGAIN; the outer one
 * retries ECONNRESET, which the inner one passes through at once. */
static unsigned chain_calls;
static const int chain_codes[] = {EAGAIN, EAGAIN,     ECONNRESET, /* outer 1 */
                                  EAGAIN, ECONNRESET,             /* outer 2 */
                                  0};                             /* outer 3 */
static unsigned chain_attempt[8];
static unsigned outer_attempt[4][2];

static int chain_op(void *arg) {
  (void)arg;
  chain_attempt[chain_calls] = backoff_attempt_number();
  return chain_codes[chain_calls++];
}
/* In a static initializer the lists must be named arrays, not compound
 * literals. */
static const int inner_codes[] = {EAGAIN}, outer_codes[] = {ECONNRESET};
static BACKOFF_APPLY(chain_inner, chain_op, .max_tries = 3,
                     .retry_on = inner_codes, .retry_on_count = 1,
                     .sleep = fake_sleep, .sleep_ctx = &deco_time)

    static unsigned outer_calls;
static int chain_middle(void *arg) {
  int rc;
  outer_attempt[outer_calls][0] = backoff_attempt_number();
  rc = chain_inner(arg);
  /* Back in the outer attempt once the inner run is over. */
  outer_attempt[outer_calls++][1] = backoff_attempt_number();
  return rc;
}
static BACKOFF_APPLY(chain_outer, chain_middle, .max_tries = 3,
                     .retry_on = outer_codes, .retry_on_count = 1,
                     .sleep = fake_sleep, .sleep_ctx = &deco_time)

    START_TEST(decorator_nests_chaining) {
  static const unsigned want_inner_attempt[] = {1, 2, 3, 1, 2, 1};
  unsigned i;
  memset(&deco_time, 0, sizeof(deco_time));
  ck_assert_int_eq(chain_outer(NULL), 0);
  ck_assert_uint_eq(chain_calls, 6);
  ck_assert_uint_eq(outer_calls, 3);
  /* 2 inner sleeps + 1 outer, 1 inner + 1 outer, none. */
  ck_assert_uint_eq(deco_time.nsleeps, 5);
  for (i = 0; i < 6; i++)
    ck_assert_uint_eq(chain_attempt[i], want_inner_attempt[i]);
  for (i = 0; i < 3; i++) {
    ck_assert_uint_eq(outer_attempt[i][0], i + 1);
    ck_assert_uint_eq(outer_attempt[i][1], i + 1);
  }
  ck_assert_uint_eq(backoff_attempt_number(), 0);
}
END_TEST

/* ---- strategy handle with parameters ---------------------------------- */

START_TEST(strategy_handle_parameters_apply) {
  static const double want[] = {0, 0.5, 2, 4.5};
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_strategy_t *h;
  backoff_policy_t *p;
  backoff_options_t o = {.max_tries = 5, FAKE_TIME(t)};
  unsigned i;
  ck_assert_int_eq(backoff_strategy_open(&h, "polynomial"), 0);
  ck_assert_int_eq(
      backoff_strategy_configure(h, "exponent=2,scale_factor=0.5,jitter=none"),
      0);
  o.strategy_handle = h;
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(t.nsleeps, 4);
  for (i = 0; i < 4; i++)
    ck_assert_msg(t.slept[i] == want[i], "delay %u: %g", i, t.slept[i]);
  /* A policy keeps its own copy: the handle may go. */
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  backoff_strategy_free(h);
  memset(&t, 0, sizeof(t));
  s.calls = 0;
  ck_assert_int_eq(backoff_run(p, scripted, &s, NULL), 1);
  for (i = 0; i < 4; i++)
    ck_assert(t.slept[i] == want[i]);
  backoff_policy_free(p);
}
END_TEST

START_TEST(strategy_handle_contradiction_einval) {
  backoff_strategy_t *h;
  backoff_policy_t *p;
  script_t s = SCRIPT(0);
  backoff_options_t base = {0};
  backoff_options_t o[7];
  int i;
  ck_assert_int_eq(backoff_strategy_open(&h, "fibonacci"), 0);
  base.strategy_handle = h;
  for (i = 0; i < 7; i++)
    o[i] = base;
  o[0].strategy = "linear";
  o[1].params = "scale_factor=2";
  o[2].jitter = BACKOFF_JITTER_NONE;
  o[3].jitter_factor = 0.5;
  o[4].scale_factor = 2;
  o[5].minimum = 1;
  o[6].cap = 10;
  for (i = 0; i < 7; i++) {
    ck_assert_int_eq(backoff_policy_new(&p, &o[i]), BACKOFF_EINVAL);
    ck_assert_error_mentions("strategy_handle");
    ck_assert_int_eq(backoff(scripted, &s, &o[i]), BACKOFF_EINVAL);
  }
  ck_assert_uint_eq(s.calls, 0);
  ck_assert_int_eq(backoff(scripted, &s, &base), 0);
  backoff_strategy_free(h);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("retry-reference-1");
  TCase *tc;

  tc = tcase_create("max_tries");
  tcase_add_test(tc, max_tries_is_total_calls);
  tcase_add_test(tc, max_tries_success_stops_early);
  suite_add_tcase(s, tc);

  tc = tcase_create("default_tries");
  tcase_add_test(tc, default_tries_is_3);
  tcase_add_test(tc, default_tries_env_valid);
  tcase_add_loop_test(tc, default_tries_env_invalid, 0,
                      sizeof(bad_tries) / sizeof(bad_tries[0]));
  tcase_add_test(tc, default_tries_explicit_overrides_env);
  tcase_add_test(tc, default_tries_explicit_overrides_valid_env);
  suite_add_tcase(s, tc);

  tc = tcase_create("max_delay");
  tcase_add_test(tc, max_delay_sleep_ending_exactly_at_budget);
  tcase_add_test(tc, max_delay_sleep_ending_just_past_budget);
  tcase_add_test(tc, max_delay_counts_operation_time);
  tcase_add_test(tc, max_delay_first_call_always_made);
  suite_add_tcase(s, tc);

  tc = tcase_create("default_max_delay");
  tcase_add_test(tc, default_max_delay_env_valid);
  tcase_add_loop_test(tc, default_max_delay_env_invalid, 0,
                      sizeof(bad_delays) / sizeof(bad_delays[0]));
  tcase_add_test(tc, default_max_delay_explicit_overrides_env);
  tcase_add_test(tc, bad_default_checked_only_where_used);
  tcase_add_loop_test(tc, default_max_delay_infinity_overrides_env, 0, 2);
  suite_add_tcase(s, tc);

  tc = tcase_create("sleeps");
  tcase_add_test(tc, no_sleep_after_final_failure);
  tcase_add_test(tc, no_sleep_before_first_call);
  suite_add_tcase(s, tc);

  tc = tcase_create("retry_on");
  tcase_add_test(tc, retry_on_default_every_failure);
  tcase_add_test(tc, retry_on_list);
  tcase_add_test(tc, retry_on_stop_on);
  tcase_add_test(tc, retry_on_predicate);
  tcase_add_test(tc, retry_on_list_or_predicate);
  tcase_add_test(tc, retry_on_not_retryable_stops_at_once_without_sleep);
  suite_add_tcase(s, tc);

  tc = tcase_create("on_failure");
  tcase_add_test(tc, on_failure_callback_return_is_returned);
  tcase_add_test(tc, on_failure_code_is_returned);
  tcase_add_test(tc, on_failure_and_failure_code_is_einval);
  tcase_add_test(tc, on_failure_runs_for_not_retryable);
  tcase_add_test(tc, on_failure_not_run_on_success);
  suite_add_tcase(s, tc);

  tc = tcase_create("on_success");
  tcase_add_test(tc, on_success_receives_report);
  tcase_add_test(tc, on_success_not_run_on_failure);
  suite_add_tcase(s, tc);

  tc = tcase_create("retry_execute");
  tcase_add_test(tc, retry_fn_and_retry_arg);
  tcase_add_test(tc, retry_fn_defaults_to_fn);
  tcase_add_test(tc, retry_arg_defaults_to_arg);
  suite_add_tcase(s, tc);

  tc = tcase_create("call_form");
  tcase_add_test(tc, call_form_validates_every_call);
  suite_add_tcase(s, tc);

  tc = tcase_create("decorator");
  tcase_add_test(tc, decorator_is_drop_in);
  tcase_add_test(tc, decorator_builds_once);
  tcase_add_test(tc, decorator_bad_env_fails_consistently);
  tcase_add_test(tc, decorator_nests_chaining);
  suite_add_tcase(s, tc);

  tc = tcase_create("strategy_handle");
  tcase_add_test(tc, strategy_handle_parameters_apply);
  tcase_add_test(tc, strategy_handle_contradiction_einval);
  suite_add_tcase(s, tc);
  return s;
}
