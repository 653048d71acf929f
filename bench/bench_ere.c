/* SPDX-License-Identifier: MIT */
/* `make bench-ere` (part of `make bench`): the command's output matcher
 * (tools/ere.c) against glibc's regexec() on the same log lines, in ns per
 * line, best of ROUNDS; then the worst cases, once each: the largest
 * program the matcher accepts, and an expression whose DFA multiplies its
 * states, on one 4000-byte line (glibc's in a child it stops). */
#include "config.h"

#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ere.h"

#define LINES 4096
#define ROUNDS 5

static char lines[LINES][96];
static size_t lens[LINES];

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void make_lines(void) {
  static const char *const what[] = {"connection refused by peer",
                                     "request served", "connection reset",
                                     "temporarily unavailable", "ok"};
  int i;
  for (i = 0; i < LINES; i++) {
    int n = snprintf(lines[i], sizeof(lines[i]),
                     "2026-11-29 12:%02d:%02d worker %d: %s 10.0.%d.%d",
                     i / 60 % 60, i % 60, i, what[i % 5], i % 256, i % 7);
    lens[i] = (size_t)n;
  }
}

/* ns per line, best of ROUNDS, of the matcher (ERE) or, when it is
 * NULL, of regexec() with G; *hits counts the matching lines. */
static double time_lines(backoff_ere_t *ere, const regex_t *g, int *hits) {
  double best = 0;
  int r, i;
  for (r = 0; r < ROUNDS; r++) {
    const double t0 = now_ns();
    double t;
    *hits = 0;
    for (i = 0; i < LINES; i++)
      *hits += ere != NULL ? backoff_ere_match(ere, lines[i], lens[i], 0)
                           : regexec(g, lines[i], 0, NULL, 0) == 0;
    t = now_ns() - t0;
    if (r == 0 || t < best)
      best = t;
  }
  return best / LINES;
}

/* One 4000-byte line of random a and b (a fixed LCG). */
static void random_ab(char *buf, size_t n) {
  uint64_t x = 1;
  size_t i;
  for (i = 0; i < n; i++) {
    x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    buf[i] = (x >> 33) & 1 ? 'a' : 'b';
  }
  buf[n] = '\0';
}

/* glibc's regcomp() and regexec() of PAT on LINE, timed in a child that
 * is stopped after GLIBC_LIMIT seconds: "N ms" or "over N s". */
#define GLIBC_LIMIT 10
static const char *glibc_once(const char *pat, const char *line) {
  static char said[64];
  const double t0 = now_ns();
  int status;
  const pid_t pid = fork();
  if (pid == 0) {
    regex_t g;
    alarm(GLIBC_LIMIT);
    if (regcomp(&g, pat, REG_EXTENDED | REG_NOSUB) != 0)
      _exit(1);
    (void)regexec(&g, line, 0, NULL, 0);
    _exit(0);
  }
  if (pid < 0 || waitpid(pid, &status, 0) != pid)
    return "(not measured: fork failed)";
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
    snprintf(said, sizeof(said), "over %d s (stopped)", GLIBC_LIMIT);
  else if (WIFSIGNALED(status))
    snprintf(said, sizeof(said), "killed by signal %d", WTERMSIG(status));
  else if (WEXITSTATUS(status) != 0)
    return "(regcomp refused it)";
  else
    snprintf(said, sizeof(said), "%.1f ms", (now_ns() - t0) / 1e6);
  return said;
}

int main(void) {
  static const char *const patterns[] = {"ERROR",
                                         "refused",
                                         "^fatal:",
                                         "temporar(y|ily)",
                                         "(timeout|refused|reset)$",
                                         "[0-9]+\\.[0-9]+\\.[0-9]+\\.3",
                                         ".*refused.*peer"};
  static char ab[4001];
  static const char *const worst[] = {"a{0,2000}c", "[ab]*a([ab]{255}){4}c"};
  char err[256];
  size_t i;
  int failed = 0;

  make_lines();
  printf("%-30s %12s %12s %7s\n", "expression (4096 log lines)", "ere ns/line",
         "glibc ns/line", "ratio");
  for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
    backoff_ere_t *re = backoff_ere_compile(patterns[i], err, sizeof(err));
    regex_t g;
    int h1, h2;
    double a, b;
    if (re == NULL) {
      fprintf(stderr, "bench-ere: %s: %s\n", patterns[i], err);
      return 1;
    }
    if (regcomp(&g, patterns[i], REG_EXTENDED | REG_NOSUB) != 0) {
      fprintf(stderr, "bench-ere: %s: regcomp failed\n", patterns[i]);
      backoff_ere_free(re);
      return 1;
    }
    a = time_lines(re, NULL, &h1);
    b = time_lines(NULL, &g, &h2);
    if (h1 != h2) {
      fprintf(stderr, "bench-ere: %s: %d matches, glibc %d\n", patterns[i], h1,
              h2);
      failed = 1;
    }
    printf("%-30s %12.0f %12.0f %7.2f\n", patterns[i], a, b, a / b);
    backoff_ere_free(re);
    regfree(&g);
  }
  random_ab(ab, 4000);
  for (i = 0; i < sizeof(worst) / sizeof(worst[0]); i++) {
    backoff_ere_t *re = backoff_ere_compile(worst[i], err, sizeof(err));
    double t0, t;
    if (re == NULL) {
      fprintf(stderr, "bench-ere: %s: %s\n", worst[i], err);
      return 1;
    }
    t0 = now_ns();
    (void)backoff_ere_match(re, ab, 4000, 0);
    t = now_ns() - t0;
    printf("worst case %-24s ere %.1f ms, glibc %s per 4000-byte line\n",
           worst[i], t / 1e6, glibc_once(worst[i], ab));
    backoff_ere_free(re);
  }
  return failed;
}
