/* SPDX-License-Identifier: MIT */
/* Row 4: opening a strategy.
 * Cold: the module is not loaded, so the open finds the file, checks it,
 * dlopens it and reads its symbols. The loader keeps up to 64 released
 * modules loaded, so cold opens are made by cycling through more copies of
 * one plugin (distinct files, each strategy_linear.so in its own directory)
 * than it keeps: every open misses and evicts one (a dlclose): the cost of
 * eviction, measured.
 * Cached: the module is loaded, so the open is a cache hit, which must not
 * reach libltdl at all (counted by ltdl_count.c). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define COPIES 72     /* more than the loader's 64 idle modules */
#define COLD 144      /* opens per round: 2 cycles over the copies */
#define CACHED 100000 /* opens per round */
#define NAME "linear"

static char dir[] = "/tmp/backoff-bench.XXXXXX";
static char copies[COPIES][PATH_MAX];

static void copy_file(const char *from, const char *to) {
  char buf[65536];
  size_t got;
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

  if (in == NULL || out == NULL) {
    fprintf(stderr, "bench: row 4: cannot copy %s to %s\n", from, to);
    exit(1);
  }
  while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
    if (fwrite(buf, 1, got, out) != got)
      exit(1);
  fclose(in);
  if (fclose(out) != 0)
    exit(1);
}

/* libtool's LTX prefix comes from the file name: copies keep it. */
static void make_copies(void) {
  const char *plugins = bench_plugin_dir;
  char src[PATH_MAX];
  unsigned i;

  snprintf(src, sizeof(src), "%s/.libs/strategy_" NAME ".so", plugins);
  if (mkdtemp(dir) == NULL) {
    perror("bench: mkdtemp");
    exit(1);
  }
  for (i = 0; i < COPIES; i++) {
    snprintf(copies[i], sizeof(copies[i]), "%s/%u", dir, i);
    if (mkdir(copies[i], 0700) != 0)
      exit(1);
    strcat(copies[i], "/strategy_" NAME ".so");
    copy_file(src, copies[i]);
  }
}

static void remove_copies(void) {
  unsigned i;
  for (i = 0; i < COPIES; i++) {
    unlink(copies[i]);
    *strrchr(copies[i], '/') = '\0';
    rmdir(copies[i]);
  }
  rmdir(dir);
}

/* ns per open + free pair; *ltdl: libltdl calls made. */
static double time_opens(size_t n, int cold, long long *ltdl) {
  backoff_strategy_t *s;
  const long long before = bench_ltdl_calls();
  uint64_t t0, t1;
  size_t i;

  t0 = bench_now_ns();
  for (i = 0; i < n; i++) {
    bench_check(backoff_strategy_open(&s, cold ? copies[i % COPIES] : NAME),
                "backoff_strategy_open");
    backoff_strategy_free(s);
  }
  t1 = bench_now_ns();
  *ltdl = bench_ltdl_calls() - before;
  return (double)(t1 - t0) / (double)n;
}

/* ns per backoff() call naming a strategy no policy holds: the loader's
 * idle cache keeps it loaded between calls. */
static double time_lonely_calls(size_t n) {
  const backoff_options_t o = {.strategy = NAME, .max_tries = 3};
  unsigned long counter = 0;
  uint64_t t0, t1;
  size_t i;

  t0 = bench_now_ns();
  for (i = 0; i < n; i++)
    bench_check(backoff(bench_op_ok, &counter, &o), "backoff");
  t1 = bench_now_ns();
  return (double)(t1 - t0) / (double)n;
}

void bench_loading(void) {
  const unsigned R = bench_rounds;
  double *cold = calloc(R, sizeof(double)),
         *cached = calloc(R, sizeof(double));
  double *calls = calloc(R, sizeof(double)),
         *ratio = calloc(R, sizeof(double));
  double *lonely = calloc(R, sizeof(double));
  long long n;
  unsigned r;

  if (bench_callgrind)
    goto out;
  make_copies();
  time_opens(COPIES, 1, &n); /* warm up: libltdl initialised, files cached */
  if (n < COPIES) {
    fprintf(stderr,
            "bench: row 4: %lld libltdl calls for %d cold opens: "
            "are the copies being cached?\n",
            n, COPIES);
    exit(1);
  }
  for (r = 0; r < R; r++) {
    cold[r] = time_opens(COLD, 1, &n) / 1000.0;
    lonely[r] = time_lonely_calls(CACHED / 10);
    cached[r] = time_opens(CACHED, 0, &n);
    calls[r] = (double)n / CACHED;
    ratio[r] = cold[r] * 1000.0 / cached[r];
  }
  remove_copies();
  bench_row("4", "cold open + free (dlopen; dlclose on eviction)", cold, R,
            "us/open", NULL, 0);
  bench_row("4", "cached open + free", cached, R, "ns/open", "<=", 100);
  bench_row("4", "  libltdl calls per cached open", calls, R, "calls",
            "<=", 0);
  bench_row("4", "  cold / cached", ratio, R, "x", NULL, 0);
  bench_row("4", "call form, strategy held by no policy", lonely, R, "ns/call",
            NULL, 0);
out:
  free(cold);
  free(cached);
  free(calls);
  free(ratio);
  free(lonely);
}
