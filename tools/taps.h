/* SPDX-License-Identifier: MIT */
/* The attempts' output, when it must be looked at or held back.
 *
 * Without --hold-output and the output predicates the command writes to
 * backoff's own stdout and stderr directly and none of this runs. With
 * them, its stdout (and with a predicate its stderr) is a pipe that
 * backoff reads: predicates are matched line by line while the output
 * streams through; --hold-output keeps each attempt's stdout (memory,
 * then an unlinked file in $TMPDIR) and writes only the last attempt's. */
#ifndef BACKOFF_CLI_TAPS_H
#define BACKOFF_CLI_TAPS_H

#include <poll.h>
#include <stdint.h>

#include "cli_parse.h"
#include "ere.h"

#define BACKOFF_TAPS_LINE 4096 /* longer lines are matched in pieces */
#define BACKOFF_TAPS_OUT 65536 /* read from the pipe, not yet written on */

enum { BACKOFF_TAP_RETRY = 0, BACKOFF_TAP_STOP, BACKOFF_TAP_FAIL };

typedef struct {
  int fd;   /* our end of the attempt's pipe, or -1 */
  int to;   /* 1 or 2: where the output goes */
  int hold; /* kept instead (stdout with --hold-output) */
  size_t line_len;
  int cont; /* line holds the rest of a line matched in part already */
  char line[BACKOFF_TAPS_LINE];
  /* The pipe is read again only once this is written: a slow reader
   * downstream slows the command, never blocks backoff. */
  size_t out_off, out_len;
  char out[BACKOFF_TAPS_OUT];
} backoff_tap_t;

typedef struct {
  int active;  /* anything to do at all */
  int hold;    /* --hold-output */
  int have[3]; /* which predicates were given */
  backoff_ere_t *re[3];
  int matched[3];       /* ... and matched in this attempt */
  backoff_tap_t tap[2]; /* stdout, stderr */
  int child_fd[2];      /* the attempt's ends, until it has them */
  int out_fd[2];        /* where stdout, stderr are written (see open_out) */
  int out_kind[2];
  uint64_t limit;
  char *mem; /* held output: memory, then spill_fd */
  size_t mem_len;
  int spill_fd;
  uint64_t held;
  const char *lost; /* why a retry is impossible, or NULL */
  /* Until when a write may wait for downstream during an attempt (its
   * --timeout; UINT64_MAX: no limit): held output written out mid-attempt
   * must not keep the attempt from being timed out. */
  uint64_t deadline_ns;
} backoff_taps_t;

/* backoff_taps_open: from the options. Returns 0, or -1 with a one-line
 * message in err (a bad expression). */
int backoff_taps_open(backoff_taps_t *t, const backoff_cli_t *cli, char *err,
                      size_t errlen);

/* backoff_taps_begin: before an attempt: its stdout and stderr fds (-1:
 * backoff's own). Returns 0, or -1 with errno set. */
int backoff_taps_begin(backoff_taps_t *t, int *out_fd, int *err_fd);

int backoff_taps_add(backoff_taps_t *t, struct pollfd *pfd);
void backoff_taps_done(backoff_taps_t *t, const struct pollfd *pfd, int n);

/* backoff_taps_pending: output read from the attempt waits to be written. */
int backoff_taps_pending(const backoff_taps_t *t);

/* backoff_taps_end: after the attempt: closes its pipes, matches what is
 * left of the last lines. */
void backoff_taps_end(backoff_taps_t *t);

/* backoff_taps_release: write the held output of the attempt that ended
 * (the last one); waits for a slow reader, but not past a stop signal.
 * Returns 0, or -1 if not all of it could be written.
 * backoff_taps_drop: forget it (a retry follows). */
int backoff_taps_release(backoff_taps_t *t);
void backoff_taps_drop(backoff_taps_t *t);

void backoff_taps_close(backoff_taps_t *t);

#endif /* BACKOFF_CLI_TAPS_H */
