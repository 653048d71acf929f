/* SPDX-License-Identifier: MIT */
/* probe: load one strategy the way a user would and print what the library
 * says, for the shell tests (which need a fresh process per environment:
 * BACKOFF_PLUGIN_PATH is read once per process).
 *
 *   probe [-c SPEC] [-j JITTER] [-n COUNT] NAME   delays for n = 0..COUNT-1
 *   probe -l                                      backoff_strategy_foreach
 *
 * Output: "path <file loaded>", then "<n> <delay>" lines (%.17g). On error:
 * "error <BACKOFF_E name>: <backoff_last_error()>" on stdout, exit 1.
 * Usage errors exit 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"

static int fail(int rc) {
  printf("error %s: %s\n", backoff_err_name(rc), backoff_last_error());
  return 1;
}

static int list_one(const char *name, const char *path, void *ctx) {
  (void)ctx;
  printf("%s %s\n", name, path);
  return 0;
}

int main(int argc, char **argv) {
  const char *spec = NULL;
  backoff_jitter_t jitter = BACKOFF_JITTER_NONE;
  unsigned count = 6, n;
  backoff_strategy_t *s;
  int opt, rc;

  while ((opt = getopt(argc, argv, "c:j:n:l")) != -1) {
    switch (opt) {
    case 'c':
      spec = optarg;
      break;
    case 'j':
      if ((rc = backoff_jitter_parse(optarg, &jitter)) != 0)
        return fail(rc);
      break;
    case 'n':
      count = (unsigned)strtoul(optarg, NULL, 10);
      break;
    case 'l':
      rc = backoff_strategy_foreach(list_one, NULL);
      return rc < 0 ? fail(rc) : 0;
    default:
      return 2;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "usage: probe [-c SPEC] [-j JITTER] [-n COUNT] NAME\n");
    return 2;
  }
  if ((rc = backoff_strategy_open(&s, argv[optind])) != 0)
    return fail(rc);
  if ((rc = backoff_strategy_set_jitter(s, jitter)) != 0 ||
      (spec != NULL && (rc = backoff_strategy_configure(s, spec)) != 0)) {
    backoff_strategy_free(s);
    return fail(rc);
  }
  printf("path %s\n", backoff_strategy_path(s));
  for (n = 0; n < count; n++) {
    double d;
    if ((rc = backoff_strategy_delay(s, n, 0, NULL, NULL, &d)) != 0) {
      backoff_strategy_free(s);
      return fail(rc);
    }
    printf("%u %.17g\n", n, d);
  }
  backoff_strategy_free(s);
  return 0;
}
