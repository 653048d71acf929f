/* SPDX-License-Identifier: MIT */
/* The attempts' stdin (see feed.h). With fd 0 a pipe, the copy costs one
 * copy of each byte: tee(2) duplicates it into the attempt's pipe without
 * consuming it, then read(2) takes it into the copy; past the limit,
 * splice(2) moves it without copying at all. fd 0 itself is never made
 * non-blocking (its open file description is shared with other processes):
 * it is read only after poll() says it is readable. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "feed.h"
#include "io.h"

#define CHUNK ((size_t)1 << 16) /* one read or write */
#define PIPE_SIZE (1 << 20)     /* the attempt's pipe, when allowed */
#define SPLICE_LEN ((size_t)1 << 20)

/* A connected stream socket is input like a pipe. Any other (listening,
 * datagram) is something the command does more with than read: passed as
 * it is. */
static int stream_socket(int fd) {
  int type = 0, listening = 0;
  socklen_t len = sizeof(type);

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
      type != SOCK_STREAM)
    return 0;
  len = sizeof(listening);
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
         !listening;
}

int backoff_feed_open(backoff_feed_t *f, backoff_cli_stdin_t mode,
                      uint64_t limit) {
  static char why[160];
  struct stat st;

  memset(f, 0, sizeof(*f));
  f->child_fd = f->wfd = f->spill_fd = -1;
  f->limit = limit;
  if (mode == BACKOFF_CLI_STDIN_NULL) {
    f->kind = BACKOFF_FEED_NULL;
    return 0;
  }
  if (mode == BACKOFF_CLI_STDIN_PASS || isatty(0))
    return 0; /* INHERIT */
  /* Not knowing what fd 0 is or where it stands (EOVERFLOW past 2 GiB
   * without large file support), a retry could not be given the same
   * input: it runs once, as with pass, and is not retried. */
  if (fstat(0, &st) != 0) {
    snprintf(why, sizeof(why), "cannot tell what its stdin is: %s",
             strerror(errno));
    f->lost = why;
    return 0;
  }
  if (S_ISREG(st.st_mode)) {
    const off_t at = lseek(0, 0, SEEK_CUR);
    if (at < 0) {
      snprintf(why, sizeof(why), "cannot tell where its stdin stands: %s",
               strerror(errno));
      f->lost = why;
      return 0;
    }
    f->kind = BACKOFF_FEED_REWIND;
    f->start_offset = (int64_t)at;
    return 0;
  }
  if (!S_ISFIFO(st.st_mode) && !stream_socket(0))
    return 0; /* a device: what a retry reads is its business */
  f->kind = BACKOFF_FEED_TEE;
  f->tee_ok = S_ISFIFO(st.st_mode);
  if ((f->buf = malloc(CHUNK)) == NULL)
    return -1;
  return 0;
}

static void drop_copy(backoff_feed_t *f, const char *why) {
  if (f->lost == NULL)
    f->lost = why;
  free(f->mem);
  f->mem = NULL;
  f->mem_len = 0;
  if (f->spill_fd >= 0)
    close(f->spill_fd);
  f->spill_fd = -1;
  f->kept = f->fed = 0;
}

int backoff_feed_begin(backoff_feed_t *f, int *child_fd) {
  int p[2];

  *child_fd = -1;
  switch (f->kind) {
  case BACKOFF_FEED_INHERIT:
    return 0;
  case BACKOFF_FEED_NULL:
    f->child_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    break;
  case BACKOFF_FEED_REWIND:
    return lseek(0, (off_t)f->start_offset, SEEK_SET) < 0 ? -1 : 0;
  case BACKOFF_FEED_TEE:
    if (pipe2(p, O_CLOEXEC) != 0)
      return -1;
    f->child_fd = p[0];
    f->wfd = p[1];
    /* A bigger pipe means fewer wake-ups, but what sits in it unread
     * counts against the limit: only where that is small beside it. */
    if (f->limit >= 4 * (uint64_t)PIPE_SIZE)
      (void)fcntl(f->wfd, F_SETPIPE_SZ, PIPE_SIZE);
    if (fcntl(f->wfd, F_SETFL, O_NONBLOCK) != 0)
      return -1;
    f->wfd_ready = 1;
    f->fed = 0;
    f->buf_len = f->buf_pos = 0;
    break;
  }
  *child_fd = f->child_fd;
  return f->child_fd < 0 ? -1 : 0;
}

