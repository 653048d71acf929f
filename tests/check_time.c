/* SPDX-License-Identifier: MIT */
/* Signals and time.
 *
 * EINTR under load: a 100 ms sleep hit by a signal every millisecond while
 * another process burns a core is never shorter than asked, and not much
 * longer (a generous bound: the machine is shared).
 *
 * Wall-clock jumps: a test cannot set CLOCK_REALTIME (it needs root, and
 * would disturb everything else on the machine), so the proof is
 * structural instead:
 *   1. this binary interposes clock_nanosleep, clock_gettime and syscall
 *      and records what libbackoff asks for: every clock read and every
 *      sleep must be on CLOCK_MONOTONIC, every sleep towards an absolute
 *      deadline (TIMER_ABSTIME), and the cancellable wait a futex
 *      FUTEX_WAIT_BITSET without FUTEX_CLOCK_REALTIME (so on the
 *      monotonic clock). CLOCK_REALTIME is never consulted, so setting it
 *      cannot change a delay or a deadline;
 *   2. with an injected clock that jumps (backwards by an hour, forwards
 *      by a day), the delays are the same as with a steady clock, and
 *      nothing underflows: delays do not depend on the clock at all, only
 *      the deadline does, and it handles a clock that goes backwards. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "check_common.h"

/* ---- interposed time calls ------------------------------------------- */

static int recording;
static unsigned n_sleeps, n_bad_sleeps, n_reads, n_bad_reads, n_futex,
    n_bad_futex;

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                    struct timespec *rem) {
  static int (*next)(clockid_t, int, const struct timespec *,
                     struct timespec *);
  if (next == NULL)
    next = (int (*)(clockid_t, int, const struct timespec *,
                    struct timespec *))dlsym(RTLD_NEXT, "clock_nanosleep");
  if (recording) {
    n_sleeps++;
    if (clk != CLOCK_MONOTONIC || flags != TIMER_ABSTIME)
      n_bad_sleeps++;
  }
  return next(clk, flags, req, rem);
}

int clock_gettime(clockid_t clk, struct timespec *ts) {
  static int (*next)(clockid_t, struct timespec *);
  if (next == NULL)
    next = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT,
                                                        "clock_gettime");
  if (recording) {
    n_reads++;
    if (clk != CLOCK_MONOTONIC)
      n_bad_reads++;
  }
  return next(clk, ts);
}

