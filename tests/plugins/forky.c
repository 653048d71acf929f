/* SPDX-License-Identifier: MIT */
/* Fixture: a plugin whose constructor forks (as one spawning a helper
 * process might) and waits for the child; fixture_status is the child's
 * wait status, -1 if fork failed. */
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "backoff/plugin.h"

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;
BACKOFF_PLUGIN_EXPORT int fixture_status = -1;

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return (double)a->n;
}

__attribute__((constructor)) static void spawn(void) {
  pid_t pid = fork();
  if (pid == 0)
    _exit(42);
  if (pid > 0)
    waitpid(pid, &fixture_status, 0);
}
