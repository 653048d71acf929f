/* SPDX-License-Identifier: MIT */
/* The attempts' output (see taps.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "io.h"
#include "taps.h"

#define CHUNK ((size_t)1 << 16)
#define MEMORY ((size_t)1 << 20) /* held in memory before spilling */

enum { OUT_DEVICE = 0, OUT_FILE, OUT_PIPE, OUT_SOCKET };

/* backoff's stdout or stderr, written without ever blocking in write():
 * O_NONBLOCK on fd 1 itself would change the open file description the
 * shell and the other commands of a pipeline share, so a pipe is opened
 * again, privately, through /proc; a socket is sent to with MSG_DONTWAIT;
 * a terminal or device gets small writes once poll() says it has room. */
static void open_out(backoff_taps_t *t, int i) {
  char path[32];
  struct stat st;
  int fd;

  t->out_fd[i] = i + 1;
  t->out_kind[i] = OUT_DEVICE;
  if (fstat(i + 1, &st) != 0)
    return;
  if (S_ISREG(st.st_mode))
    t->out_kind[i] = OUT_FILE;
  else if (S_ISSOCK(st.st_mode))
    t->out_kind[i] = OUT_SOCKET;
  else if (S_ISFIFO(st.st_mode)) {
    snprintf(path, sizeof(path), "/proc/self/fd/%d", i + 1);
    if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0) {
      t->out_fd[i] = fd;
      t->out_kind[i] = OUT_PIPE;
    }
  }
}

/* Writes what it can of p now; -1 with EAGAIN when there is no room. */
static ssize_t out_write(const backoff_taps_t *t, int i, const char *p,
                         size_t n) {
  struct pollfd pfd;

  switch (t->out_kind[i]) {
  case OUT_SOCKET:
    return send(t->out_fd[i], p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
  case OUT_DEVICE:
    pfd.fd = t->out_fd[i];
    pfd.events = POLLOUT;
    if (poll(&pfd, 1, 0) == 0) {
      errno = EAGAIN;
      return -1;
    }
    if (n > PIPE_BUF)
      n = PIPE_BUF;
    break;
  default:
    break;
  }
  return write(t->out_fd[i], p, n);
}

static int would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

/* All of p on stdout or stderr, waiting for room while the signals are
 * still read; gives up on a stop signal or at t->deadline_ns. Returns 0,
 * or -1. */
static int out_all(const backoff_taps_t *t, int i, const char *p, size_t n) {
  while (n > 0) {
    const ssize_t w = out_write(t, i, p, n);
    if (w > 0) {
      p += w;
      n -= (size_t)w;
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w == 0 || !would_block(errno) ||
               backoff_child_wait_fd(t->out_fd[i], POLLOUT, t->deadline_ns) !=
                   0) {
      return -1;
    }
  }
  return 0;
}

/* Writes what it can now of the tap's buffer. Returns -1 when downstream
 * is gone (the buffer is then dropped). */
static int out_flush(const backoff_taps_t *t, backoff_tap_t *tap) {
  while (tap->out_off < tap->out_len) {
    const ssize_t w = out_write(t, tap->to - 1, tap->out + tap->out_off,
                                tap->out_len - tap->out_off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && would_block(errno))
      return 0;
    if (w <= 0) {
      tap->out_off = tap->out_len = 0;
      return -1;
    }
    tap->out_off += (size_t)w;
  }
  tap->out_off = tap->out_len = 0;
  return 0;
}

int backoff_taps_open(backoff_taps_t *t, const backoff_cli_t *cli, char *err,
                      size_t errlen) {
  const char *pat[3];
  int i;

  memset(t, 0, sizeof(*t));
  t->spill_fd = t->tap[0].fd = t->tap[1].fd = -1;
  t->child_fd[0] = t->child_fd[1] = -1;
  t->out_fd[0] = 1;
  t->out_fd[1] = 2;
  t->tap[0].to = 1;
  t->tap[1].to = 2;
  t->hold = t->tap[0].hold = cli->hold_output;
  t->limit = cli->stdin_limit;
  t->deadline_ns = UINT64_MAX;
  pat[BACKOFF_TAP_RETRY] = cli->retry_if_output;
  pat[BACKOFF_TAP_STOP] = cli->stop_if_output;
  pat[BACKOFF_TAP_FAIL] = cli->fail_if_output;
  for (i = 0; i < 3; i++) {
    if (pat[i] == NULL)
      continue;
    if ((t->re[i] = backoff_ere_compile(pat[i], err, errlen)) == NULL) {
      backoff_taps_close(t);
      return -1;
    }
    t->have[i] = 1;
  }
  t->active = t->hold || t->have[0] || t->have[1] || t->have[2];
  if (t->active) {
    open_out(t, 0);
    open_out(t, 1);
  }
  return 0;
}

static int any_predicate(const backoff_taps_t *t) {
  return t->have[0] || t->have[1] || t->have[2];
}

static int open_tap(backoff_taps_t *t, int i, int *child) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0)
    return -1;
  t->tap[i].fd = p[0];
  t->tap[i].line_len = 0;
  t->tap[i].cont = 0;
  t->child_fd[i] = *child = p[1];
  return 0;
}

