/* SPDX-License-Identifier: MIT */
/* The retry engine beyond check_retry's rules: exact delay sequences per
 * strategy, the attempt context, reporting, the schedule driven by hand,
 * bad options, threads sharing a policy, and a retry budget smoke test.
 * Fake clock and sleep: nothing here waits. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "check_common.h"
#include "retry_common.h"

/* ---- exact delays and calls for each strategy ------------------------- */

typedef struct {
  const char *strategy, *params;
  double base[5]; /* delays after failed calls 1..5 (n = 0..4) */
} seq_case_t;

static const seq_case_t seq_cases[] = {
    {"exponential", NULL, {1, 2, 4, 8, 16}},
    {"fibonacci", NULL, {1, 2, 3, 5, 8}},
    {"linear", NULL, {0, 1, 2, 3, 4}},
    {"polynomial", "exponent=2", {0, 1, 4, 9, 16}},
    {"fixed", NULL, {1, 1, 1, 1, 1}},
    {"fixed", "sequence=2,3", {2, 3, 3, 3, 3}},
};
#define NSEQ (sizeof(seq_cases) / sizeof(seq_cases[0]))

/* Runs 6 failing calls under c with the given jitter and randomness, and
 * checks the 5 delays against want[], as slept, as reported to on_retry and
 * in the report. */
static void check_sequence(const seq_case_t *c, backoff_options_t o,
                           const double want[5]) {
  fake_time_t t = {0};
  script_t s = SCRIPT(-3);
  retry_log_t log = {0};
  backoff_report_t r;
  double total = 0;
  unsigned i;

  o.strategy = c->strategy;
  o.params = c->params;
  o.max_tries = 6;
  o.on_retry = log_retry;
  o.callback_ctx = &log;
  o.report = &r;
  o.clock = fake_clock;
  o.clock_ctx = &t;
  o.sleep = fake_sleep;
  o.sleep_ctx = &t;
  ck_assert_int_eq(backoff(scripted, &s, &o), -3);
  ck_assert_uint_eq(s.calls, 6);
  ck_assert_uint_eq(t.nsleeps, 5);
  ck_assert_uint_eq(log.n, 5);
  for (i = 0; i < 5; i++) {
    ck_assert_msg(t.slept[i] == want[i],
                  "%s(%s) delay %u: got %.17g want %.17g", c->strategy,
                  c->params ? c->params : "", i, t.slept[i], want[i]);
    ck_assert(log.delay[i] == want[i]);
    ck_assert_uint_eq(log.attempt[i], i + 1);
    ck_assert_int_eq(log.rc[i], -3);
    total += want[i];
  }
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert_uint_eq(r.attempts, 6);
  ck_assert(r.last_delay == want[4]);
  ck_assert(fabs(r.slept - total) < 1e-9);
}

START_TEST(sequence_jitter_none) {
  const seq_case_t *c = &seq_cases[_i];
  backoff_options_t o = {.jitter = BACKOFF_JITTER_NONE};
  check_sequence(c, o, c->base);
}
END_TEST

/* Additive jitter (the default) from a seeded built-in generator: each
 * delay is base + the next U[0,1) of that seed's stream. */
START_TEST(sequence_seeded_additive) {
  const seq_case_t *c = &seq_cases[_i];
  backoff_options_t o = {.seed = 20240601, .flags = BACKOFF_SEEDED};
  backoff_rng_t rng;
  double want[5];
  unsigned i;
  backoff_rng_seed(&rng, 20240601);
  for (i = 0; i < 5; i++) {
    want[i] = c->base[i] + backoff_rng_uniform(&rng);
    ck_assert(want[i] >= c->base[i] && want[i] < c->base[i] + 1);
  }
  check_sequence(c, o, want);
  check_sequence(c, o, want); /* the same seed, the same delays */
}
END_TEST

/* Additive jitter from an injected random source, with a scale factor: the
 * jitter window scales with it. */
START_TEST(sequence_injected_additive_scaled) {
  static const double u[] = {0, 0.25, 0.5, 0.75, 0.999};
  const seq_case_t *c = &seq_cases[_i];
  seq_rng_t rng = {u, 5, 0};
  backoff_options_t o = {.jitter = BACKOFF_JITTER_ADDITIVE,
                         .scale_factor = 0.5,
                         .random = seq_rng,
                         .random_ctx = &rng};
  double want[5];
  unsigned i;
  for (i = 0; i < 5; i++)
    want[i] = c->base[i] * 0.5 + u[i] * 0.5;
  check_sequence(c, o, want);
  ck_assert_uint_eq(rng.i, 5); /* one draw per delay */
}
END_TEST

/* A random source outside [0, 1) is a library error, reported as such. */
START_TEST(sequence_bad_random_is_error) {
  static const double u[] = {0.5, 1.0};
  seq_rng_t rng = {u, 2, 0};
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 5,
                         .random = seq_rng,
                         .random_ctx = &rng,
                         .report = &r,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(scripted, &s, &o), BACKOFF_ERANDOM);
  ck_assert_uint_eq(s.calls, 2);
  ck_assert_uint_eq(t.nsleeps, 1);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_ERROR);
  ck_assert_int_eq(r.error, BACKOFF_ERANDOM);
  ck_assert_int_eq(r.result, BACKOFF_ERANDOM);
  ck_assert_int_eq(r.last_rc, 1);
}
END_TEST

