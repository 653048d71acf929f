/* SPDX-License-Identifier: MIT */
/* Real sleeping: cancellation and signals. The only retry-engine tests that
 * wait, each for at most a few tenths of a second when the library works;
 * their bounds are generous so a loaded machine cannot make them flaky. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "check_common.h"
#include "retry_common.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* ---- cancellation from another thread --------------------------------- */

/* The canceller waits for on_retry (the loop is about to sleep), so a slow
 * start (valgrind, a loaded machine) cannot cancel before the sleep. */
static sem_t about_to_sleep;
static double cancelled_at;

static void announce_sleep(unsigned attempt, int rc, double delay, void *ctx) {
  (void)attempt, (void)rc, (void)delay, (void)ctx;
  sem_post(&about_to_sleep);
}

static void *cancel_later(void *token) {
  while (sem_wait(&about_to_sleep) != 0)
    ;
  nap_ms(50);
  cancelled_at = now_s();
  backoff_cancel(token);
  return NULL;
}

START_TEST(cancel_from_thread_during_10s_sleep) {
  backoff_cancel_t token = BACKOFF_CANCEL_INIT;
  script_t s = SCRIPT(1);
  backoff_report_t r;
  /* fixed, scale 10, no jitter: a 10 s sleep after the first failure. */
  backoff_options_t o = {.strategy = "fixed",
                         .scale_factor = 10,
                         .jitter = BACKOFF_JITTER_NONE,
                         .max_tries = 2,
                         .cancel = &token,
                         .report = &r,
                         .on_retry = announce_sleep};
  pthread_t th;
  double t0, t1, took;
  ck_assert_int_eq(sem_init(&about_to_sleep, 0, 0), 0);
  ck_assert_int_eq(pthread_create(&th, NULL, cancel_later, &token), 0);
  t0 = now_s();
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  t1 = now_s();
  took = t1 - t0;
  pthread_join(th, NULL);
  ck_assert_msg(took < 5.0, "the loop took %.3f s", took);
  took = t1 - cancelled_at;
  ck_assert_msg(took < 1.0, "returned %.3f s after the cancel", took);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_CANCELLED);
  ck_assert_uint_eq(s.calls, 1);
  ck_assert_uint_eq(r.attempts, 1);
  /* Only the part actually waited counts as slept. */
  ck_assert_msg(r.slept >= 0 && r.slept < 1.0, "slept %.3f", r.slept);
  /* ...and last_delay is the wait actually made, not the one granted. */
  ck_assert_msg(r.last_delay >= 0 && r.last_delay < 1.0, "last_delay %.3f",
                r.last_delay);
  ck_assert(r.last_delay - r.slept < 1e-6 && r.slept - r.last_delay < 1e-6);
}
END_TEST

/* A token cancelled before the loop sleeps: no sleep, no second call. */
START_TEST(cancel_before_sleep) {
  backoff_cancel_t token;
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.strategy = "fixed",
                         .scale_factor = 10,
                         .max_tries = 5,
                         .cancel = &token,
                         .report = &r};
  double t0 = now_s();
  backoff_cancel_init(&token);
  backoff_cancel(&token);
  ck_assert(backoff_cancel_requested(&token));
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  ck_assert(now_s() - t0 < 1.0);
  ck_assert_uint_eq(s.calls, 1);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_CANCELLED);
  backoff_cancel_reset(&token);
  ck_assert(!backoff_cancel_requested(&token));
}
END_TEST

/* ---- a signal every millisecond --------------------------------------- */

static volatile sig_atomic_t signals_seen;
static volatile int pelting;

static void count_signal(int sig) {
  (void)sig;
  signals_seen++;
}

static void *pelt(void *target) {
  while (__atomic_load_n(&pelting, __ATOMIC_ACQUIRE)) {
    pthread_kill(*(pthread_t *)target, SIGUSR1);
    nap_ms(1);
  }
  return NULL;
}

/* No SA_RESTART: every signal interrupts the sleep with EINTR. */
static void start_pelting(pthread_t *self, pthread_t *th) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = count_signal;
  sigemptyset(&sa.sa_mask);
  ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
  signals_seen = 0;
  *self = pthread_self();
  __atomic_store_n(&pelting, 1, __ATOMIC_RELEASE);
  ck_assert_int_eq(pthread_create(th, NULL, pelt, self), 0);
}

static void stop_pelting(pthread_t th) {
  __atomic_store_n(&pelting, 0, __ATOMIC_RELEASE);
  pthread_join(th, NULL);
}

static void sleep_under_signals(const backoff_cancel_t *token) {
  pthread_t self, th;
  double t0, took;
  int rc;
  start_pelting(&self, &th);
  nap_ms(5); /* let the signals start */
  t0 = now_s();
  rc = backoff_sleep(0.1, token);
  took = now_s() - t0;
  stop_pelting(th);
  ck_assert_int_eq(rc, 0);
  ck_assert_msg(took >= 0.1, "a 100 ms sleep took %.6f s", took);
  ck_assert_msg(took < 2.0, "a 100 ms sleep took %.3f s", took);
  ck_assert_msg(signals_seen > 0, "no signal arrived");
}

START_TEST(signal_every_1ms_never_shortens_sleep) {
  sleep_under_signals(NULL);
}
END_TEST

/* With a token the wait is a futex wait: EINTR must not end it either. */
START_TEST(signal_every_1ms_never_shortens_cancellable_sleep) {
  backoff_cancel_t token = BACKOFF_CANCEL_INIT;
  sleep_under_signals(&token);
}
END_TEST

