/* SPDX-License-Identifier: MIT */
/* The non-blocking schedule driving retries in a GLib main loop.
 *
 * Each attempt runs from a g_timeout source; after a failure the schedule
 * says when the retry is due (backoff_schedule_wake_ns, on the policy's
 * monotonic clock) and a new timeout is added for it. Nothing blocks but
 * g_main_loop_run(): the loop keeps serving its other sources meanwhile
 * (here a heartbeat). The "service" is down for the first two calls. Exit
 * status 0 on success. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <backoff.h>
#include <glib.h>

typedef struct {
  backoff_schedule_t schedule;
  GMainLoop *loop;
  unsigned ticks;
  int down; /* calls still to fail */
} job_t;

static int try_send(job_t *job) { return job->down-- > 0 ? ECONNREFUSED : 0; }

/* Milliseconds from now until wake_ns, rounded up (g_timeout counts ms). */
static guint ms_until(uint64_t wake_ns) {
  uint64_t now = backoff_clock_ns();
  uint64_t ms = wake_ns > now ? (wake_ns - now + 999999) / 1000000 : 0;
  return ms > G_MAXUINT ? G_MAXUINT : (guint)ms;
}

static gboolean on_retry_timeout(gpointer data) {
  job_t *job = data;
  double delay;
  int rc;

  /* May we call now? (deadline, cancellation) */
  if (backoff_schedule_begin(&job->schedule) != 0) {
    g_main_loop_quit(job->loop);
    return G_SOURCE_REMOVE;
  }
  rc = try_send(job);
  printf("attempt %u: %s\n", backoff_schedule_attempts(&job->schedule),
         rc == 0 ? "sent" : "connection refused");
  if (backoff_schedule_next(&job->schedule, rc, &delay) != 0) {
    g_main_loop_quit(job->loop);
    return G_SOURCE_REMOVE;
  }
  printf("  retrying in %.3f s\n", delay);
  g_timeout_add(ms_until(backoff_schedule_wake_ns(&job->schedule)),
                on_retry_timeout, job);
  return G_SOURCE_REMOVE; /* this timeout is done; the next one is added */
}

static gboolean on_heartbeat(gpointer data) {
  job_t *job = data;
  job->ticks++;
  return G_SOURCE_CONTINUE;
}

int main(void) {
  backoff_options_t options = {.strategy = "exponential",
                               .max_tries = 5,
                               .max_delay = 60,
                               .scale_factor = 0.01};
  backoff_policy_t *policy;
  backoff_report_t report;
  job_t job = {.down = 2};
  guint heartbeat;

  if (backoff_policy_new(&policy, &options) != 0) {
    fprintf(stderr, "libbackoff: %s\n", backoff_last_error());
    return 1;
  }
  job.loop = g_main_loop_new(NULL, FALSE);
  backoff_schedule_init(&job.schedule, policy);
  g_timeout_add(0, on_retry_timeout, &job); /* first call: now */
  heartbeat = g_timeout_add(1, on_heartbeat, &job);
  g_main_loop_run(job.loop);
  g_source_remove(heartbeat);

  backoff_schedule_report(&job.schedule, &report);
  printf("%s after %u attempts, %.3f s\n", backoff_stop_name(report.stop),
         report.attempts, report.elapsed);
  printf("the loop served %u heartbeats meanwhile\n", job.ticks);
  g_main_loop_unref(job.loop);
  backoff_policy_free(policy);
  return report.stop == BACKOFF_STOP_SUCCESS ? 0 : 1;
}