/* ---- the attempt context ---------------------------------------------- */

START_TEST(attempt_number_inside_and_outside) {
  fake_time_t t = {0};
  script_t s = SCRIPT(1, 1, 1, 0);
  backoff_options_t o = {.max_tries = 5, FAKE_TIME(t)};
  unsigned i;
  ck_assert_uint_eq(backoff_attempt_number(), 0);
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  for (i = 0; i < 4; i++)
    ck_assert_uint_eq(s.attempt_seen[i], i + 1);
  ck_assert_uint_eq(backoff_attempt_number(), 0);
}
END_TEST

START_TEST(attempt_outside_op_is_estate) {
  ck_assert_int_eq(backoff_attempt_permanent(), BACKOFF_ESTATE);
  ck_assert_int_eq(backoff_attempt_retry_after(1), BACKOFF_ESTATE);
  ck_assert_str_ne(backoff_last_error(), "");
}
END_TEST

static int permanent_at_2(void *arg) {
  unsigned *calls = arg;
  ++*calls;
  if (backoff_attempt_number() == 2) {
    ck_assert_int_eq(backoff_attempt_permanent(), 0);
    return -42;
  }
  return 7;
}

START_TEST(attempt_permanent_stops_without_sleep) {
  fake_time_t t = {0};
  unsigned calls = 0;
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 9, .report = &r, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(permanent_at_2, &calls, &o), -42);
  ck_assert_uint_eq(calls, 2);
  ck_assert_uint_eq(t.nsleeps, 1); /* after call 1 only */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_PERMANENT);
  ck_assert_int_eq(r.last_rc, -42);
  ck_assert_int_eq(r.error, 0);
}
END_TEST

typedef struct {
  double after[8]; /* retry-after per call, when */
  unsigned char when[8];
  unsigned calls;
  int set_rc[8];
} ra_t;

static int retry_after_op(void *arg) {
  ra_t *a = arg;
  unsigned i = a->calls++;
  if (a->when[i])
    a->set_rc[i] = backoff_attempt_retry_after(a->after[i]);
  return 1;
}

START_TEST(attempt_retry_after_replaces_strategy_delay) {
  fake_time_t t = {0};
  ra_t a = {.after = {7.5, 0, 0}, .when = {1, 0, 1}};
  backoff_options_t o = {.max_tries = 4,
                         .jitter = BACKOFF_JITTER_ADDITIVE,
                         .scale_factor = 3,
                         FAKE_TIME(t)};
  ck_assert_int_eq(backoff(retry_after_op, &a, &o), 1);
  ck_assert_int_eq(a.set_rc[0], 0);
  ck_assert_uint_eq(t.nsleeps, 3);
  /* Exactly the server's word: no jitter, no scale. */
  ck_assert(t.slept[0] == 7.5);
  /* Only for that failure: then the strategy again, 2^1 * 3 + U*3. */
  ck_assert(t.slept[1] >= 6 && t.slept[1] < 9);
  ck_assert(t.slept[2] == 0); /* a retry-after of 0 means now */
}
END_TEST

START_TEST(attempt_retry_after_raised_to_minimum) {
  fake_time_t t = {0};
  ra_t a = {.after = {0.5}, .when = {1}};
  backoff_options_t o = {.max_tries = 2, .minimum = 2, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(retry_after_op, &a, &o), 1);
  ck_assert(t.slept[0] == 2);
}
END_TEST

START_TEST(attempt_retry_after_not_capped) {
  fake_time_t t = {0};
  ra_t a = {.after = {30}, .when = {1}};
  backoff_options_t o = {.max_tries = 2, .cap = 1, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(retry_after_op, &a, &o), 1);
  ck_assert(t.slept[0] == 30);
}
END_TEST

START_TEST(attempt_retry_after_past_deadline_stops) {
  fake_time_t t = {0};
  ra_t a = {.after = {20}, .when = {1}};
  backoff_report_t r;
  backoff_options_t o = {
      .max_tries = 5, .max_delay = 10, .report = &r, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(retry_after_op, &a, &o), 1);
  ck_assert_uint_eq(a.calls, 1);
  ck_assert_uint_eq(t.nsleeps, 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_DEADLINE);
}
END_TEST

START_TEST(attempt_retry_after_bad_values) {
  fake_time_t t = {0};
  ra_t a = {.after = {NAN, -0.5, 2e9}, .when = {1, 1, 1}};
  backoff_options_t o = {
      .max_tries = 3, .jitter = BACKOFF_JITTER_NONE, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(retry_after_op, &a, &o), 1);
  ck_assert_int_eq(a.set_rc[0], BACKOFF_EINVAL);
  ck_assert_int_eq(a.set_rc[1], BACKOFF_EINVAL);
  ck_assert_int_eq(a.set_rc[2], BACKOFF_ERANGE);
  /* Refused values change nothing: the strategy's delays stand. */
  ck_assert(t.slept[0] == 1 && t.slept[1] == 2);
}
END_TEST

