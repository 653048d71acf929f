/* SPDX-License-Identifier: MIT */
/* Error codes, their names and texts, and the per-thread detail message. */
#include "config.h"

#include <stdio.h>

#include "internal.h"

/* Detail messages are built only on error paths; a thread-local buffer keeps
 * them race-free without allocating. */
static __thread char last_error[512];

const char *backoff_strerror(int err) {
  switch (err) {
#define XX(name, value, msg)                                                  \
  case BACKOFF_##name:                                                        \
    return msg;
    BACKOFF_ERRNO_MAP(XX)
#undef XX
  default:
    return "unknown error";
  }
}

const char *backoff_err_name(int err) {
  switch (err) {
#define XX(name, value, msg)                                                  \
  case BACKOFF_##name:                                                        \
    return "BACKOFF_" #name;
    BACKOFF_ERRNO_MAP(XX)
#undef XX
  default:
    return "BACKOFF_EUNKNOWN";
  }
}

const char *backoff_last_error(void) { return last_error; }

void backoff__clear_error(void) { last_error[0] = '\0'; }

int backoff__fail(int err, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(last_error, sizeof(last_error), fmt, ap);
  va_end(ap);
  return err;
}
