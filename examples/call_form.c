/* SPDX-License-Identifier: MIT */
/* The call form: backoff-utils' "Hello, World" in C.
 *
 *   result = backoff(some_function, args=[...], max_tries=3, max_delay=3600,
 *                    strategy=strategies.Exponential)
 *
 * Up to three calls, exponential backoff (1 s, 2 s, ... plus up to 1 s of
 * jitter), never past an hour in total. */
#include <errno.h>
#include <stdio.h>

#include <backoff.h>

struct request {
  const char *arg1, *arg2, *kwarg1;
  int busy_replies; /* how often the "server" is still busy */
};

/* The operation: 0 on success, its own non-zero code on failure. */
static int some_function(void *arg) {
  struct request *req = arg;
  printf("attempt %u: %s %s %s\n", backoff_attempt_number(), req->arg1,
         req->arg2, req->kwarg1);
  return req->busy_replies-- > 0 ? EAGAIN : 0;
}

int main(void) {
  struct request req = {"value1", "value2", "value3", 2};
  backoff_report_t report;
  backoff_options_t options = {
      .strategy = "exponential",
      .max_tries = 3,
      .max_delay = 3600,
      .scale_factor = 0.01, /* demo only: 10 ms, 20 ms, ... */
      .report = &report,
  };
  int rc = backoff(some_function, &req, &options);

  if (rc == 0)
    printf("succeeded after %u calls, %.3f s waited\n", report.attempts,
           report.slept);
  else if (report.stop == BACKOFF_STOP_ERROR)
    printf("libbackoff: %s\n", backoff_last_error());
  else
    printf("gave up (%s), last code %d\n", backoff_stop_name(report.stop),
           report.last_rc);
  return rc == 0 ? 0 : 1;
}