/* Nested operations each see their own, innermost attempt. */
typedef struct {
  unsigned outer_seen[4], inner_seen[8], after_inner[4];
  unsigned outer_n, inner_n;
  fake_time_t *t;
} nest_t;

static int nest_inner(void *arg) {
  nest_t *n = arg;
  n->inner_seen[n->inner_n++] = backoff_attempt_number();
  /* permanent applies to the inner run only */
  if (backoff_attempt_number() == 2)
    backoff_attempt_permanent();
  return 5;
}

static int nest_outer(void *arg) {
  nest_t *n = arg;
  backoff_options_t o = {.max_tries = 3, FAKE_TIME(*n->t)};
  unsigned me = n->outer_n++;
  n->outer_seen[me] = backoff_attempt_number();
  ck_assert_int_eq(backoff(nest_inner, n, &o), 5);
  n->after_inner[me] = backoff_attempt_number();
  return me == 1 ? 0 : 9;
}

START_TEST(attempt_nested_sees_innermost) {
  fake_time_t t = {0};
  nest_t n = {.t = &t};
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 3, .report = &r, FAKE_TIME(t)};
  ck_assert_int_eq(backoff(nest_outer, &n, &o), 0);
  ck_assert_uint_eq(n.outer_n, 2);
  ck_assert_uint_eq(n.inner_n, 4);
  ck_assert_uint_eq(n.outer_seen[0], 1);
  ck_assert_uint_eq(n.outer_seen[1], 2);
  ck_assert_uint_eq(n.after_inner[0], 1);
  ck_assert_uint_eq(n.after_inner[1], 2);
  ck_assert_uint_eq(n.inner_seen[0], 1);
  ck_assert_uint_eq(n.inner_seen[1], 2);
  ck_assert_uint_eq(n.inner_seen[2], 1);
  ck_assert_uint_eq(n.inner_seen[3], 2);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS); /* not the inner's stop */
  ck_assert_uint_eq(backoff_attempt_number(), 0);
}
END_TEST

/* ---- reporting -------------------------------------------------------- */

/* The operation's codes may be negative, even equal to BACKOFF_E* codes:
 * the report still tells every outcome apart. */
START_TEST(report_tells_outcomes_apart) {
  fake_time_t t = {0};
  backoff_report_t r;
  script_t ok = SCRIPT(BACKOFF_EINVAL, 0);
  script_t fails = SCRIPT(BACKOFF_EINVAL);
  script_t stops = SCRIPT(BACKOFF_ENOMEM);
  backoff_options_t o = {.max_tries = 2,
                         .stop_on = (const int[]){BACKOFF_ENOMEM},
                         .stop_on_count = 1,
                         .report = &r,
                         FAKE_TIME(t)};
  backoff_options_t bad = o;

  ck_assert_int_eq(backoff(scripted, &ok, &o), 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  ck_assert_int_eq(r.error, 0);

  ck_assert_int_eq(backoff(scripted, &fails, &o), BACKOFF_EINVAL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert_int_eq(r.last_rc, BACKOFF_EINVAL);
  ck_assert_int_eq(r.error, 0);
  ck_assert_uint_eq(r.attempts, 2);

  ck_assert_int_eq(backoff(scripted, &stops, &o), BACKOFF_ENOMEM);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_NOT_RETRYABLE);
  ck_assert_int_eq(r.error, 0);

  bad.max_delay = NAN;
  ck_assert_int_eq(backoff(scripted, &ok, &bad), BACKOFF_ERANGE);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_ERROR);
  ck_assert_int_eq(r.error, BACKOFF_ERANGE);
  ck_assert_uint_eq(r.attempts, 0);
  ck_assert_int_eq(r.last_rc, 0);
  ck_assert_str_ne(backoff_stop_name(r.stop), "unknown");
}
END_TEST

START_TEST(report_fields) {
  fake_time_t t = {.now_ns = 5000000000ULL};
  script_t s = SCRIPT(1, 2, 0);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 5,
                         .jitter = BACKOFF_JITTER_NONE,
                         .report = &r,
                         FAKE_TIME(t)};
  s.t = &t;
  s.cost_ns = 250000000ULL; /* each call takes 0.25 s */
  memset(&r, 0x5a, sizeof(r));
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_int_eq(r.result, 0);
  ck_assert_int_eq(r.last_rc, 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
  ck_assert_int_eq(r.error, 0);
  ck_assert_uint_eq(r.attempts, 3);
  ck_assert(r.slept == 3.0); /* 1 + 2 */
  ck_assert(r.last_delay == 2.0);
  ck_assert(fabs(r.elapsed - 3.75) < 1e-9); /* 3 slept + 3 * 0.25 */
}
END_TEST

/* An injected sleep's non-zero answer, -1 included, stops as cancelled and
 * hands back the operation's own code: it is not a library error. */
static int refusing_sleep(double s, void *ctx) {
  (void)s;
  (*(unsigned *)ctx)++;
  return -1;
}

START_TEST(injected_sleep_nonzero_is_cancel) {
  script_t op = SCRIPT(7);
  unsigned sleeps = 0;
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 5,
                         .sleep = refusing_sleep,
                         .sleep_ctx = &sleeps,
                         .report = &r};
  ck_assert_int_eq(backoff(scripted, &op, &o), 7);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_CANCELLED);
  ck_assert_int_eq(r.error, 0);
  ck_assert_uint_eq(op.calls, 1);
  ck_assert_uint_eq(sleeps, 1);
}
END_TEST