int backoff_taps_begin(backoff_taps_t *t, int *out_fd, int *err_fd) {
  *out_fd = *err_fd = -1;
  memset(t->matched, 0, sizeof(t->matched));
  if (!t->active)
    return 0;
  if (open_tap(t, 0, out_fd) != 0)
    return -1;
  if (any_predicate(t) && open_tap(t, 1, err_fd) != 0)
    return -1;
  return 0;
}

/* Matches the line, or a piece of a line longer than BACKOFF_TAPS_LINE:
 * '^' only at the start of its first piece, '$' only at the end of its
 * last (last: the newline or the end of the output came). */
static void match_piece(backoff_taps_t *t, backoff_tap_t *tap, int last) {
  const int flags =
      (tap->cont ? BACKOFF_ERE_NOTBOL : 0) | (last ? 0 : BACKOFF_ERE_NOTEOL);
  int i;

  for (i = 0; i < 3; i++)
    if (t->have[i] && !t->matched[i] &&
        backoff_ere_match(t->re[i], tap->line, tap->line_len, flags))
      t->matched[i] = 1;
  tap->line_len = 0;
  tap->cont = !last;
}

/* At the end of the output: its last line, if it had no newline. */
static void match_line(backoff_taps_t *t, backoff_tap_t *tap) {
  if (tap->line_len > 0 || tap->cont)
    match_piece(t, tap, 1);
}

static void scan(backoff_taps_t *t, backoff_tap_t *tap, const char *p,
                 size_t n) {
  size_t i;
  if (!any_predicate(t))
    return;
  for (i = 0; i < n; i++) {
    if (p[i] == '\n') {
      match_piece(t, tap, 1);
      continue;
    }
    if (tap->line_len == BACKOFF_TAPS_LINE)
      match_piece(t, tap, 0);
    /* A NUL is matched as a space: '.', '[^x]' and '\s' match it, and no
     * pattern (a C string) could name it. */
    tap->line[tap->line_len++] = p[i] != '\0' ? p[i] : ' ';
  }
}

/* Keeps what it can of n bytes of output: memory, then the spill file.
 * Returns how many it kept (n unless out of memory or disk). */
static size_t keep_held(backoff_taps_t *t, const char *p, size_t n) {
  size_t take = t->mem_len < MEMORY ? MEMORY - t->mem_len : 0;

  if (take > n)
    take = n;
  if (take > 0) {
    if (t->mem == NULL && (t->mem = malloc(MEMORY)) == NULL)
      return 0;
    memcpy(t->mem + t->mem_len, p, take);
    t->mem_len += take;
    t->held += take;
  }
  if (take == n)
    return n;
  if (t->spill_fd < 0 && (t->spill_fd = backoff_cli_tempfile("output")) < 0)
    return take;
  if (backoff_cli_write_all(t->spill_fd, p + take, n - take) != 0)
    return take;
  t->held += n - take;
  return n;
}

/* Past the limit or out of memory or disk: what is held is written out,
 * the rest streams, and no retry follows (a second answer downstream is
 * what --hold-output exists to prevent). Returns how many of the n bytes
 * were kept. */
static size_t hold(backoff_taps_t *t, backoff_tap_t *tap, const char *p,
                   size_t n) {
  static char why[160];
  size_t kept = 0;

  if (t->held + n > t->limit) {
    t->lost = "its held output is over the limit (--stdin-limit)";
  } else if ((kept = keep_held(t, p, n)) == n) {
    return n;
  } else {
    snprintf(why, sizeof(why), "cannot hold its output: %s", strerror(errno));
    t->lost = why;
  }
  (void)backoff_taps_release(t);
  tap->hold = 0;
  return kept;
}

/* Downstream is gone: so is the pipe, and the command learns it (EPIPE,
 * SIGPIPE) as if it had written there itself. */
static void cut(backoff_tap_t *tap) {
  close(tap->fd);
  tap->fd = -1;
}

