/* SPDX-License-Identifier: MIT */
/* make fleet's client: one process of the fleet. Every PERIOD it makes one
 * request (GET / on 127.0.0.1:PORT), retried by libbackoff: up to 6 calls,
 * exponential delays from 5 ms with full jitter; a 503 or a failed
 * connection is a failure. BUDGET is "none", "process" (a budget of this
 * process: backoff_budget_new) or a spec for backoff_budget_open (shm:...,
 * redis://...); every budget is the default token bucket (500 tokens, 5
 * per retry). It stops after DURATION seconds.
 *
 *   client PORT DURATION BUDGET */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "backoff.h"

#define PERIOD 0.1

static struct sockaddr_in server;

static int request(void *arg) {
  static const char get[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  struct timeval tv = {1, 0};
  char buf[64];
  ssize_t n;
  int fd = socket(AF_INET, SOCK_STREAM, 0), rc = 2;

  (void)arg;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, (struct sockaddr *)&server, sizeof(server)) == 0 &&
      write(fd, get, sizeof(get) - 1) == (ssize_t)(sizeof(get) - 1) &&
      (n = read(fd, buf, sizeof(buf) - 1)) > 12) {
    buf[n] = '\0';
    rc = strncmp(buf + 9, "200", 3) == 0 ? 0 : 1;
  }
  close(fd);
  return rc;
}

int main(int argc, char **argv) {
  backoff_options_t o = {.strategy = "exponential",
                         .jitter = BACKOFF_JITTER_FULL,
                         .scale_factor = 0.005,
                         .max_tries = 6};
  backoff_budget_t *budget = NULL;
  backoff_policy_t *policy;
  double duration, start, next;
  int rc;

  if (argc != 4) {
    fprintf(stderr, "usage: client PORT DURATION BUDGET\n");
    return 2;
  }
  memset(&server, 0, sizeof(server));
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)atoi(argv[1]));
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  duration = atof(argv[2]);
  if (strcmp(argv[3], "process") == 0)
    rc = backoff_budget_new(&budget, NULL);
  else if (strcmp(argv[3], "none") != 0)
    rc = backoff_budget_open(&budget, argv[3], NULL);
  else
    rc = 0;
  o.budget = budget;
  if (rc != 0 || (rc = backoff_policy_new(&policy, &o)) != 0) {
    fprintf(stderr, "client: %s\n", backoff_last_error());
    return 1;
  }
  start = next = (double)backoff_clock_ns() / 1e9;
  /* Requests arrive on a fixed schedule, whatever the retries do (an open
   * system, like users); a late one starts at once. */
  while (next - start < duration) {
    double now = (double)backoff_clock_ns() / 1e9;
    if (now < next)
      backoff_sleep(next - now, NULL);
    backoff_run(policy, request, NULL, NULL);
    next += PERIOD;
  }
  backoff_policy_free(policy);
  backoff_budget_free(budget);
  return 0;
}
