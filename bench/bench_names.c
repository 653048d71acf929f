/* SPDX-License-Identifier: MIT */
/* Row 7: the call form and the loader's cache. backoff() names its
 * strategy on every call, so each call looks it up in the loader's cache
 * and takes a reference on the module: the cost must not depend on how
 * many distinct strategies a program uses (1, 8, 9 or 64: no cliff past
 * any small cache), nor on naming a strategy by its absolute path instead
 * of its name (no realpath per call).
 *
 * The 64 strategies are copies of one plain-named fixture plugin under 64
 * names (strategy_bench00.so ...) in a temporary directory put first on
 * BACKOFF_PLUGIN_PATH by bench_names_setup(), which runs before anything
 * reads the variable. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define NAMES 64
#define CALLS 64000 /* per measurement: 1000 cycles over 64 names */

static char dir[] = "/tmp/backoff-bench-names.XXXXXX";
static char names[NAMES][16];
static char files[NAMES][PATH_MAX];
static int ready;

static int copy_file(const char *from, const char *to) {
  char buf[65536];
  size_t got;
  int rc = 0;
  FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;

  if (in == NULL || out == NULL)
    rc = -1;
  while (rc == 0 && (got = fread(buf, 1, sizeof(buf), in)) > 0)
    if (fwrite(buf, 1, got, out) != got)
      rc = -1;
  if (in != NULL)
    fclose(in);
  if (out != NULL && fclose(out) != 0)
    rc = -1;
  return rc;
}

void bench_names_setup(void) {
  const char *plugins = bench_plugin_dir;
  const char *fixtures = getenv("BENCH_FIXTURES");
  char src[PATH_MAX], *path;
  unsigned i;

  if (fixtures == NULL)
    return;
  snprintf(src, sizeof(src), "%s/.libs/strategy_plain_a.so", fixtures);
  if (access(src, R_OK) != 0 || mkdtemp(dir) == NULL)
    return;
  for (i = 0; i < NAMES; i++) {
    snprintf(names[i], sizeof(names[i]), "bench%02u", i);
    snprintf(files[i], sizeof(files[i]), "%s/strategy_%s.so", dir, names[i]);
    if (copy_file(src, files[i]) != 0) {
      fprintf(stderr, "bench: row 7: cannot copy %s\n", src);
      exit(1);
    }
  }
  path = malloc(strlen(dir) + strlen(plugins) + 2);
  if (path == NULL)
    exit(1);
  sprintf(path, "%s:%s", dir, plugins);
  setenv("BACKOFF_PLUGIN_PATH", path, 1);
  free(path);
  ready = 1;
}

static void cleanup(void) {
  unsigned i;
  for (i = 0; i < NAMES; i++)
    unlink(files[i]);
  rmdir(dir);
}

/* ns per call form naming strategies[i % n] in turn. */
static double time_calls(const char *const *strategies, unsigned n) {
  backoff_options_t o = {.max_tries = 3};
  unsigned long counter = 0;
  uint64_t t0;
  size_t i;

  t0 = bench_now_ns();
  for (i = 0; i < CALLS; i++) {
    o.strategy = strategies[i % n];
    if (backoff(bench_op_ok, &counter, &o) != 0)
      bench_check(-1, "backoff");
  }
  return (double)(bench_now_ns() - t0) / CALLS;
}

void bench_names(void) {
  static const unsigned counts[] = {1, 8, 9, 64};
  enum { NC = sizeof(counts) / sizeof(counts[0]) };
  const unsigned R = bench_rounds;
  const char *list[NAMES], *by_name[1] = {"linear"}, *by_path[1];
  char linear_path[PATH_MAX];
  double *v[NC], *ratio[NC], *name = calloc(R, sizeof(double));
  double *path = calloc(R, sizeof(double)),
         *pratio = calloc(R, sizeof(double));
  char label[96];
  unsigned r, c;

  if (bench_callgrind || !ready) {
    if (!bench_callgrind)
      bench_note("7", "call form by strategy count",
                 "n/a: BENCH_FIXTURES unset (run `make bench`)");
    goto out;
  }
  snprintf(linear_path, sizeof(linear_path), "%s/strategy_linear.la",
           bench_plugin_dir);
  by_path[0] = linear_path;
  for (c = 0; c < NAMES; c++)
    list[c] = names[c];
  for (c = 0; c < NC; c++) {
    v[c] = calloc(R, sizeof(double));
    ratio[c] = calloc(R, sizeof(double));
  }
  time_calls(list, NAMES); /* warm up: every module loaded once */
  time_calls(by_path, 1);
  for (r = 0; r < R; r++) {
    for (c = 0; c < NC; c++)
      v[c][r] = time_calls(list, counts[c]);
    for (c = 0; c < NC; c++)
      ratio[c][r] = v[c][r] / v[0][r];
    name[r] = time_calls(by_name, 1);
    path[r] = time_calls(by_path, 1);
    pratio[r] = path[r] / name[r];
  }
  for (c = 0; c < NC; c++) {
    snprintf(label, sizeof(label), "call form, %u distinct strateg%s",
             counts[c], counts[c] == 1 ? "y" : "ies");
    bench_row("7", label, v[c], R, "ns/call", NULL, 0);
    if (c > 0) {
      snprintf(label, sizeof(label), "  %u strategies / 1", counts[c]);
      bench_row("7", label, ratio[c], R, "x", "<=", 2);
    }
  }
  bench_row("7", "call form, \"linear\" by name", name, R, "ns/call", NULL, 0);
  bench_row("7", "call form, linear by absolute path", path, R, "ns/call",
            NULL, 0);
  bench_row("7", "  by path / by name", pratio, R, "x", "<=", 1.5);
  for (c = 0; c < NC; c++) {
    free(v[c]);
    free(ratio[c]);
  }
out:
  if (ready)
    cleanup();
  free(name);
  free(path);
  free(pratio);
}
