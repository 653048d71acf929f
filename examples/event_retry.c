/* SPDX-License-Identifier: MIT */
/* The non-blocking schedule driving retries in a libevent loop.
 *
 * Each attempt runs from an evtimer callback; after a failure the schedule
 * says when the retry is due (backoff_schedule_wake_ns, on the policy's
 * monotonic clock) and the timer is re-added for it. Nothing blocks but
 * event_base_dispatch(): the loop keeps serving its other events meanwhile
 * (here a persistent heartbeat). The "service" is down for the first two
 * calls. Exit status 0 on success. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <backoff.h>
#include <event2/event.h>

typedef struct {
  backoff_schedule_t schedule;
  struct event_base *base;
  struct event *retry;
  struct event *heartbeat;
  unsigned ticks;
  int down; /* calls still to fail */
} job_t;

static int try_send(job_t *job) { return job->down-- > 0 ? ECONNREFUSED : 0; }

/* The interval from now until wake_ns, for evtimer_add (relative). */
static struct timeval until(uint64_t wake_ns) {
  uint64_t now = backoff_clock_ns();
  uint64_t us = wake_ns > now ? (wake_ns - now + 999) / 1000 : 0;
  struct timeval tv;
  tv.tv_sec = (time_t)(us / 1000000);
  tv.tv_usec = (suseconds_t)(us % 1000000);
  return tv;
}

static void on_retry_timer(evutil_socket_t fd, short what, void *arg) {
  job_t *job = arg;
  struct timeval tv;
  double delay;
  int rc;

  (void)fd;
  (void)what;
  /* May we call now? (deadline, cancellation) */
  if (backoff_schedule_begin(&job->schedule) != 0) {
    event_base_loopbreak(job->base);
    return;
  }
  rc = try_send(job);
  printf("attempt %u: %s\n", backoff_schedule_attempts(&job->schedule),
         rc == 0 ? "sent" : "connection refused");
  if (backoff_schedule_next(&job->schedule, rc, &delay) != 0) {
    event_base_loopbreak(job->base);
    return;
  }
  printf("  retrying in %.3f s\n", delay);
  tv = until(backoff_schedule_wake_ns(&job->schedule));
  evtimer_add(job->retry, &tv);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg) {
  job_t *job = arg;
  (void)fd;
  (void)what;
  job->ticks++;
}

int main(void) {
  backoff_options_t options = {.strategy = "exponential",
                               .max_tries = 5,
                               .max_delay = 60,
                               .scale_factor = 0.01};
  backoff_policy_t *policy;
  backoff_report_t report;
  struct timeval now = {0, 0}, ms = {0, 1000};
  job_t job = {.down = 2};
  int status = 1;

  if (backoff_policy_new(&policy, &options) != 0) {
    fprintf(stderr, "libbackoff: %s\n", backoff_last_error());
    return 1;
  }
  job.base = event_base_new();
  if (job.base == NULL) {
    fprintf(stderr, "event_base_new failed\n");
    goto fail_base;
  }
  job.retry = evtimer_new(job.base, on_retry_timer, &job);
  job.heartbeat = event_new(job.base, -1, EV_PERSIST, on_heartbeat, &job);
  if (job.retry == NULL || job.heartbeat == NULL) {
    fprintf(stderr, "event_new failed\n");
    goto fail_events;
  }
  backoff_schedule_init(&job.schedule, policy);
  evtimer_add(job.retry, &now); /* first call: now */
  event_add(job.heartbeat, &ms);
  event_base_dispatch(job.base);

  backoff_schedule_report(&job.schedule, &report);
  printf("%s after %u attempts, %.3f s\n", backoff_stop_name(report.stop),
         report.attempts, report.elapsed);
  printf("the loop served %u heartbeats meanwhile\n", job.ticks);
  status = report.stop == BACKOFF_STOP_SUCCESS ? 0 : 1;
fail_events:
  if (job.heartbeat != NULL)
    event_free(job.heartbeat);
  if (job.retry != NULL)
    event_free(job.retry);
  event_base_free(job.base);
fail_base:
  backoff_policy_free(policy);
  return status;
}
