/* SPDX-License-Identifier: MIT */
/* Time: the monotonic clock, sleeping to an absolute deadline, and the
 * cancel token that wakes a sleeper.
 *
 * Sleeping towards an absolute CLOCK_MONOTONIC deadline means EINTR is
 * handled by simply waiting again for the same deadline: a signal neither
 * shortens nor stretches the sleep, and wall-clock jumps change nothing.
 * With a cancel token, the wait is a futex wait on the token (Linux), which
 * takes the same absolute monotonic deadline and which backoff_cancel()
 * wakes with one async-signal-safe syscall. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_LINUX_FUTEX_H
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include "internal.h"

uint64_t backoff_clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void backoff_cancel_init(backoff_cancel_t *t) {
  if (t == NULL)
    return;
  __atomic_store_n(&t->state_, 0, __ATOMIC_RELEASE);
  t->reserved_[0] = t->reserved_[1] = t->reserved_[2] = 0;
}

void backoff_cancel(backoff_cancel_t *t) {
  if (t == NULL)
    return;
  __atomic_store_n(&t->state_, 1, __ATOMIC_RELEASE);
#ifdef HAVE_LINUX_FUTEX_H
  syscall(SYS_futex, &t->state_, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
#endif
}

void backoff_cancel_reset(backoff_cancel_t *t) {
  if (t != NULL)
    __atomic_store_n(&t->state_, 0, __ATOMIC_RELEASE);
}

int backoff_cancel_requested(const backoff_cancel_t *t) {
  return t != NULL && __atomic_load_n(&t->state_, __ATOMIC_ACQUIRE) != 0;
}

static void to_timespec(uint64_t ns, struct timespec *ts) {
  ts->tv_sec = (time_t)(ns / 1000000000ULL);
  ts->tv_nsec = (long)(ns % 1000000000ULL);
}

int backoff_sleep_until(uint64_t wake_ns, const backoff_cancel_t *token) {
  struct timespec ts;
  int rc;

  to_timespec(wake_ns, &ts);
  if (token == NULL) {
    while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) ==
           EINTR)
      ;
    if (rc != 0)
      return backoff__fail(BACKOFF_ESYS, "clock_nanosleep: error %d", rc);
    return 0;
  }
  for (;;) {
    if (backoff_cancel_requested(token))
      return 1;
#ifdef HAVE_LINUX_FUTEX_H
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC timeout (no
     * FUTEX_CLOCK_REALTIME); it returns at once if the token is no longer
     * 0, so a cancel between the check above and the wait is not lost. */
    rc = (int)syscall(SYS_futex, &((backoff_cancel_t *)token)->state_,
                      FUTEX_WAIT_BITSET, 0, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
    if (rc == 0 || errno == EAGAIN || errno == EINTR)
      continue; /* woken, changed or interrupted: look again */
    if (errno == ETIMEDOUT)
      return backoff_cancel_requested(token) ? 1 : 0;
    return backoff__fail(BACKOFF_ESYS, "futex wait failed: errno %d", errno);
#else
    {
      /* Portable fallback: short slices, so a cancel is seen within 5 ms. */
      uint64_t now = backoff_clock_ns(), slice = now + 5000000ULL;
      struct timespec st;
      if (now >= wake_ns)
        return 0;
      to_timespec(slice < wake_ns ? slice : wake_ns, &st);
      rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &st, NULL);
      if (rc != 0 && rc != EINTR)
        return backoff__fail(BACKOFF_ESYS, "clock_nanosleep: error %d", rc);
    }
#endif
  }
}

int backoff_sleep(double seconds, const backoff_cancel_t *token) {
  if (!(seconds >= 0) || seconds > BACKOFF_DELAY_MAX)
    return backoff__fail(BACKOFF_EINVAL, "sleep of %g s: must be in [0, %g]",
                         seconds, BACKOFF_DELAY_MAX);
  return backoff_sleep_until(backoff_clock_ns() + (uint64_t)(seconds * 1e9),
                             token);
}
