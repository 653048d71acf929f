/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the output patterns' matcher (tools/ere.c). The input
 * is split at its first NUL into a pattern and a subject (no NUL: all
 * pattern, empty subject); the low two bits of its last byte are the
 * match flags. Invariants: the pattern compiles, or is refused with a
 * non-empty one-line reason; a match is 0 or 1, the same when repeated,
 * and never found by NOTBOL/NOTEOL where it is not found without them;
 * and where glibc's regcomp(REG_EXTENDED) compiles the pattern too, and
 * cheaply, regexec() agrees on the subject up to its first NUL. */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ere.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Past the bracket expression that starts at PAT[I] ('['). */
static size_t skip_bracket(const char *pat, size_t n, size_t i) {
  size_t j = i + 1;
  if (j < n && pat[j] == '^')
    j++;
  if (j < n && pat[j] == ']')
    j++;
  while (j < n && pat[j] != ']') {
    if (pat[j] == '[' && j + 1 < n &&
        (pat[j + 1] == '.' || pat[j + 1] == ':' || pat[j + 1] == '=')) {
      const char kind = pat[j + 1];
      j += 2;
      while (j + 1 < n && !(pat[j] == kind && pat[j + 1] == ']'))
        j++;
      j += 2;
    } else {
      j++;
    }
  }
  return j + 1;
}

/* Whether glibc would be slow to compile PAT: it writes x+ as xx* and
 * x{m,n} as n copies of x, so nested repetitions multiply its size ('l'
 * and 45 '+' take it 2^45 steps). The product of every '+' and interval's
 * copies, nested or not, bounds that. */
static int costly_for_glibc(const char *pat, size_t n) {
  unsigned long cost = 1;
  size_t i, ops = 0;
  if (n > 48)
    return 1;
  /* Its epsilon closures also grow exponentially with nested loops,
   * "((a*)*)*..." and stacked ones, "(a)?+++++": few repetitions in all,
   * none right after another, keep both small. */
  for (i = 0; i < n; i++) {
    if (strchr("*+?{", pat[i]) == NULL)
      continue;
    if (++ops > 4 || (i > 0 && strchr("*+?}", pat[i - 1]) != NULL))
      return 1;
  }
  for (i = 0; i < n; i++) {
    if (pat[i] == '\\') {
      i++; /* an escaped '{' or '+' is a literal */
    } else if (pat[i] == '[') {
      i = skip_bracket(pat, n, i) - 1;
    } else if (pat[i] == '+') {
      cost *= 2;
    } else if (pat[i] == '{') {
      unsigned long v = 0, most = 0;
      if (memchr(pat + i, '}', n - i) == NULL)
        return 1;
      for (i++; i < n && pat[i] != '}'; i++) {
        if (pat[i] >= '0' && pat[i] <= '9') {
          v = v * 10 + (unsigned long)(pat[i] - '0');
          if (v > 20)
            return 1;
        } else {
          most = v > most ? v : most;
          v = 0;
        }
      }
      most = v > most ? v : most;
      cost *= most + 1;
    }
    if (cost > 512)
      return 1;
  }
  return 0;
}

/* Whether a group holding an anchor is repeated by '+' or an interval:
 * glibc's copies of such a group lose the anchor ("(^a){2}" finds "aa",
 * which "(^a)(^a)" does not). */
static int anchor_in_copied_group(const char *pat, size_t n) {
  unsigned char anchored[80];
  size_t depth = 0, i = 0;
  anchored[0] = 0;
  while (i < n) {
    const char c = pat[i];
    if (c == '[') {
      i = skip_bracket(pat, n, i);
      continue;
    }
    if ((c == '\\' && i + 1 < n && strchr("bB<>`'", pat[i + 1]) != NULL) ||
        c == '^' || c == '$')
      anchored[depth] = 1;
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '(' && depth + 1 < sizeof(anchored)) {
      anchored[++depth] = 0;
    } else if (c == ')' && depth > 0) {
      size_t j;
      if (anchored[depth])
        for (j = i + 1; j < n && strchr("*+?{", pat[j]) != NULL; j++) {
          if (pat[j] == '+' || pat[j] == '{')
            return 1;
        }
      depth--;
      anchored[depth] |= anchored[depth + 1];
    }
    i++;
  }
  return 0;
}

/* glibc's regexec() on SUBJ (NUL-terminated, no newline: glibc lets '^'
 * and '$' match beside a newline that '.' consumed), or -1 when it is not
 * asked. */
static int glibc_match(const char *pat, size_t patlen, const char *subj,
                       int flags) {
  regex_t g;
  int rc;
  if (costly_for_glibc(pat, patlen) || anchor_in_copied_group(pat, patlen) ||
      strchr(subj, '\n') != NULL || strlen(subj) > 512)
    return -1;
  if (regcomp(&g, pat, REG_EXTENDED | REG_NOSUB) != 0)
    return -1;
  rc = regexec(&g, subj, 0, NULL,
               ((flags & BACKOFF_ERE_NOTBOL) ? REG_NOTBOL : 0) |
                   ((flags & BACKOFF_ERE_NOTEOL) ? REG_NOTEOL : 0)) == 0;
  regfree(&g);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1), err[256];
  const char *pat, *subj;
  size_t patlen, len;
  backoff_ere_t *re;
  int flags = size > 0 ? data[size - 1] & 3 : 0, got, want;

  if (buf == NULL)
    abort();
  memcpy(buf, data, size);
  buf[size] = '\0';
  pat = buf;
  patlen = strlen(pat);
  subj = patlen < size ? buf + patlen + 1 : buf + size;
  len = patlen < size ? size - patlen - 1 : 0;

  memset(err, 'x', sizeof(err));
  re = backoff_ere_compile(pat, err, sizeof(err));
  if (re == NULL) {
    if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
        strchr(err, '\n') != NULL)
      abort();
    free(buf);
    return 0;
  }
  got = backoff_ere_match(re, subj, len, flags);
  if (got != 0 && got != 1)
    abort();
  if (len <= 256) {
    const int r0 = backoff_ere_match(re, subj, len, 0),
              r1 = backoff_ere_match(re, subj, len, BACKOFF_ERE_NOTBOL),
              r2 = backoff_ere_match(re, subj, len, BACKOFF_ERE_NOTEOL),
              r3 = backoff_ere_match(re, subj, len, 3);
    if (backoff_ere_match(re, subj, len, flags) != got ||
        (flags == 0   ? r0
         : flags == 1 ? r1
         : flags == 2 ? r2
                      : r3) != got)
      abort();
    if (r1 > r0 || r2 > r0 || r3 > r1 || r3 > r2)
      abort();
  }
  /* regexec() sees the subject up to its first NUL. */
  want = glibc_match(pat, patlen, subj, flags);
  if (want >= 0 && backoff_ere_match(re, subj, strlen(subj), flags) != want)
    abort();
  backoff_ere_free(re);
  free(buf);
  return 0;
}
