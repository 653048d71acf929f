/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the CLI's duration syntax (tools/cli_parse.c):
 * accepted values are finite, within [0, BACKOFF_DELAY_MAX]; refused ones
 * leave 0. Built only when tools/cli_parse.c exists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "cli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  double d = -1;
  int rc;
  if (s == NULL)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  rc = backoff_cli_parse_duration(s, &d);
  if (rc == 0 && !(d >= 0 && d <= BACKOFF_DELAY_MAX))
    abort();
  if (rc != 0 && (rc != -1 || d != 0))
    abort();
  free(s);
  return 0;
}
