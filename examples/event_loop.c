/* SPDX-License-Identifier: MIT */
/* The non-blocking form: an event loop owns the waiting.
 *
 * The schedule answers "retry after X seconds" or "stop, because ..."; the
 * loop arms a timerfd for the absolute instant the retry is due
 * (backoff_schedule_wake_ns: the instant the deadline was checked against)
 * and keeps serving its other descriptors meanwhile (here only the timer,
 * to stay short). Nothing blocks but poll(). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <backoff.h>

static int unavailable = 2; /* the "service" is down for two calls */

static int try_send(void) { return unavailable-- > 0 ? EHOSTUNREACH : 0; }

/* Fires at wake_ns on CLOCK_MONOTONIC (the policy's default clock). */
static void arm_at(int tfd, uint64_t wake_ns) {
  struct itimerspec its = {{0, 0}, {0, 0}};
  its.it_value.tv_sec = (time_t)(wake_ns / 1000000000u);
  its.it_value.tv_nsec = (long)(wake_ns % 1000000000u);
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
    its.it_value.tv_nsec = 1; /* 0 would disarm the timer */
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int main(void) {
  backoff_options_t options = {.strategy = "exponential",
                               .max_tries = 5,
                               .max_delay = 60,
                               .scale_factor = 0.01};
  backoff_policy_t *policy;
  backoff_schedule_t schedule;
  backoff_report_t report;
  int tfd, rc, stop = 0;
  double delay;

  if ((rc = backoff_policy_new(&policy, &options)) != 0) {
    fprintf(stderr, "libbackoff: %s\n", backoff_last_error());
    return 1;
  }
  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (tfd < 0) {
    perror("timerfd_create");
    return 1;
  }
  backoff_schedule_init(&schedule, policy);
  arm_at(tfd, backoff_clock_ns()); /* the first attempt: right away */

  while (stop == 0) {
    struct pollfd pfd = {tfd, POLLIN, 0};
    uint64_t expirations;

    if (poll(&pfd, 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      perror("poll");
      break;
    }
    if (read(tfd, &expirations, sizeof(expirations)) < 0)
      continue; /* woken but not expired yet */

    /* The timer fired: may we call now? (deadline, cancel) */
    if ((stop = backoff_schedule_begin(&schedule)) != 0)
      break;
    rc = try_send();
    printf("attempt %u: %s\n", backoff_schedule_attempts(&schedule),
           rc == 0 ? "sent" : "host unreachable");
    stop = backoff_schedule_next(&schedule, rc, &delay);
    if (stop == 0) {
      printf("  retrying in %.3f s\n", delay);
      arm_at(tfd, backoff_schedule_wake_ns(&schedule));
    }
  }

  backoff_schedule_report(&schedule, &report);
  printf("%s after %u attempts, %.3f s\n", backoff_stop_name(report.stop),
         report.attempts, report.elapsed);
  close(tfd);
  backoff_policy_free(policy);
  return report.stop == BACKOFF_STOP_SUCCESS ? 0 : 1;
}
