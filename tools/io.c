/* SPDX-License-Identifier: MIT */
/* See io.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "io.h"

int backoff_cli_tempfile(const char *tag) {
  const char *dir = getenv("TMPDIR");
  char path[4096];
  int fd;

  if (dir == NULL || dir[0] == '\0')
    dir = "/tmp";
  if ((size_t)snprintf(path, sizeof(path), "%s/backoff-%s.XXXXXX", dir, tag) >=
      sizeof(path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
    unlink(path);
  return fd;
}

int backoff_cli_write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      if (w == 0)
        errno = EIO; /* no progress, and no errno to say why */
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}