/* Time is read only when something needs it: with an injected sleep, no
 * deadline and no report, retrying reads no clock at all; asking for a
 * report (or a deadline) brings the reads back. */
static uint64_t counting_clock(void *ctx) {
  return (uint64_t)++ * (unsigned *)ctx * 1000000u;
}

START_TEST(clock_read_only_when_needed) {
  script_t op = SCRIPT(7, 7, 0);
  unsigned reads = 0;
  fake_time_t t = {0};
  backoff_policy_t *p;
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 5,
                         .clock = counting_clock,
                         .clock_ctx = &reads,
                         .sleep = fake_sleep,
                         .sleep_ctx = &t};

  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(backoff_run(p, scripted, &op, NULL), 0);
  ck_assert_uint_eq(op.calls, 3);
  ck_assert_uint_eq(t.nsleeps, 2);
  ck_assert_uint_eq(reads, 0);
  op.calls = 0;
  ck_assert_int_eq(backoff_run(p, scripted, &op, &r), 0);
  ck_assert_uint_gt(reads, 0);
  ck_assert(r.elapsed > 0);
  backoff_policy_free(p);
}
END_TEST

START_TEST(report_first_try_success) {
  script_t s = SCRIPT(0);
  backoff_report_t r;
  backoff_options_t o = {.report = &r};
  ck_assert_int_eq(backoff(scripted, &s, &o), 0);
  ck_assert_uint_eq(r.attempts, 1);
  ck_assert(r.slept == 0 && r.last_delay == 0);
  ck_assert(r.elapsed >= 0 && r.elapsed < 60);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_SUCCESS);
}
END_TEST

START_TEST(report_stop_names) {
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_SUCCESS), "success");
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_EXHAUSTED), "exhausted");
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_DEADLINE), "deadline");
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_NOT_RETRYABLE),
                   "not-retryable");
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_PERMANENT), "permanent");
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_CANCELLED), "cancelled");
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_BUDGET), "budget");
  ck_assert_str_eq(backoff_stop_name(BACKOFF_STOP_ERROR), "error");
  ck_assert_str_eq(backoff_stop_name((backoff_stop_t)99), "unknown");
}
END_TEST

/* ---- the schedule, driven by hand like an event loop ------------------ */

static backoff_policy_t *fake_policy(fake_time_t *t, unsigned tries,
                                     double max_delay) {
  backoff_policy_t *p;
  backoff_options_t o = {.max_tries = tries,
                         .max_delay = max_delay,
                         .jitter = BACKOFF_JITTER_NONE,
                         .clock = fake_clock,
                         .clock_ctx = t};
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  return p;
}

/* One result per attempt: begin() twice without next() is refused rather
 * than counting a call that never reported. */
START_TEST(schedule_begin_twice_is_estate) {
  fake_time_t t = {0};
  backoff_policy_t *p = fake_policy(&t, 2, INFINITY);
  backoff_schedule_t s;
  double delay;

  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), BACKOFF_ESTATE);
  ck_assert_uint_eq(backoff_schedule_attempts(&s), 1);
  ck_assert_int_eq(backoff_schedule_next(&s, 1, &delay), 0); /* may retry */
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 1, &delay),
                   BACKOFF_STOP_EXHAUSTED);
  backoff_policy_free(p);
}
END_TEST

START_TEST(schedule_by_hand) {
  static const int codes[] = {EAGAIN, EAGAIN, EAGAIN, EAGAIN};
  fake_time_t t = {0};
  backoff_policy_t *p = fake_policy(&t, 4, INFINITY);
  backoff_schedule_t s;
  backoff_report_t r;
  double delay, want = 1;
  unsigned calls = 0;
  int rc;

  t.now_ns = 5000000000u;
  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_uint_eq(backoff_schedule_wake_ns(&s), 0); /* nothing pending */
  for (;;) {
    ck_assert_int_eq(backoff_schedule_begin(&s), 0);
    ck_assert_uint_eq(backoff_schedule_attempts(&s), calls + 1);
    ck_assert_uint_eq(backoff_schedule_wake_ns(&s), 0); /* running */
    t.now_ns += 250000000u; /* the attempt takes 0.25 s */
    rc = backoff_schedule_next(&s, codes[calls++], &delay);
    if (rc != 0)
      break;
    ck_assert(delay == want);
    /* Due at the time next() saw plus the delay, whatever comes between. */
    ck_assert_uint_eq(backoff_schedule_wake_ns(&s),
                      t.now_ns + (uint64_t)(delay * 1e9));
    want *= 2;
    t.now_ns += (uint64_t)(delay * 1e9); /* the "timer" fires */
  }
  ck_assert_uint_eq(backoff_schedule_wake_ns(&s), 0); /* stopped */
  ck_assert_int_eq(rc, BACKOFF_STOP_EXHAUSTED);
  ck_assert(delay == 0);
  ck_assert_uint_eq(calls, 4);
  /* Once stopped, begin keeps saying why. */
  ck_assert_int_eq(backoff_schedule_begin(&s), BACKOFF_STOP_EXHAUSTED);
  backoff_schedule_report(&s, &r);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert_uint_eq(r.attempts, 4);
  ck_assert_int_eq(r.last_rc, EAGAIN);
  ck_assert(r.slept == 7.0);
  ck_assert(r.elapsed == 8.0); /* 7 s waited, 4 attempts of 0.25 s */
  backoff_policy_free(p);
}
END_TEST

