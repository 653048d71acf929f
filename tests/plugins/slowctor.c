/* SPDX-License-Identifier: MIT */
/* Fixture: a plugin whose constructor blocks until the test lets it go,
 * standing for a load that takes seconds (a slow disk, a plugin's own
 * initialisation). BACKOFF_TEST_CTOR_FDS="R,W": the constructor writes one
 * byte to W ("I am running") and waits for one byte on R. Unset, it does
 * nothing. */
#include <stdlib.h>
#include <unistd.h>

#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return (double)a->n;
}

__attribute__((constructor)) static void slow_start(void) {
  const char *fds = getenv("BACKOFF_TEST_CTOR_FDS");
  char *end, c = 0;
  long r, w;

  if (fds == NULL)
    return;
  r = strtol(fds, &end, 10);
  if (*end != ',')
    return;
  w = strtol(end + 1, NULL, 10);
  if (write((int)w, &c, 1) != 1 || read((int)r, &c, 1) != 1)
    abort();
}
