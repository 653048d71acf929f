/* SPDX-License-Identifier: MIT */
/* A program built against the *installed* libbackoff by `make installcheck`
 * (doc/installcheck.sh), with nothing but pkg-config's flags: proof that the
 * installed headers, library, .pc file and plugins work for a user.
 *
 *   installed-use strategies exact|some DIR NAME...
 *       every NAME is listed by backoff_strategy_foreach() from DIR and
 *       loads by name from there (exact: and nothing else is listed);
 *       then a retried call runs with each of them.
 *   installed-use spread NAME|PATH
 *       the out-of-tree example plugin (examples/plugin) loads and computes
 *       its documented delays.
 * Exit status 0 when every check held; each failure is one line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <backoff.h>

static int failures;

static void fail(const char *what, int rc) {
  fprintf(stderr, "installed-use: %s: %s (%s) %s\n", what,
          backoff_strerror(rc), backoff_err_name(rc), backoff_last_error());
  failures++;
}

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "installed-use: check failed: %s\n", what);
    failures++;
  }
}

typedef struct {
  const char *dir;
  char **names;
  int count;
  int *seen;
  int exact;
} listing_t;

static int on_strategy(const char *name, const char *path, void *ctx) {
  listing_t *l = ctx;
  size_t dlen = strlen(l->dir);
  int i;

  for (i = 0; i < l->count; i++) {
    if (strcmp(l->names[i], name) == 0) {
      l->seen[i]++;
      if (strncmp(path, l->dir, dlen) != 0 || path[dlen] != '/') {
        fprintf(stderr, "installed-use: %s listed from %s, not from %s\n",
                name, path, l->dir);
        failures++;
      }
      return 0;
    }
  }
  if (l->exact) {
    fprintf(stderr, "installed-use: unexpected strategy %s (%s)\n", name,
            path);
    failures++;
  }
  return 0;
}

/* Fails twice, then succeeds. */
static int flaky(void *arg) {
  int *calls = arg;
  return ++*calls < 3 ? 7 : 0;
}

static int no_sleep(double seconds, void *ctx) {
  double *total = ctx;
  *total += seconds;
  return 0;
}

static int strategies(int exact, const char *dir, char **names, int count) {
  listing_t l = {dir, names, count, calloc((size_t)count + 1, sizeof(int)),
                 exact};
  int i, rc;

  if (l.seen == NULL)
    return 1;
  rc = backoff_strategy_foreach(on_strategy, &l);
  if (rc != 0)
    fail("backoff_strategy_foreach", rc);
  for (i = 0; i < count; i++) {
    backoff_strategy_t *s;
    backoff_report_t report;
    double d, slept = 0;
    int calls = 0;
    unsigned n;
    char want[4096];
    backoff_options_t o = {.max_tries = 5,
                           .jitter = BACKOFF_JITTER_NONE,
                           .sleep = no_sleep,
                           .sleep_ctx = &slept,
                           .report = &report};

    if (l.seen[i] != 1) {
      fprintf(stderr, "installed-use: %s listed %d times, want once\n",
              names[i], l.seen[i]);
      failures++;
    }
    if ((rc = backoff_strategy_open(&s, names[i])) != 0) {
      fail(names[i], rc);
      continue;
    }
    snprintf(want, sizeof(want), "%s/strategy_%s.so", dir, names[i]);
    if (strcmp(backoff_strategy_path(s), want) != 0) {
      fprintf(stderr, "installed-use: %s loaded from %s, want %s\n", names[i],
              backoff_strategy_path(s), want);
      failures++;
    }
    check(strcmp(backoff_strategy_name(s), names[i]) == 0, "strategy name");
    check(backoff_strategy_set_jitter(s, BACKOFF_JITTER_NONE) == 0, "jitter");
    printf("%-14s", names[i]);
    for (n = 0; n < 6; n++) {
      if ((rc = backoff_strategy_delay(s, n, 0, NULL, NULL, &d)) != 0) {
        fail("backoff_strategy_delay", rc);
        break;
      }
      check(d >= 0 && d <= BACKOFF_DELAY_MAX,
            "delay in [0, BACKOFF_DELAY_MAX]");
      printf(" %g", d);
    }
    printf("   [%s]\n", backoff_strategy_path(s));
    backoff_strategy_free(s);

    o.strategy = names[i];
    rc = backoff(flaky, &calls, &o);
    check(rc == 0 && calls == 3 && report.attempts == 3 &&
              report.stop == BACKOFF_STOP_SUCCESS,
          "backoff() retried a flaky call to success");
    check(report.slept == slept, "report.slept is the sum of the sleeps");
  }
  free(l.seen);
  return failures != 0;
}

static double half(void *ctx) {
  (void)ctx;
  return 0.5;
}

static int spread(const char *what) {
  backoff_strategy_t *s;
  backoff_param_info_t p;
  double d1, d2, d3;
  int rc;

  if ((rc = backoff_strategy_open(&s, what)) != 0) {
    fail(what, rc);
    return 1;
  }
  printf("%s: %s [%s]\n", backoff_strategy_name(s),
         backoff_strategy_description(s), backoff_strategy_path(s));
  check(strcmp(backoff_strategy_name(s), "spread") == 0, "name");
  check(backoff_strategy_param(s, 0, &p) == 1 && strcmp(p.name, "base") == 0,
        "parameter 0 is base");
  check(backoff_strategy_param(s, 1, &p) == 1 && strcmp(p.name, "growth") == 0,
        "parameter 1 is growth");
  check(backoff_strategy_param(s, 2, &p) == 0, "two parameters");
  if ((rc = backoff_strategy_configure(s, "base=0.5,growth=3,jitter=none")))
    fail("configure", rc);
  /* With U = 0.5: 0.5, then 0.5 + 0.5 * (0.5*3 - 0.5) = 1, then
   * 0.5 + 0.5 * (1*3 - 0.5) = 1.75. */
  rc = backoff_strategy_delay(s, 0, 0, half, NULL, &d1);
  if (rc == 0)
    rc = backoff_strategy_delay(s, 1, d1, half, NULL, &d2);
  if (rc == 0)
    rc = backoff_strategy_delay(s, 2, d2, half, NULL, &d3);
  if (rc != 0)
    fail("backoff_strategy_delay", rc);
  printf("delays: %g %g %g\n", d1, d2, d3);
  check(d1 == 0.5 && d2 == 1.0 && d3 == 1.75, "delays 0.5 1 1.75");
  check(backoff_strategy_set(s, "growth", 0.5) == BACKOFF_ERANGE,
        "growth below its minimum is refused");
  backoff_strategy_free(s);
  return failures != 0;
}

int main(int argc, char **argv) {
  if (backoff_version() != BACKOFF_VERSION_HEX ||
      strcmp(backoff_version_string(), BACKOFF_VERSION_STRING) != 0) {
    fprintf(stderr, "installed-use: header %s, library %s\n",
            BACKOFF_VERSION_STRING, backoff_version_string());
    return 1;
  }
  if (argc >= 4 && strcmp(argv[1], "strategies") == 0)
    return strategies(strcmp(argv[2], "exact") == 0, argv[3], argv + 4,
                      argc - 4);
  if (argc == 3 && strcmp(argv[1], "spread") == 0)
    return spread(argv[2]);
  fprintf(stderr, "usage: installed-use strategies exact|some DIR NAME...\n"
                  "       installed-use spread NAME|PATH\n");
  return 2;
}
