/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the strict number parsers behind BACKOFF_DEFAULT_TRIES
 * and BACKOFF_DEFAULT_DELAY (and the configure syntax). The library reads
 * the environment once per process, so rather than a test hook this target
 * is linked with the seam (lib/seam/parse.c) and calls backoff__parse_double
 * and backoff__parse_uint exactly as lib/env.c does, then applies env.c's own
 * acceptance rules. Invariants: an accepted double is finite and is what
 * strtod makes of the same text; an accepted integer is within the bound
 * and round-trips through its decimal text; a refused one yields 0. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"

int backoff__parse_double(const char *s, size_t len, double *out);
int backoff__parse_uint(const char *s, size_t len, unsigned long long max,
                        unsigned long long *out);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  unsigned long long u;
  double d;
  int rc;

  rc = backoff__parse_double(s, size, &d);
  if (rc == 0) {
    char buf[80];
    if (!isfinite(d) || size >= sizeof(buf))
      abort();
    memcpy(buf, s, size);
    buf[size] = '\0';
    if (memchr(buf, '\0', size) != NULL || strtod(buf, NULL) != d)
      abort();
  } else if ((rc != BACKOFF_ESYNTAX && rc != BACKOFF_ERANGE) || d != 0) {
    abort();
  }

  rc = backoff__parse_uint(s, size, 0xffffffffULL, &u);
  if (rc == 0) {
    char buf[32];
    size_t i = 0;
    if (u > 0xffffffffULL)
      abort();
    snprintf(buf, sizeof(buf), "%llu", u);
    while (i + 1 < size && s[i] == '0') /* leading zeros are allowed */
      i++;
    if (strlen(buf) != size - i || memcmp(buf, s + i, size - i) != 0)
      abort();
  } else if ((rc != BACKOFF_ESYNTAX && rc != BACKOFF_ERANGE) || u != 0) {
    abort();
  }
  rc = backoff__parse_uint(s, size, ~0ULL, &u);
  if (rc != 0 && u != 0)
    abort();
  return 0;
}