static void close_wfd(backoff_feed_t *f) {
  if (f->wfd >= 0)
    close(f->wfd);
  f->wfd = -1;
}

/* Appends to the copy: memory first, then the spill file. */
static int append(backoff_feed_t *f, const char *p, size_t n) {
  if (f->mem_len < BACKOFF_FEED_MEMORY) {
    size_t take = BACKOFF_FEED_MEMORY - f->mem_len;
    if (take > n)
      take = n;
    if (f->mem == NULL && (f->mem = malloc(BACKOFF_FEED_MEMORY)) == NULL)
      return -1;
    memcpy(f->mem + f->mem_len, p, take);
    f->mem_len += take;
    f->kept += take;
    p += take;
    n -= take;
  }
  if (n > 0 && f->spill_fd < 0 &&
      (f->spill_fd = backoff_cli_tempfile("stdin")) < 0)
    return -1;
  if (n > 0 && backoff_cli_write_all(f->spill_fd, p, n) != 0)
    return -1; /* the copy is dropped: kept no longer matters */
  f->kept += n;
  return 0;
}

/* Keeps n bytes just read into buf; past the limit or on failure, drops
 * the copy and leaves them in buf for this attempt alone. */
static void keep(backoff_feed_t *f, size_t n, int written) {
  static char why[160];

  if (f->lost == NULL && f->kept + n > f->limit) {
    drop_copy(f, "its stdin is over --stdin-limit");
  } else if (f->lost == NULL && append(f, f->buf, n) != 0) {
    snprintf(why, sizeof(why), "cannot keep a copy of stdin: %s",
             strerror(errno));
    drop_copy(f, why);
  } else if (f->lost == NULL) {
    if (written)
      f->fed += n;
    return;
  }
  if (!written) {
    f->buf_pos = 0;
    f->buf_len = n;
  }
}

/* What this attempt is owed next: the copy from f->fed, or buf. Returns
 * 1 with *p, *n set, 0 when nothing is, -1 when the copy cannot be read
 * back: the attempt is then killed (an end of input after part of it
 * would be a wrong answer) and not retried. */
static int next_chunk(backoff_feed_t *f, const char **p, size_t *n) {
  if (f->fed < f->kept && f->fed < f->mem_len) {
    *p = f->mem + f->fed;
    *n = f->mem_len - (size_t)f->fed;
  } else if (f->fed < f->kept) {
    const uint64_t left = f->kept - f->fed;
    const ssize_t r =
        pread(f->spill_fd, f->buf, left < CHUNK ? (size_t)left : CHUNK,
              (off_t)(f->fed - f->mem_len));
    if (r <= 0) {
      drop_copy(f, "cannot read back the copy of stdin");
      backoff_child_abort();
      return -1;
    }
    *p = f->buf;
    *n = (size_t)r;
  } else if (f->buf_pos < f->buf_len) {
    *p = f->buf + f->buf_pos;
    *n = f->buf_len - f->buf_pos;
  } else {
    return 0;
  }
  if (*n > CHUNK)
    *n = CHUNK;
  return 1;
}

/* Writes what this attempt is owed, while its pipe has room. */
static void write_pending(backoff_feed_t *f) {
  while (f->wfd >= 0) {
    const char *p;
    size_t n;
    ssize_t w;
    const int have = next_chunk(f, &p, &n);

    if (have <= 0) {
      if (have < 0)
        close_wfd(f);
      return;
    }
    w = write(f->wfd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && errno == EAGAIN) {
      f->wfd_ready = 0;
      return;
    }
    if (w < 0) {
      close_wfd(f); /* EPIPE: the command closed its stdin */
      return;
    }
    if (f->fed < f->kept)
      f->fed += (uint64_t)w;
    else
      f->buf_pos += (size_t)w;
  }
}

