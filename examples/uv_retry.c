/* SPDX-License-Identifier: MIT */
/* The non-blocking schedule driving retries in a libuv loop.
 *
 * Each attempt runs from a uv_timer callback; after a failure the schedule
 * says when the retry is due (backoff_schedule_wake_ns, on the policy's
 * monotonic clock) and the timer is re-armed for it. Nothing blocks but
 * uv_run(): the loop keeps serving its other handles meanwhile (here a
 * heartbeat timer). The "service" is down for the first two calls. Exit
 * status 0 on success. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <backoff.h>
#include <uv.h>

typedef struct {
  backoff_schedule_t schedule;
  uv_timer_t retry;
  uv_timer_t heartbeat;
  unsigned ticks;
  int down; /* calls still to fail */
} job_t;

static int try_send(job_t *job) { return job->down-- > 0 ? ECONNREFUSED : 0; }

/* Milliseconds from now until wake_ns, rounded up (uv timers count in ms). */
static uint64_t ms_until(uint64_t wake_ns) {
  uint64_t now = backoff_clock_ns();
  return wake_ns > now ? (wake_ns - now + 999999) / 1000000 : 0;
}

static void finish(job_t *job) {
  uv_close((uv_handle_t *)&job->retry, NULL);
  uv_close((uv_handle_t *)&job->heartbeat, NULL);
}

static void on_retry_timer(uv_timer_t *timer) {
  job_t *job = timer->data;
  double delay;
  int rc;

  /* May we call now? (deadline, cancellation) */
  if (backoff_schedule_begin(&job->schedule) != 0) {
    finish(job);
    return;
  }
  rc = try_send(job);
  printf("attempt %u: %s\n", backoff_schedule_attempts(&job->schedule),
         rc == 0 ? "sent" : "connection refused");
  if (backoff_schedule_next(&job->schedule, rc, &delay) != 0) {
    finish(job);
    return;
  }
  printf("  retrying in %.3f s\n", delay);
  uv_timer_start(&job->retry, on_retry_timer,
                 ms_until(backoff_schedule_wake_ns(&job->schedule)), 0);
}

static void on_heartbeat(uv_timer_t *timer) {
  job_t *job = timer->data;
  job->ticks++;
}

int main(void) {
  backoff_options_t options = {.strategy = "exponential",
                               .max_tries = 5,
                               .max_delay = 60,
                               .scale_factor = 0.01};
  backoff_policy_t *policy;
  backoff_report_t report;
  uv_loop_t *loop = uv_default_loop();
  job_t job = {.down = 2};

  if (backoff_policy_new(&policy, &options) != 0) {
    fprintf(stderr, "libbackoff: %s\n", backoff_last_error());
    return 1;
  }
  backoff_schedule_init(&job.schedule, policy);
  uv_timer_init(loop, &job.retry);
  uv_timer_init(loop, &job.heartbeat);
  job.retry.data = &job;
  job.heartbeat.data = &job;
  uv_timer_start(&job.retry, on_retry_timer, 0, 0); /* first call: now */
  uv_timer_start(&job.heartbeat, on_heartbeat, 1, 1);
  uv_run(loop, UV_RUN_DEFAULT);

  backoff_schedule_report(&job.schedule, &report);
  printf("%s after %u attempts, %.3f s\n", backoff_stop_name(report.stop),
         report.attempts, report.elapsed);
  printf("the loop served %u heartbeats meanwhile\n", job.ticks);
  backoff_policy_free(policy);
  uv_loop_close(loop);
  return report.stop == BACKOFF_STOP_SUCCESS ? 0 : 1;
}