/* The whole loop under signals: each wait is at least its delay. */
START_TEST(signal_every_1ms_loop_waits_full_delays) {
  backoff_cancel_t token = BACKOFF_CANCEL_INIT;
  script_t s = SCRIPT(1);
  backoff_report_t r;
  backoff_options_t o = {.strategy = "fixed",
                         .scale_factor = 0.05,
                         .jitter = BACKOFF_JITTER_NONE,
                         .max_tries = 3,
                         .cancel = &token,
                         .report = &r};
  pthread_t self, th;
  double t0, took;
  start_pelting(&self, &th);
  t0 = now_s();
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  took = now_s() - t0;
  stop_pelting(th);
  ck_assert_uint_eq(s.calls, 3);
  ck_assert_msg(took >= 0.1, "two 50 ms sleeps took %.6f s", took);
  ck_assert_msg(took < 2.0, "two 50 ms sleeps took %.3f s", took);
  ck_assert(r.slept == 0.1);
  ck_assert(r.elapsed >= 0.1);
}
END_TEST

/* ---- backoff_cancel from a signal handler ------------------------------ */

static backoff_cancel_t handler_token = BACKOFF_CANCEL_INIT;

static void cancel_in_handler(int sig) {
  (void)sig;
  backoff_cancel(&handler_token);
}

static void *signal_later(void *target) {
  nap_ms(50);
  pthread_kill(*(pthread_t *)target, SIGUSR2);
  return NULL;
}

START_TEST(cancel_from_signal_handler) {
  struct sigaction sa;
  pthread_t self = pthread_self(), th;
  double t0, took;
  int rc;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = cancel_in_handler;
  sa.sa_flags = SA_RESTART; /* even a restarting handler must wake it */
  sigemptyset(&sa.sa_mask);
  ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
  backoff_cancel_init(&handler_token);
  ck_assert_int_eq(pthread_create(&th, NULL, signal_later, &self), 0);
  t0 = now_s();
  rc = backoff_sleep(10, &handler_token);
  took = now_s() - t0;
  pthread_join(th, NULL);
  ck_assert_int_eq(rc, 1);
  ck_assert_msg(took < 1.0, "cancel from a handler took %.3f s", took);
}
END_TEST

/* ---- an injected clock with the real sleep ---------------------------- */

static uint64_t frozen_clock(void *ctx) { return *(const uint64_t *)ctx; }

/* A caller may inject a clock (for its own bookkeeping) yet keep the real
 * sleep: each wait must still last its delay, whatever the injected clock
 * reads (0 here; a huge value must not turn into a decades-long sleep). */
START_TEST(injected_clock_real_sleep_waits_delay) {
  static const uint64_t readings[] = {0, UINT64_C(1) << 62};
  uint64_t reading = readings[_i];
  script_t s = SCRIPT(1);
  backoff_options_t o = {.strategy = "fixed",
                         .scale_factor = 0.05,
                         .jitter = BACKOFF_JITTER_NONE,
                         .max_tries = 2,
                         .clock = frozen_clock,
                         .clock_ctx = &reading};
  double t0 = now_s(), took;
  ck_assert_int_eq(backoff(scripted, &s, &o), 1);
  took = now_s() - t0;
  ck_assert_uint_eq(s.calls, 2);
  ck_assert_msg(took >= 0.05, "a 50 ms delay took %.6f s", took);
  ck_assert_msg(took < 2.0, "a 50 ms delay took %.3f s", took);
}
END_TEST

/* An absolute wake-up: waits until then (with or without a token), and a
 * time already past returns at once. */
START_TEST(sleep_until_absolute) {
  backoff_cancel_t token = BACKOFF_CANCEL_INIT;
  const backoff_cancel_t *tokens[] = {NULL, &token};
  int i;
  for (i = 0; i < 2; i++) {
    const uint64_t wake = backoff_clock_ns() + 50000000u;
    double t0;
    ck_assert_int_eq(backoff_sleep_until(wake, tokens[i]), 0);
    ck_assert_uint_ge(backoff_clock_ns(), wake);
    t0 = now_s();
    ck_assert_int_eq(backoff_sleep_until(wake - 40000000u, tokens[i]), 0);
    ck_assert_msg(now_s() - t0 < 1.0, "a past time must not wait");
  }
}
END_TEST

START_TEST(sleep_bad_arguments) {
  ck_assert_int_eq(backoff_sleep(-1, NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_sleep(0.0 / 0.0, NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_sleep(2e9, NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_sleep(0, NULL), 0);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("retry-timing");
  TCase *tc = tcase_create("timing");
  /* A broken cancel would wait the whole 10 s: let the assertion say so
   * rather than Check's timeout. */
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, cancel_from_thread_during_10s_sleep);
  tcase_add_test(tc, cancel_before_sleep);
  tcase_add_test(tc, signal_every_1ms_never_shortens_sleep);
  tcase_add_test(tc, signal_every_1ms_never_shortens_cancellable_sleep);
  tcase_add_test(tc, signal_every_1ms_loop_waits_full_delays);
  tcase_add_test(tc, cancel_from_signal_handler);
  tcase_add_loop_test(tc, injected_clock_real_sleep_waits_delay, 0, 2);
  tcase_add_test(tc, sleep_until_absolute);
  tcase_add_test(tc, sleep_bad_arguments);
  suite_add_tcase(s, tc);
  return s;
}
