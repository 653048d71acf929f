/* SPDX-License-Identifier: MIT */
/* Files the backoff command keeps for itself: the spill files of the
 * stdin copy (feed.c) and of held output (taps.c). */
#ifndef BACKOFF_CLI_IO_H
#define BACKOFF_CLI_IO_H

#include <stddef.h>

/* backoff_cli_tempfile: an unlinked, close-on-exec temporary file in
 * $TMPDIR (default /tmp), named backoff-TAG.XXXXXX while it exists.
 * Returns its fd, or -1 with errno set. */
int backoff_cli_tempfile(const char *tag);

/* backoff_cli_write_all: writes all n bytes, again after EINTR or a short
 * write. Returns 0, or -1 with errno set. */
int backoff_cli_write_all(int fd, const char *p, size_t n);

#endif /* BACKOFF_CLI_IO_H */
