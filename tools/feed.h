/* SPDX-License-Identifier: MIT */
/* The attempts' stdin: every attempt sees the same input.
 *
 * A regular file is rewound to where it stood when backoff started. A
 * pipe, FIFO or connected stream socket is teed: what backoff reads goes to
 * the attempt and into a copy (memory, then an unlinked file in $TMPDIR past
 * BACKOFF_FEED_MEMORY), and a retry is first fed the copy, then the rest
 * of the stream. backoff reads only when the attempt's pipe has room, so
 * input the command never reads is never read. Past the limit the copy is
 * dropped and no retry is made: a retry never gets partial input. */
#ifndef BACKOFF_CLI_FEED_H
#define BACKOFF_CLI_FEED_H

#include <poll.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_parse.h"

#define BACKOFF_FEED_MEMORY ((size_t)1 << 20) /* kept in memory, bytes */

typedef enum {
  BACKOFF_FEED_INHERIT = 0, /* fd 0 as it is (pass, a terminal, other) */
  BACKOFF_FEED_NULL,        /* /dev/null */
  BACKOFF_FEED_REWIND,      /* a regular file, back to its start offset */
  BACKOFF_FEED_TEE          /* a pipe, FIFO or socket, copied */
} backoff_feed_kind_t;

typedef struct {
  backoff_feed_kind_t kind;
  uint64_t limit;       /* most bytes kept */
  int64_t start_offset; /* REWIND: where fd 0 stood */
  int child_fd;         /* this attempt's stdin, in backoff (-1) */
  /* TEE */
  int wfd;       /* our end of the attempt's stdin pipe, or -1 */
  int wfd_ready; /* it had room when last polled */
  int src_eof;   /* fd 0 is at end of file */
  int tee_ok;    /* fd 0 is a pipe: tee(2) and splice(2) serve */
  char *mem;     /* the first BACKOFF_FEED_MEMORY bytes kept */
  size_t mem_len;
  int spill_fd;  /* the rest, in an unlinked file, or -1 */
  uint64_t kept; /* bytes in the copy */
  uint64_t fed;  /* bytes of the copy given to this attempt */
  char *buf;     /* staging for what cannot be spliced */
  size_t buf_len, buf_pos;
  const char *lost; /* why the copy was dropped (no retry), or NULL */
} backoff_feed_t;

/* backoff_feed_open: decide from mode and what fd 0 is. Returns 0, or -1
 * with errno set (out of memory). */
int backoff_feed_open(backoff_feed_t *f, backoff_cli_stdin_t mode,
                      uint64_t limit);

/* backoff_feed_begin: before an attempt: *child_fd is the fd to give it
 * as stdin (-1: backoff's own). Returns 0, or -1 with errno set. */
int backoff_feed_begin(backoff_feed_t *f, int *child_fd);

/* The attempt's poll loop (child.h's backoff_child_io_t). */
int backoff_feed_add(backoff_feed_t *f, struct pollfd *pfd);
void backoff_feed_done(backoff_feed_t *f, const struct pollfd *pfd, int n);

/* backoff_feed_end: after an attempt (closes its end of the pipe). */
void backoff_feed_end(backoff_feed_t *f);

/* backoff_feed_refusal: why no retry can get the same input, or NULL. */
const char *backoff_feed_refusal(const backoff_feed_t *f);

void backoff_feed_close(backoff_feed_t *f);

#endif /* BACKOFF_CLI_FEED_H */
