/* SPDX-License-Identifier: MIT */
/* Built by examples/cmake/CMakeLists.txt: an operation that fails twice,
 * retried with a fixed, tiny delay. Prints the outcome; exit 0 on success. */
#include <stdio.h>

#include <backoff.h>

static int fails_twice(void *arg) {
  int *calls = arg;
  return ++*calls < 3 ? 1 : 0;
}

int main(void) {
  backoff_report_t report;
  int calls = 0;
  int rc = backoff(fails_twice, &calls,
                   &(backoff_options_t){.strategy = "fixed",
                                        .params = "sequence=0.001",
                                        .jitter = BACKOFF_JITTER_NONE,
                                        .max_tries = 5,
                                        .report = &report});
  if (rc < 0)
    fprintf(stderr, "retry_demo: %s\n", backoff_last_error());
  printf("retry_demo: %s after %u calls (libbackoff %s)\n",
         backoff_stop_name(report.stop), report.attempts,
         backoff_version_string());
  return rc == 0 ? 0 : 1;
}
