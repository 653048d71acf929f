/* SPDX-License-Identifier: MIT */
/* Running the command, the timeout(1) way.
 *
 * Each attempt is forked into a process group of its own (unless
 * --foreground); --timeout signals the whole group, then SIGKILLs it, and
 * the group is gone before the next attempt starts. Signals are never
 * handled asynchronously: the stop signals (INT, TERM, HUP, QUIT) and
 * SIGCHLD stay blocked in backoff and are read from a signalfd in one poll
 * loop, so a signal is seen exactly once, at a point of the program's
 * choosing, and none is lost between two attempts. */
#ifndef BACKOFF_CLI_CHILD_H
#define BACKOFF_CLI_CHILD_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "backoff.h"

/* How an attempt is run. */
typedef struct {
  double timeout;    /* seconds; 0: no limit */
  double kill_after; /* grace between the timeout signal and SIGKILL */
  int term_signal;   /* the timeout signal (--signal) */
  int foreground;    /* stay in backoff's process group (--foreground) */
} backoff_child_conf_t;

/* What an attempt did. */
typedef struct {
  int spawn_errno; /* non-zero: the command could not be started */
  int status;      /* waitpid() status, when it ran */
  int timed_out;   /* the time limit was reached and the signal sent */
  int killed;      /* ... and SIGKILL was needed */
  int tty_stop;    /* killed after SIGTTIN/SIGTTOU stopped it, or 0 */
  uint64_t start_ns, end_ns;
} backoff_child_result_t;

/* Something else the attempt's poll loop serves besides the child: the
 * stdin feed and the output taps. add() appends its pollfds at pfd (room
 * for BACKOFF_CHILD_IO_FDS) and returns how many; done() handles their
 * revents. Its own failures (out of memory or disk) it keeps to itself:
 * they end retrying, never the running attempt. Once the child has exited,
 * the loop goes on calling them while any of their fds is ready at once,
 * so that output written just before the exit is not lost. */
#define BACKOFF_CHILD_IO_FDS 6
typedef struct backoff_child_io_s {
  int (*add)(void *ctx, struct pollfd *pfd);
  void (*done)(void *ctx, const struct pollfd *pfd, int n);
  int (*pending)(void *ctx); /* output read but not yet written on */
  void *ctx;
} backoff_child_io_t;

/* The file descriptors an attempt gets as 0, 1, 2 (-1: backoff's own). */
typedef struct {
  int fd[3];
} backoff_child_fds_t;

/* backoff_child_record_start: note the signal mask and the ignored signals
 * backoff was started with, before anything changes them; the command gets
 * them back. Call first thing in main(). */
void backoff_child_record_start(void);

/* backoff_child_prepare: give closed fds 0-2 a /dev/null placeholder and
 * block SIGCHLD and the stop signals not ignored at start. Call before
 * anything opens an fd or starts a thread (a budget's) that must not take
 * them; backoff_child_setup does it if nobody did. Returns 0 or -1
 * (errno). */
int backoff_child_prepare(void);

/* backoff_child_setup: block and route to a signalfd SIGCHLD and the stop
 * signals that were not ignored at start, ignore SIGPIPE for backoff, make
 * backoff the reaper of the attempts' orphans. With guarded, also start
 * the guardian: a small process that SIGKILLs the running attempt's group
 * if backoff dies. The first stop signal read cancels token. Returns 0 or
 * -1 (errno). */
int backoff_child_setup(backoff_cancel_t *token, int guarded);

/* backoff_child_poll_signals: read pending signals without waiting.
 * Returns the first stop signal received so far, or 0. */
int backoff_child_poll_signals(void);

/* backoff_child_sleep_until: wait until the monotonic time wake_ns, or
 * until a stop signal arrives. Returns 0 (time passed), 1 (stop signal),
 * or -1 (errno). */
int backoff_child_sleep_until(uint64_t wake_ns);

/* backoff_child_run: run argv with fds, serving io (may be NULL) while it
 * runs. A stop signal received while it runs is sent to it (its group)
 * once. Returns 0 with *r filled (r->spawn_errno set when it could not
 * start), -1 with errno set on a system failure (the child is then
 * killed). */
int backoff_child_run(char *const argv[], const backoff_child_conf_t *conf,
                      const backoff_child_fds_t *fds,
                      const backoff_child_io_t *io, backoff_child_result_t *r);

/* backoff_child_wait_fd: wait until fd is ready for events, while still
 * reading the signals (a stop signal is recorded and forwarded as in the
 * attempt's loop). Returns 0 (ready), 1 (a stop signal came, or
 * deadline_ns passed: UINT64_MAX for none) or -1 (errno). */
int backoff_child_wait_fd(int fd, short events, uint64_t deadline_ns);

/* backoff_child_abort: SIGKILL to the running attempt (its group), for a
 * failure of backoff's own that would otherwise hand it wrong input. */
void backoff_child_abort(void);

/* backoff_child_stop_signal: the first stop signal received, or 0. */
int backoff_child_stop_signal(void);

/* backoff_child_die_by: end the process by signal sig (default action),
 * so that the parent shell sees what really stopped it. Falls back to
 * exit(128 + sig) if the signal does not end it. */
void backoff_child_die_by(int sig) __attribute__((noreturn));

/* backoff_child_signame: "SIGTERM", or "signal 42" (static or buf). */
const char *backoff_child_signame(int sig, char *buf, size_t size);

#endif /* BACKOFF_CLI_CHILD_H */
