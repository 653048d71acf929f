/* SPDX-License-Identifier: MIT */
/* A strict C99 consumer (tests/consumers/compile.sh: -std=c99 -pedantic
 * -Wall -Wextra -Werror): the decorator form with no options and with
 * options, and the plugin header. Compiled, not run. */
#include <backoff.h>
#include <backoff/plugin.h>

static int op(void *arg) {
  (void)arg;
  return 0;
}

static BACKOFF_APPLY(op_defaults, op) static BACKOFF_APPLY(
    op_fixed, op, .strategy = "fixed", .max_tries = 2,
    .retry_on = (const int[]){1, 2}, .retry_on_count = 2)

    int main(void) {
  return op_defaults(NULL) + op_fixed(NULL);
}
