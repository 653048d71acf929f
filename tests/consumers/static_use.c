/* SPDX-License-Identifier: MIT */
/* A consumer linked -static with `pkg-config --static --libs libbackoff`
 * (tests/consumers/static_link.sh): a retried call through a policy, so the
 * objects that need libm (llround, floor) and libltdl are linked in. The
 * strategy is opened by path; it prints its delays and the attempts. */
#include <stdio.h>
#include <stdlib.h>

#include <backoff.h>

static int fails_twice(void *arg) {
  int *calls = arg;
  return ++*calls < 3 ? 7 : 0;
}

int main(int argc, char **argv) {
  backoff_policy_t *policy;
  backoff_report_t report;
  int calls = 0;
  int rc;

  if (argc != 2) {
    fprintf(stderr, "usage: static_use STRATEGY\n");
    return 2;
  }
  rc = backoff_policy_new(&policy,
                          &(backoff_options_t){.strategy = argv[1],
                                               .max_tries = 5,
                                               .scale_factor = 1e-6,
                                               .jitter = BACKOFF_JITTER_NONE});
  if (rc != 0) {
    fprintf(stderr, "static_use: %s: %s\n", backoff_strerror(rc),
            backoff_last_error());
    return 1;
  }
  rc = backoff_run(policy, fails_twice, &calls, &report);
  backoff_policy_free(policy);
  printf("rc=%d calls=%d attempts=%u version=%s\n", rc, calls, report.attempts,
         backoff_version_string());
  return rc == 0 && calls == 3 ? 0 : 1;
}
