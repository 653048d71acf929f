/* SPDX-License-Identifier: MIT */
/* Strict number parsing: every byte of the input must belong to the number.
 * strtod alone would accept " 1", "1e", "0x10", "nan" and "inf", and strtoul
 * would wrap "-1" to ULONG_MAX: none of that is a valid setting. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backoff_seam.h"

/* Decimal only: [+-]digits[.digits][e[+-]digits], at least one digit. */
static int is_decimal(const char *s, size_t len) {
  size_t i = 0, digits = 0;

  if (i < len && (s[i] == '+' || s[i] == '-'))
    i++;
  while (i < len && s[i] >= '0' && s[i] <= '9')
    i++, digits++;
  if (i < len && s[i] == '.') {
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
      i++, digits++;
  }
  if (digits == 0)
    return 0;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    size_t exp_digits = 0;
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-'))
      i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
      i++, exp_digits++;
    if (exp_digits == 0)
      return 0;
  }
  return i == len;
}

/* A digit 1-9 before the exponent: the number written is not zero. */
static int nonzero_mantissa(const char *s) {
  for (; *s != '\0' && *s != 'e' && *s != 'E'; s++)
    if (*s >= '1' && *s <= '9')
      return 1;
  return 0;
}

int backoff__parse_double(const char *s, size_t len, double *out) {
  char buf[64];
  char *end;
  double v;

  *out = 0;
  if (len == 0 || len >= sizeof(buf) || !is_decimal(s, len))
    return BACKOFF_ESYNTAX;
  memcpy(buf, s, len);
  buf[len] = '\0';
  errno = 0;
  v = strtod(buf, &end);
  if (*end != '\0')
    return BACKOFF_ESYNTAX;
  if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0) ||
      (v == 0 && nonzero_mantissa(buf)))
    return BACKOFF_ERANGE; /* 1e-400 is not 0, which means "the default" */
  *out = v;
  return 0;
}

int backoff__parse_uint(const char *s, size_t len, unsigned long long max,
                        unsigned long long *out) {
  unsigned long long v = 0;
  size_t i;

  *out = 0;
  if (len == 0)
    return BACKOFF_ESYNTAX;
  for (i = 0; i < len; i++) {
    unsigned d;
    if (s[i] < '0' || s[i] > '9')
      return BACKOFF_ESYNTAX;
    d = (unsigned)(s[i] - '0');
    if (v > (max - d) / 10)
      return BACKOFF_ERANGE;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

int backoff__is_bare_name(const char *name) {
  size_t i;

  for (i = 0; name[i] != '\0'; i++) {
    const char c = name[i];
    if (i == BACKOFF_NAME_MAX ||
        !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return i > 0;
}

int backoff__is_strategy_request(const char *request) {
  return request != NULL &&
         (backoff__is_bare_name(request) || strchr(request, '/') != NULL);
}