long syscall(long nr, ...) {
  static long (*next)(long, ...);
  long a[6];
  va_list ap;
  int i;
  if (next == NULL)
    next = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
  va_start(ap, nr);
  for (i = 0; i < 6; i++)
    a[i] = va_arg(ap, long);
  va_end(ap);
  if (recording && nr == SYS_futex) {
    int op = (int)a[1];
    if ((op & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET) {
      n_futex++;
      if (op & FUTEX_CLOCK_REALTIME)
        n_bad_futex++;
    } else if ((op & FUTEX_CMD_MASK) != FUTEX_WAKE) {
      n_bad_futex++; /* a relative FUTEX_WAIT would also be wrong */
    }
  }
  return next(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- EINTR under load ------------------------------------------------ */

/* TSan defers a signal handler until the thread reaches one of its own
 * interception points, so far fewer handlers run; the sleep is still cut
 * by each signal the kernel delivers. */
#if defined(__SANITIZE_THREAD__)
#define MIN_SIGNALS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MIN_SIGNALS 1
#endif
#endif
#ifndef MIN_SIGNALS
#define MIN_SIGNALS 5
#endif

static volatile sig_atomic_t signals;
static void on_alarm(int sig) {
  (void)sig;
  signals++;
}

/* A busy child on the other core; it dies with us (PDEATHSIG) and after
 * 30 s at most, so a failed test never leaves it spinning. */
static pid_t start_burner(void) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    volatile unsigned long x = 0;
    double end;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    end = mono() + 30;
    while (mono() < end)
      for (int i = 0; i < 1000000; i++)
        x = x + (unsigned long)i;
    _exit(0);
  }
  return pid;
}

static void stop_burner(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

/* A signal every millisecond, without SA_RESTART: every wait is cut. */
static void start_ticks(void) {
  struct sigaction sa;
  struct itimerval it = {{0, 1000}, {0, 1000}};
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
  signals = 0;
  ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void stop_ticks(void) {
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
}

static void sleep_under_fire(const backoff_cancel_t *token) {
  pid_t burner = start_burner();
  int i;
  for (i = 0; i < 5; i++) {
    double t0, dt;
    int rc;
    start_ticks();
    t0 = mono();
    rc = backoff_sleep(0.1, token);
    dt = mono() - t0;
    stop_ticks();
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(dt >= 0.1, "slept %.6f s of 0.1 s: cut short by a signal",
                  dt);
    ck_assert_msg(dt < 2.0, "slept %.6f s of 0.1 s", dt);
    ck_assert_msg(signals >= MIN_SIGNALS, "only %d signals arrived",
                  (int)signals);
  }
  stop_burner(burner);
}

START_TEST(eintr_under_load) { sleep_under_fire(NULL); }
END_TEST

START_TEST(eintr_under_load_cancellable) {
  backoff_cancel_t c = BACKOFF_CANCEL_INIT;
  sleep_under_fire(&c);
}
END_TEST

/* The whole loop: three 50 ms sleeps, each under a signal storm. */
START_TEST(eintr_under_load_retry_loop) {
  backoff_options_t o = {.strategy = "fixed",
                         .params = "sequence=0.05",
                         .jitter = BACKOFF_JITTER_NONE,
                         .max_tries = 4};
  backoff_report_t r;
  backoff_policy_t *p;
  pid_t burner;
  double t0, dt;

  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  burner = start_burner();
  start_ticks();
  t0 = mono();
  ck_assert_int_eq(backoff_run(p, op_fail, NULL, &r), 1);
  dt = mono() - t0;
  stop_ticks();
  stop_burner(burner);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert(fabs(r.slept - 0.15) < 1e-9);
  ck_assert_msg(dt >= 0.15, "3 x 50 ms took %.6f s", dt);
  ck_assert_msg(dt < 3.0, "3 x 50 ms took %.6f s", dt);
  ck_assert_int_ge(signals, MIN_SIGNALS);
  backoff_policy_free(p);
}
END_TEST

/* ---- only the monotonic clock ---------------------------------------- */

static void reset_counts(void) {
  n_sleeps = n_bad_sleeps = n_reads = n_bad_reads = n_futex = n_bad_futex = 0;
}

START_TEST(sleeps_are_monotonic_and_absolute) {
  backoff_cancel_t c = BACKOFF_CANCEL_INIT;
  backoff_options_t o = {.strategy = "linear",
                         .scale_factor = 0.01,
                         .max_tries = 3,
                         .max_delay = 60};
  backoff_report_t r;
  backoff_policy_t *p;

  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  reset_counts();
  recording = 1;
  ck_assert_int_eq(backoff_sleep(0.01, NULL), 0);
  ck_assert_int_eq(backoff_run(p, op_fail, NULL, &r), 1);
  (void)backoff_clock_ns();
  recording = 0;
  ck_assert_uint_ge(n_sleeps, 3); /* backoff_sleep + two retries */
  ck_assert_msg(n_bad_sleeps == 0,
                "%u of %u sleeps were not CLOCK_MONOTONIC + TIMER_ABSTIME",
                n_bad_sleeps, n_sleeps);
  ck_assert_uint_ge(n_reads, 3);
  ck_assert_msg(n_bad_reads == 0, "%u of %u clock reads were not monotonic",
                n_bad_reads, n_reads);

  /* The cancellable wait. */
  reset_counts();
  recording = 1;
  ck_assert_int_eq(backoff_sleep(0.01, &c), 0);
  backoff_cancel(&c);
  ck_assert_int_eq(backoff_sleep(10, &c), 1);
  recording = 0;
#ifdef __linux__
  ck_assert_uint_ge(n_futex, 1);
#endif
  ck_assert_msg(n_bad_futex == 0, "a futex wait was not on the monotonic "
                                  "clock with an absolute timeout");
  ck_assert_msg(n_bad_reads == 0, "a clock read was not monotonic");
  ck_assert_msg(n_bad_sleeps == 0, "a sleep was not monotonic/absolute");
  backoff_policy_free(p);
}
END_TEST

/* ---- delays do not depend on the clock ------------------------------- */

typedef struct {
  uint64_t now;
  unsigned calls;
  int jumpy;
} jump_clock_t;

/* Steady: +1 ms a read. Jumpy: also an hour back, then a day ahead, in
 * turn (what an NTP step or `date -s` does to CLOCK_REALTIME). */
static uint64_t jump_clock(void *p) {
  jump_clock_t *c = p;
  c->calls++;
  c->now += 1000000;
  if (c->jumpy) {
    if (c->calls % 2 == 0 && c->now > 3600000000000ULL)
      c->now -= 3600000000000ULL;
    else if (c->calls % 2 == 1)
      c->now += 86400000000000ULL;
  }
  return c->now;
}

static void delays_with(int jumpy, double *out, unsigned n, int deadline) {
  jump_clock_t c = {.now = 10 * 3600000000000ULL, .jumpy = jumpy};
  backoff_options_t o = {.strategy = "exponential",
                         .jitter = BACKOFF_JITTER_FULL,
                         .max_tries = n + 1,
                         .max_delay = deadline ? 1e6 : INFINITY,
                         .clock = jump_clock,
                         .clock_ctx = &c,
                         .sleep = no_sleep,
                         .seed = 7,
                         .flags = BACKOFF_SEEDED};
  backoff_policy_t *p;
  backoff_schedule_t s;
  backoff_report_t r;
  unsigned i = 0;
  double d;

  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
  while (backoff_schedule_begin(&s) == 0 && i < n) {
    int rc = backoff_schedule_next(&s, 3, &d);
    if (rc != 0) {
      /* Only a forward jump past the deadline may stop it early. */
      ck_assert_int_eq(rc, BACKOFF_STOP_DEADLINE);
      ck_assert(jumpy && deadline);
      break;
    }
    out[i++] = d;
  }
  backoff_schedule_report(&s, &r);
  ck_assert(r.elapsed >= 0 && isfinite(r.elapsed));
  for (; i < n; i++)
    out[i] = -1;
  backoff_policy_free(p);
}

START_TEST(clock_jumps_change_no_delay) {
  double steady[12], jumpy[12];
  unsigned i;
  delays_with(0, steady, 12, 0);
  delays_with(1, jumpy, 12, 0);
  for (i = 0; i < 12; i++) {
    ck_assert(steady[i] >= 0);
    ck_assert_msg(steady[i] == jumpy[i],
                  "delay %u: %.17g steady, %.17g with "
                  "a jumping clock",
                  i, steady[i], jumpy[i]);
  }
}
END_TEST

/* With a deadline, a clock that goes backwards must not underflow into a
 * huge remaining budget or a negative elapsed time. */
START_TEST(clock_backwards_with_deadline) {
  double steady[12], jumpy[12];
  unsigned i;
  delays_with(0, steady, 12, 1);
  delays_with(1, jumpy, 12, 1);
  for (i = 0; i < 12 && jumpy[i] >= 0; i++)
    ck_assert(steady[i] == jumpy[i]);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("time");
  TCase *sig = tcase_create("signals");
  TCase *clk = tcase_create("clock");
  tcase_set_timeout(sig, 60);
  tcase_add_test(sig, eintr_under_load);
  tcase_add_test(sig, eintr_under_load_cancellable);
  tcase_add_test(sig, eintr_under_load_retry_loop);
  suite_add_tcase(s, sig);
  tcase_add_test(clk, sleeps_are_monotonic_and_absolute);
  tcase_add_test(clk, clock_jumps_change_no_delay);
  tcase_add_test(clk, clock_backwards_with_deadline);
  suite_add_tcase(s, clk);
  return s;
}
