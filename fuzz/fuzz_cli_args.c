/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the CLI's whole argument vector. The input is split
 * at NUL bytes into argv[1..] (at most 64 words), as main() would get it.
 * Invariants: 0 (something to do), 1 (--help/--version) or -1 with a
 * non-empty one-line message; a command, when there is one, points into
 * argv and is NULL-terminated. Built only when tools/cli_parse.c exists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1), *argv[66], err[256];
  backoff_cli_t cli;
  size_t i, start = 0;
  int argc = 1, rc;

  if (buf == NULL)
    abort();
  memcpy(buf, data, size);
  buf[size] = '\0';
  argv[0] = (char *)"backoff";
  for (i = 0; i <= size && argc < 65; i++) {
    if (buf[i] == '\0') {
      argv[argc++] = buf + start;
      start = i + 1;
    }
  }
  argv[argc] = NULL;
  memset(err, 0, sizeof(err));
  rc = backoff_cli_parse_args(argc, argv, &cli, err, sizeof(err));
  if (rc == -1) {
    if (err[0] == '\0' || strchr(err, '\n') != NULL)
      abort();
  } else if (rc == 0 || rc == 1) {
    if (cli.command != NULL) {
      if (cli.command_argc < 1 || cli.command[cli.command_argc] != NULL)
        abort();
      if (cli.command < argv || cli.command >= argv + argc)
        abort();
    }
  } else {
    abort();
  }
  free(buf);
  return 0;
}