static int pending(const backoff_feed_t *f) {
  return f->fed < f->kept || f->buf_pos < f->buf_len;
}

/* Reads fd 0 through tee(2) or splice(2). Returns 0, or -1 when the
 * pipes cannot do it (fall back to read(2)). */
static int pump_pipe(backoff_feed_t *f) {
  ssize_t n;

  if (f->lost == NULL)
    n = tee(0, f->wfd, SPLICE_LEN, SPLICE_F_NONBLOCK);
  else
    n = splice(0, NULL, f->wfd, NULL, SPLICE_LEN,
               SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
  /* EINVAL: not pipes after all; ENOMEM and the like: read(2) may still
   * do (rather than poll again on the same readable fd 0 for ever). */
  if (n < 0 && errno != EAGAIN && errno != EPIPE && errno != EINTR) {
    f->tee_ok = 0;
    return -1;
  }
  if (n == 0)
    f->src_eof = 1;
  if (n < 0 && errno == EAGAIN)
    f->wfd_ready = 0;
  else if (n < 0 && errno == EPIPE)
    close_wfd(f);
  if (n <= 0 || f->lost != NULL)
    return 0;
  /* The n bytes are now in the attempt's pipe: take them into the copy. */
  while (n > 0) {
    const ssize_t r = read(0, f->buf, (size_t)n < CHUNK ? (size_t)n : CHUNK);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      /* Bytes the attempt already has stay in fd 0 (or were taken by
       * another reader): reading on would feed them twice. */
      drop_copy(f, "cannot read its stdin");
      f->src_eof = 1;
      break;
    }
    keep(f, (size_t)r, 1);
    n -= r;
  }
  return 0;
}

static void pump(backoff_feed_t *f) {
  ssize_t n;

  if (f->tee_ok && pump_pipe(f) == 0)
    return;
  do
    n = read(0, f->buf, CHUNK);
  while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && errno != EAGAIN))
    f->src_eof = 1;
  if (n > 0)
    keep(f, (size_t)n, 0);
  write_pending(f);
}

int backoff_feed_add(backoff_feed_t *f, struct pollfd *pfd) {
  if (f->kind != BACKOFF_FEED_TEE && f->kind != BACKOFF_FEED_NULL)
    return 0;
  /* The attempt has its own copy of its end of the pipe by now: ours
   * would hide from us that it closed its stdin. */
  if (f->child_fd >= 0) {
    close(f->child_fd);
    f->child_fd = -1;
  }
  if (f->wfd < 0)
    return 0;
  if (!pending(f) && f->src_eof) {
    close_wfd(f); /* end of input for this attempt */
    return 0;
  }
  if (pending(f) || !f->wfd_ready) {
    pfd->fd = f->wfd;
    pfd->events = POLLOUT;
  } else {
    pfd->fd = 0;
    pfd->events = POLLIN;
  }
  pfd->revents = 0;
  return 1;
}

void backoff_feed_done(backoff_feed_t *f, const struct pollfd *pfd, int n) {
  (void)n;
  if (pfd->revents == 0)
    return;
  if (pfd->fd == 0) {
    pump(f);
    return;
  }
  if (pfd->revents & (POLLERR | POLLHUP | POLLNVAL)) {
    close_wfd(f); /* the command closed its stdin */
    return;
  }
  f->wfd_ready = 1;
  write_pending(f);
}

void backoff_feed_end(backoff_feed_t *f) {
  close_wfd(f);
  if (f->child_fd >= 0)
    close(f->child_fd);
  f->child_fd = -1;
  f->buf_len = f->buf_pos = 0; /* read past the limit: no one to give it */
}

const char *backoff_feed_refusal(const backoff_feed_t *f) { return f->lost; }

void backoff_feed_close(backoff_feed_t *f) {
  backoff_feed_end(f);
  drop_copy(f, NULL);
  free(f->buf);
  f->buf = NULL;
}