START_TEST(schedule_success_and_permanent) {
  fake_time_t t = {0};
  backoff_policy_t *p = fake_policy(&t, 5, 0);
  backoff_schedule_t s;
  double delay;
  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 0, &delay), BACKOFF_STOP_SUCCESS);
  ck_assert_int_eq(backoff_schedule_begin(&s), BACKOFF_STOP_SUCCESS);

  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_permanent(&s), BACKOFF_ESTATE);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_permanent(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay),
                   BACKOFF_STOP_PERMANENT);
  ck_assert_int_eq(backoff_schedule_retry_after(&s, 1), BACKOFF_ESTATE);

  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_retry_after(&s, 0.125), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), 0);
  ck_assert(delay == 0.125);
  backoff_policy_free(p);
}
END_TEST

/* A wait granted to end just before the deadline, and woken up a little
 * late: the retry it was granted for is made (refusing it then would waste
 * the whole wait), and the next grant is judged against the deadline. */
START_TEST(schedule_granted_retry_is_made_when_woken_late) {
  fake_time_t t = {0};
  backoff_policy_t *p = fake_policy(&t, 5, 10);
  backoff_schedule_t s;
  backoff_report_t r;
  double delay;
  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  t.now_ns = 9000000000ULL;
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), 0);
  ck_assert(delay > 0 && delay <= 1.0); /* ends at or before 10 s */
  t.now_ns = 10000000001ULL; /* the loop woke up 1 ns past the deadline */
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_uint_eq(backoff_schedule_attempts(&s), 2);
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay),
                   BACKOFF_STOP_DEADLINE);
  backoff_schedule_report(&s, &r);
  ck_assert_uint_eq(r.attempts, 2);
  backoff_policy_free(p);
}
END_TEST

/* A retry woken far past both the deadline and the granted wake-up is
 * refused by begin(): the overshoot past max_delay is bounded by the
 * documented 5 ms slack, not by how late the caller wakes. */
START_TEST(schedule_begin_refuses_a_wake_up_far_past_the_deadline) {
  fake_time_t t = {0};
  backoff_policy_t *p = fake_policy(&t, 5, 10);
  backoff_schedule_t s;
  backoff_report_t r;
  double delay;

  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 7, &delay), 0);
  t.now_ns = 3600000000000ULL; /* the event loop wakes an hour late */
  ck_assert_int_eq(backoff_schedule_begin(&s), BACKOFF_STOP_DEADLINE);
  ck_assert_uint_eq(backoff_schedule_attempts(&s), 1);
  ck_assert_int_eq(backoff_schedule_begin(&s), BACKOFF_STOP_DEADLINE);
  backoff_schedule_report(&s, &r);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_DEADLINE);
  ck_assert_uint_eq(r.attempts, 1);
  ck_assert(r.elapsed == 3600.0);
  backoff_policy_free(p);
}
END_TEST

/* The slack's edge: past the deadline, a wake-up 5 ms after the granted
 * instant is still on time, one 5 ms + 1 ns after it is not. Before the
 * deadline, any lateness is fine. */
START_TEST(schedule_begin_slack_is_5_ms_past_the_granted_wake_up) {
  static const struct {
    uint64_t late_ns;
    int want;
  } cases[] = {{5000000, 0}, {5000001, BACKOFF_STOP_DEADLINE}};
  unsigned i;

  for (i = 0; i < 2; i++) {
    fake_time_t t = {0};
    backoff_policy_t *p = fake_policy(&t, 5, 10);
    backoff_schedule_t s;
    double delay;

    ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
    ck_assert_int_eq(backoff_schedule_begin(&s), 0);
    t.now_ns = 9000000000ULL;
    ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), 0);
    ck_assert(delay == 1.0); /* wakes exactly at the deadline */
    t.now_ns = 10000000000ULL + cases[i].late_ns;
    ck_assert_int_eq(backoff_schedule_begin(&s), cases[i].want);
    backoff_policy_free(p);
  }
  {
    fake_time_t t = {0};
    backoff_policy_t *p = fake_policy(&t, 5, 10);
    backoff_schedule_t s;
    double delay;

    ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
    ck_assert_int_eq(backoff_schedule_begin(&s), 0);
    ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), 0);
    t.now_ns = 9900000000ULL; /* 8.9 s late, still before the deadline */
    ck_assert_int_eq(backoff_schedule_begin(&s), 0);
    backoff_policy_free(p);
  }
}
END_TEST

/* A sleep callback that oversleeps (here: the clock jumps an hour while
 * it "sleeps") cannot carry backoff() past max_delay either. */
static int oversleep(double seconds, void *ctx) {
  fake_time_t *t = ctx;
  t->now_ns += (uint64_t)(seconds * 1e9) + 3600000000000ULL;
  t->nsleeps++;
  return 0;
}

