/* SPDX-License-Identifier: MIT */
/* Running the command: spawn, wait with an optional time limit, and pass
 * SIGINT / SIGTERM / SIGHUP received by backoff on to the running child. */
#ifndef BACKOFF_CLI_CHILD_H
#define BACKOFF_CLI_CHILD_H

#include "backoff.h"

typedef struct {
  int spawn_errno; /* non-zero: the command could not be started */
  int status;      /* waitpid() status, when it ran */
  int timed_out;   /* the time limit was reached and SIGTERM sent */
  int killed;      /* ... and SIGKILL after the grace period */
} backoff_child_result_t;

/* backoff_child_setup: install the signal handlers (once, before the first
 * run). A received SIGINT, SIGTERM or SIGHUP is forwarded to the running
 * child and cancels `token` (which wakes a backoff_sleep() on it). A signal
 * that was ignored when backoff started stays ignored, for backoff and for
 * the command. Returns 0 or -1 with errno set. */
int backoff_child_setup(backoff_cancel_t *token);

/* backoff_child_run: run argv (PATH searched) with stdin, stdout, stderr
 * and the environment inherited, and wait for it. timeout > 0 limits the
 * run: SIGTERM at the limit, SIGKILL kill_after seconds later. Returns 0
 * with *r filled (r->spawn_errno set when it could not start), -1 with
 * errno set on a system failure while waiting. */
int backoff_child_run(char *const argv[], double timeout, double kill_after,
                      backoff_child_result_t *r);

/* backoff_child_stop_signal: the first stop signal received, or 0. */
int backoff_child_stop_signal(void);

/* backoff_child_die_by: end the process by signal sig (default action),
 * so that the parent shell sees what really stopped it. Falls back to
 * exit(128 + sig) if the signal does not end it. */
void backoff_child_die_by(int sig) __attribute__((noreturn));

/* backoff_child_signame: "SIGTERM", or "signal 42" (static or buf). */
const char *backoff_child_signame(int sig, char *buf, size_t size);

#endif /* BACKOFF_CLI_CHILD_H */