/* Reads the pipe into the tap's (empty) buffer and writes what it can. */
static void pump(backoff_taps_t *t, backoff_tap_t *tap) {
  /* With patterns to match, a read takes one line piece at most: the
   * loop sees its deadline and signals between pieces, each matched in a
   * bounded number of steps. */
  const size_t want = any_predicate(t) ? BACKOFF_TAPS_LINE : sizeof(tap->out);
  ssize_t n;

  do
    n = read(tap->fd, tap->out, want);
  while (n < 0 && errno == EINTR);
  if (n <= 0) {
    match_line(t, tap);
    cut(tap);
    return;
  }
  scan(t, tap, tap->out, (size_t)n);
  tap->out_off = 0;
  if (tap->hold &&
      (tap->out_off = hold(t, tap, tap->out, (size_t)n)) == (size_t)n)
    return;
  tap->out_len = (size_t)n;
  if (out_flush(t, tap) != 0)
    cut(tap);
}

int backoff_taps_add(backoff_taps_t *t, struct pollfd *pfd) {
  int i, n = 0;

  for (i = 0; i < 2; i++) {
    if (t->child_fd[i] >= 0) { /* the attempt has its own copy now */
      close(t->child_fd[i]);
      t->child_fd[i] = -1;
    }
    if (t->tap[i].out_off < t->tap[i].out_len) {
      pfd[n].fd = t->out_fd[i];
      pfd[n].events = POLLOUT;
    } else if (t->tap[i].fd >= 0) {
      pfd[n].fd = t->tap[i].fd;
      pfd[n].events = POLLIN;
    } else {
      continue;
    }
    pfd[n].revents = 0;
    n++;
  }
  return n;
}

int backoff_taps_pending(const backoff_taps_t *t) {
  return t->tap[0].out_off < t->tap[0].out_len ||
         t->tap[1].out_off < t->tap[1].out_len;
}

void backoff_taps_done(backoff_taps_t *t, const struct pollfd *pfd, int n) {
  int i, j;
  for (j = 0; j < n; j++)
    for (i = 0; i < 2; i++) {
      backoff_tap_t *tap = &t->tap[i];
      if (pfd[j].revents == 0)
        continue;
      if (pfd[j].events == POLLIN && pfd[j].fd == tap->fd)
        pump(t, tap);
      else if (pfd[j].events == POLLOUT && pfd[j].fd == t->out_fd[i] &&
               out_flush(t, tap) != 0 && tap->fd >= 0)
        cut(tap);
    }
}

void backoff_taps_end(backoff_taps_t *t) {
  int i;
  for (i = 0; i < 2; i++) {
    if (t->child_fd[i] >= 0)
      close(t->child_fd[i]);
    t->child_fd[i] = -1;
    match_line(t, &t->tap[i]);
    if (t->tap[i].fd >= 0)
      close(t->tap[i].fd);
    t->tap[i].fd = -1;
    t->tap[i].hold = t->hold;
    /* Not taken downstream within the attempt's time (see flush_io). */
    t->tap[i].out_off = t->tap[i].out_len = 0;
  }
}

int backoff_taps_release(backoff_taps_t *t) {
  char buf[CHUNK];
  uint64_t at = 0;
  const uint64_t spilled = t->held - t->mem_len;
  ssize_t r = 1;

  if (t->mem_len > 0 && out_all(t, 0, t->mem, t->mem_len) != 0)
    r = -1;
  while (t->spill_fd >= 0 && at < spilled && r > 0) {
    const uint64_t left = spilled - at;
    r = pread(t->spill_fd, buf, left < CHUNK ? (size_t)left : CHUNK,
              (off_t)at);
    if (r > 0 && out_all(t, 0, buf, (size_t)r) != 0)
      r = -1;
    at += r > 0 ? (uint64_t)r : 0;
  }
  backoff_taps_drop(t);
  return r < 0 ? -1 : 0;
}

void backoff_taps_drop(backoff_taps_t *t) {
  t->mem_len = 0;
  t->held = 0;
  if (t->spill_fd >= 0)
    close(t->spill_fd);
  t->spill_fd = -1;
}

void backoff_taps_close(backoff_taps_t *t) {
  int i;
  backoff_taps_end(t);
  backoff_taps_drop(t);
  free(t->mem);
  t->mem = NULL;
  for (i = 0; i < 3; i++)
    if (t->have[i])
      backoff_ere_free(t->re[i]);
  memset(t->have, 0, sizeof(t->have));
  for (i = 0; i < 2; i++) {
    if (t->out_kind[i] == OUT_PIPE)
      close(t->out_fd[i]);
    t->out_fd[i] = i + 1;
    t->out_kind[i] = OUT_DEVICE;
  }
}