START_TEST(backoff_stops_when_the_sleep_callback_oversleeps) {
  fake_time_t t = {0};
  script_t sc = SCRIPT(-3);
  backoff_report_t r;
  backoff_options_t o = {.max_tries = 5,
                         .max_delay = 10,
                         .jitter = BACKOFF_JITTER_NONE,
                         .clock = fake_clock,
                         .clock_ctx = &t,
                         .sleep = oversleep,
                         .sleep_ctx = &t,
                         .report = &r};

  ck_assert_int_eq(backoff(scripted, &sc, &o), -3);
  ck_assert_uint_eq(sc.calls, 1);
  ck_assert_uint_eq(t.nsleeps, 1);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_DEADLINE);
  ck_assert_uint_eq(r.attempts, 1);
}
END_TEST

/* A budget without timeout codes never charges timeout_cost, so its
 * default (10) does not refuse a bucket smaller than that. */
START_TEST(small_bucket_without_timeout_codes) {
  backoff_budget_options_t o = {.capacity = 8, .retry_cost = 2};
  backoff_budget_t *b = NULL;
  static const int codes[] = {7};

  ck_assert_int_eq(backoff_budget_new(&b, &o), 0);
  ck_assert(backoff_budget_tokens(b) == 8);
  backoff_budget_free(b);
  /* With timeout codes, the default timeout_cost is checked. */
  o.timeout_codes = codes;
  o.timeout_codes_count = 1;
  ck_assert_int_eq(backoff_budget_new(&b, &o), BACKOFF_EINVAL);
  ck_assert_ptr_null(b);
  ck_assert_msg(strstr(backoff_last_error(), "capacity (8)") != NULL, "%s",
                backoff_last_error());
  o.timeout_cost = 8;
  ck_assert_int_eq(backoff_budget_new(&b, &o), 0);
  backoff_budget_free(b);
}
END_TEST

START_TEST(schedule_next_without_begin_is_estate) {
  fake_time_t t = {0};
  backoff_policy_t *p = fake_policy(&t, 5, 0);
  backoff_schedule_t s;
  backoff_report_t r;
  double delay = -1;
  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), BACKOFF_ESTATE);
  ck_assert(delay == 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), 0);
  /* A second result for the same attempt is refused too. */
  ck_assert_int_eq(backoff_schedule_next(&s, 3, &delay), BACKOFF_ESTATE);
  ck_assert_int_eq(backoff_schedule_permanent(&s), BACKOFF_ESTATE);
  ck_assert_uint_eq(backoff_schedule_attempts(&s), 1);
  backoff_schedule_report(&s, &r);
  ck_assert(r.slept == 1.0);
  /* And the schedule still works afterwards. */
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 0, &delay), BACKOFF_STOP_SUCCESS);
  ck_assert_int_eq(backoff_schedule_next(&s, 0, &delay), BACKOFF_ESTATE);
  backoff_policy_free(p);
}
END_TEST

