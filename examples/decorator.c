/* SPDX-License-Identifier: MIT */
/* The decorator form: backoff-utils' @apply_backoff in C.
 *
 * BACKOFF_APPLY defines fetch_retrying() with fetch()'s own signature and
 * return codes: a drop-in replacement that retries. Its policy is checked
 * and built once, on first use, thread-safely. */
#include <errno.h>
#include <stdio.h>

#include <backoff.h>

struct fetch {
  const char *url;
  int timeouts; /* how many times the "network" times out */
};

static int fetch(void *arg) {
  struct fetch *f = arg;
  printf("GET %s (attempt %u)\n", f->url, backoff_attempt_number());
  return f->timeouts-- > 0 ? ETIMEDOUT : 0;
}

/* Retry only timeouts; any other failure is returned at once. In a static
 * initializer the code list must be a named array. */
static const int transient[] = {ETIMEDOUT, EAGAIN};

static BACKOFF_APPLY(fetch_retrying, fetch, .strategy = "exponential",
                     .max_tries = 3, .max_delay = 3600, .retry_on = transient,
                     .retry_on_count = 2,
                     .scale_factor = 0.01) /* demo only: 10 ms, 20 ms */

    int main(void) {
  struct fetch f = {"https://example.com/status", 2};
  int rc = fetch_retrying(&f);

  if (rc < 0) /* a BACKOFF_E* code: the policy could not be built */
    fprintf(stderr, "libbackoff: %s\n", backoff_last_error());
  else
    printf("fetch_retrying: %d (%s)\n", rc, rc == 0 ? "ok" : "failed");
  return rc == 0 ? 0 : 1;
}
