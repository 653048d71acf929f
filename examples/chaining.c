/* SPDX-License-Identifier: MIT */
/* Chaining, as in backoff-utils' docs: a retried call inside another one,
 * each retrying different failures.
 *
 * The inner layer retries a busy server (EAGAIN) on the same connection;
 * the outer layer retries a dropped connection (ECONNRESET) by
 * reconnecting. Each wrapper returns its operation's own codes, so the
 * inner one passes ECONNRESET straight up to the outer one. */
#include <errno.h>
#include <stdio.h>

#include <backoff.h>

/* What the "server" answers, call after call. */
static const int replies[] = {EAGAIN, ECONNRESET, EAGAIN, 0};
static unsigned next_reply;

static int query(void *arg) {
  (void)arg;
  int rc = replies[next_reply++];
  printf("  query attempt %u: %s\n", backoff_attempt_number(),
         rc == 0        ? "ok"
         : rc == EAGAIN ? "busy"
                        : "connection reset");
  return rc;
}

static const int busy[] = {EAGAIN};
static BACKOFF_APPLY(query_retrying, query, .max_tries = 5, .retry_on = busy,
                     .retry_on_count = 1, .scale_factor = 0.01) /* demo only */

    static int connect_and_query(void *arg) {
  printf("connect (attempt %u)\n", backoff_attempt_number());
  return query_retrying(arg);
}

static const int dropped[] = {ECONNRESET};
static BACKOFF_APPLY(session_retrying, connect_and_query, .max_tries = 3,
                     .strategy = "fibonacci", .retry_on = dropped,
                     .retry_on_count = 1, .scale_factor = 0.01) /* demo only */

    int main(void) {
  int rc = session_retrying(NULL);
  printf("result: %d after %u queries\n", rc, next_reply);
  return rc == 0 && next_reply == 4 ? 0 : 1;
}