START_TEST(schedule_null_arguments) {
  fake_time_t t = {0};
  backoff_policy_t *p = fake_policy(&t, 5, 0);
  backoff_schedule_t s;
  double delay;
  ck_assert_int_eq(backoff_schedule_init(NULL, p), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_schedule_init(&s, NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_schedule_begin(NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_schedule_next(NULL, 1, &delay), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&s), 0);
  ck_assert_int_eq(backoff_schedule_next(&s, 1, NULL), BACKOFF_EINVAL);
  backoff_schedule_report(NULL, NULL);
  ck_assert_uint_eq(backoff_schedule_attempts(NULL), 0);
  backoff_policy_free(p);
}
END_TEST

/* ---- bad options ------------------------------------------------------ */

typedef struct {
  const char *what;
  backoff_options_t o;
  int err;
} bad_case_t;

static const int some_code = 1;
static const bad_case_t bad_cases[] = {
    {"negative max_delay", {.max_delay = -1}, BACKOFF_ERANGE},
    {"NaN max_delay", {.max_delay = NAN}, BACKOFF_ERANGE},
    {"-INFINITY max_delay", {.max_delay = -INFINITY}, BACKOFF_ERANGE},
    {"huge max_delay", {.max_delay = 2e9}, BACKOFF_ERANGE},
    {"huge cap", {.cap = 2e9}, BACKOFF_ERANGE},
    {"huge cap in params", {.params = "cap=2e9"}, BACKOFF_ERANGE},
    {"negative scale_factor", {.scale_factor = -1}, BACKOFF_ERANGE},
    {"NaN scale_factor", {.scale_factor = NAN}, BACKOFF_ERANGE},
    {"infinite scale_factor", {.scale_factor = INFINITY}, BACKOFF_ERANGE},
    {"negative minimum", {.minimum = -0.5}, BACKOFF_ERANGE},
    {"NaN minimum", {.minimum = NAN}, BACKOFF_ERANGE},
    {"infinite minimum", {.minimum = INFINITY}, BACKOFF_ERANGE},
    {"negative cap", {.cap = -1}, BACKOFF_ERANGE},
    {"NaN cap", {.cap = NAN}, BACKOFF_ERANGE},
    {"jitter_factor > 1", {.jitter_factor = 1.5}, BACKOFF_ERANGE},
    {"negative jitter_factor", {.jitter_factor = -0.1}, BACKOFF_ERANGE},
    {"NaN jitter_factor", {.jitter_factor = NAN}, BACKOFF_ERANGE},
    {"unknown jitter", {.jitter = (backoff_jitter_t)6}, BACKOFF_ERANGE},
    {"negative jitter", {.jitter = (backoff_jitter_t)-1}, BACKOFF_ERANGE},
    {"minimum > cap", {.minimum = 5, .cap = 2}, BACKOFF_EINVAL},
    {"retry_on NULL", {.retry_on_count = 2}, BACKOFF_EINVAL},
    {"stop_on NULL", {.stop_on_count = 1}, BACKOFF_EINVAL},
    {"too many retry_on",
     {.retry_on = &some_code, .retry_on_count = 5000},
     BACKOFF_EINVAL},
    {"unknown flags", {.flags = 0x2}, BACKOFF_EINVAL},
    {"reserved_", {.reserved_ = {0, 1}}, BACKOFF_EINVAL},
    {"unknown strategy", {.strategy = "nosuchstrategy"}, BACKOFF_ENOENT},
    {"bad strategy name", {.strategy = "Bad Name"}, BACKOFF_ENAME},
    {"missing strategy file",
     {.strategy = "/nonexistent/strategy_x.so"},
     BACKOFF_ENOENT},
    {"unknown parameter", {.params = "nope=1"}, BACKOFF_EPARAM},
    {"malformed params",
     {.strategy = "polynomial", .params = "exponent=x"},
     BACKOFF_ESYNTAX},
};
#define NBAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

START_TEST(bad_options_documented_errors) {
  const bad_case_t *c = &bad_cases[_i];
  backoff_policy_t *p = (backoff_policy_t *)&p;
  script_t s = SCRIPT(0);
  backoff_report_t r;
  backoff_options_t o = c->o;
  int rc;

  rc = backoff_policy_new(&p, &c->o);
  ck_assert_msg(rc == c->err, "%s: policy_new gave %s, want %s (%s)", c->what,
                backoff_err_name(rc), backoff_err_name(c->err),
                backoff_last_error());
  ck_assert_ptr_null(p);
  ck_assert_msg(backoff_last_error()[0] != '\0', "%s: no message", c->what);

  o.report = &r;
  rc = backoff(scripted, &s, &o);
  ck_assert_msg(rc == c->err, "%s: backoff gave %s, want %s (%s)", c->what,
                backoff_err_name(rc), backoff_err_name(c->err),
                backoff_last_error());
  ck_assert_uint_eq(s.calls, 0);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_ERROR);
  ck_assert_int_eq(r.error, c->err);
}
END_TEST

START_TEST(bad_options_null_fn_and_policy) {
  backoff_policy_t *p;
  backoff_report_t r;
  backoff_options_t o = {.report = &r};
  ck_assert_int_eq(backoff(NULL, NULL, NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff(NULL, NULL, &o), BACKOFF_EINVAL);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_ERROR);
  ck_assert_int_eq(r.error, BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_policy_new(NULL, NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_policy_new(&p, NULL), 0);
  ck_assert_int_eq(backoff_run(p, NULL, NULL, &r), BACKOFF_EINVAL);
  ck_assert_int_eq(r.error, BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_run(NULL, scripted, NULL, NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_apply(NULL, scripted, NULL), BACKOFF_EINVAL);
  backoff_policy_free(p);
  backoff_policy_free(NULL);
}
END_TEST

/* ---- 8 threads sharing one policy ------------------------------------- */

#define NTHREADS 8
#define RUNS 2000
#define TRIES 4

static unsigned long shared_sleeps;

static int count_sleep(double s, void *ctx) {
  (void)s;
  (void)ctx;
  __atomic_add_fetch(&shared_sleeps, 1, __ATOMIC_RELAXED);
  return 0;
}

typedef struct {
  const backoff_policy_t *p;
  unsigned id, k; /* run k of this thread */
  unsigned calls_this_run;
  unsigned long calls, successes, failures, bad_attempt, sleeps_expected;
} worker_t;

/* Thread id, run k: fails (id + k) % 6 times, then succeeds. */
static int worker_op(void *arg) {
  worker_t *w = arg;
  unsigned fails = (w->id + w->k) % 6;
  w->calls++;
  if (backoff_attempt_number() != ++w->calls_this_run)
    w->bad_attempt++;
  return w->calls_this_run <= fails ? (int)(100 + w->id) : 0;
}

static void *worker(void *arg) {
  worker_t *w = arg;
  for (w->k = 0; w->k < RUNS; w->k++) {
    backoff_report_t r;
    unsigned fails = (w->id + w->k) % 6;
    unsigned want_calls = fails + 1 <= TRIES ? fails + 1 : TRIES;
    int rc;
    w->calls_this_run = 0;
    rc = backoff_run(w->p, worker_op, w, &r);
    if (rc == 0)
      w->successes++;
    else if (rc == (int)(100 + w->id) && r.stop == BACKOFF_STOP_EXHAUSTED)
      w->failures++;
    if (r.attempts != want_calls || w->calls_this_run != want_calls)
      w->bad_attempt++;
    w->sleeps_expected += want_calls - 1;
  }
  return NULL;
}

START_TEST(threads_share_one_policy) {
  backoff_options_t o = {.max_tries = TRIES, .sleep = count_sleep};
  backoff_policy_t *p;
  pthread_t th[NTHREADS];
  worker_t w[NTHREADS];
  unsigned long sleeps = 0;
  unsigned i, k;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  for (i = 0; i < NTHREADS; i++) {
    memset(&w[i], 0, sizeof(w[i]));
    w[i].p = p;
    w[i].id = i;
    ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &w[i]), 0);
  }
  for (i = 0; i < NTHREADS; i++)
    ck_assert_int_eq(pthread_join(th[i], NULL), 0);
  for (i = 0; i < NTHREADS; i++) {
    unsigned long calls = 0, ok = 0;
    for (k = 0; k < RUNS; k++) {
      unsigned fails = (i + k) % 6;
      calls += fails + 1 <= TRIES ? fails + 1 : TRIES;
      ok += fails < TRIES;
    }
    ck_assert_uint_eq(w[i].calls, calls);
    ck_assert_uint_eq(w[i].successes, ok);
    ck_assert_uint_eq(w[i].failures, RUNS - ok);
    ck_assert_uint_eq(w[i].bad_attempt, 0);
    sleeps += w[i].sleeps_expected;
  }
  ck_assert_uint_eq(shared_sleeps, sleeps);
  backoff_policy_free(p);
}
END_TEST

/* ---- budget (smoke; the budget has its own tests) --------------------- */

START_TEST(budget_refusal_stops_with_budget) {
  backoff_budget_options_t bo = {.capacity = 10, .retry_cost = 5};
  backoff_budget_t *b;
  fake_time_t t = {0};
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o;
  ck_assert_int_eq(backoff_budget_new(&b, &bo), 0);
  o = (backoff_options_t){
      .max_tries = 10, .budget = b, .report = &r, FAKE_TIME(t)};
  /* 10 tokens pay for two retries of 5: the third is refused. */
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert_uint_eq(s.calls, 3);
  ck_assert_uint_eq(t.nsleeps, 2);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_BUDGET);
  ck_assert(backoff_budget_tokens(b) == 0);
  backoff_budget_free(b);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("retry-engine");
  TCase *tc;

  tc = tcase_create("sequence");
  tcase_add_loop_test(tc, sequence_jitter_none, 0, NSEQ);
  tcase_add_loop_test(tc, sequence_seeded_additive, 0, NSEQ);
  tcase_add_loop_test(tc, sequence_injected_additive_scaled, 0, NSEQ);
  tcase_add_test(tc, sequence_bad_random_is_error);
  suite_add_tcase(s, tc);

  tc = tcase_create("attempt");
  tcase_add_test(tc, attempt_number_inside_and_outside);
  tcase_add_test(tc, attempt_outside_op_is_estate);
  tcase_add_test(tc, attempt_permanent_stops_without_sleep);
  tcase_add_test(tc, attempt_retry_after_replaces_strategy_delay);
  tcase_add_test(tc, attempt_retry_after_raised_to_minimum);
  tcase_add_test(tc, attempt_retry_after_not_capped);
  tcase_add_test(tc, attempt_retry_after_past_deadline_stops);
  tcase_add_test(tc, attempt_retry_after_bad_values);
  tcase_add_test(tc, attempt_nested_sees_innermost);
  suite_add_tcase(s, tc);

  tc = tcase_create("report");
  tcase_add_test(tc, report_tells_outcomes_apart);
  tcase_add_test(tc, report_fields);
  tcase_add_test(tc, report_first_try_success);
  tcase_add_test(tc, injected_sleep_nonzero_is_cancel);
  tcase_add_test(tc, clock_read_only_when_needed);
  tcase_add_test(tc, schedule_begin_twice_is_estate);
  tcase_add_test(tc, report_stop_names);
  suite_add_tcase(s, tc);

  tc = tcase_create("schedule");
  tcase_add_test(tc, schedule_by_hand);
  tcase_add_test(tc, schedule_success_and_permanent);
  tcase_add_test(tc, schedule_granted_retry_is_made_when_woken_late);
  tcase_add_test(tc, schedule_begin_refuses_a_wake_up_far_past_the_deadline);
  tcase_add_test(tc, schedule_begin_slack_is_5_ms_past_the_granted_wake_up);
  tcase_add_test(tc, backoff_stops_when_the_sleep_callback_oversleeps);
  tcase_add_test(tc, small_bucket_without_timeout_codes);
  tcase_add_test(tc, schedule_next_without_begin_is_estate);
  tcase_add_test(tc, schedule_null_arguments);
  suite_add_tcase(s, tc);

  tc = tcase_create("bad_options");
  tcase_add_loop_test(tc, bad_options_documented_errors, 0, NBAD);
  tcase_add_test(tc, bad_options_null_fn_and_policy);
  suite_add_tcase(s, tc);

  tc = tcase_create("threads");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, threads_share_one_policy);
  suite_add_tcase(s, tc);

  tc = tcase_create("budget");
  tcase_add_test(tc, budget_refusal_stops_with_budget);
  suite_add_tcase(s, tc);
  return s;
}
