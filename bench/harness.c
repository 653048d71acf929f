/* SPDX-License-Identifier: MIT */
/* The table: rows collected while measuring, printed once at the end so
 * progress lines and the table do not interleave. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif

#include "bench.h"

#define ROWS_MAX 96

typedef struct {
  char row[8];
  char what[64];
  double med, min, max;
  char unit[16];
  char goal[24];
  char verdict[16];
  char note[48]; /* replaces the figures when set */
} row_t;

static row_t rows[ROWS_MAX];
static size_t nrows;
static char header[256];

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void bench_check(int rc, const char *what) {
  if (rc == 0)
    return;
  fprintf(stderr, "bench: %s failed: %s (%s)\n", what, backoff_err_name(rc),
          backoff_last_error());
  exit(1);
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *v, size_t n) {
  if (n == 0)
    return NAN;
  qsort(v, n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static row_t *add(const char *row, const char *what) {
  row_t *r;
  if (nrows == ROWS_MAX) {
    fprintf(stderr, "bench: more than %d rows\n", ROWS_MAX);
    exit(1);
  }
  r = &rows[nrows++];
  memset(r, 0, sizeof(*r));
  snprintf(r->row, sizeof(r->row), "%s", row);
  snprintf(r->what, sizeof(r->what), "%s", what);
  return r;
}

void bench_row(const char *row, const char *what, double *v, size_t n,
               const char *unit, const char *goal_op, double goal) {
  row_t *r = add(row, what);

  r->med = bench_median(v, n);
  r->min = n ? v[0] : NAN;
  r->max = n ? v[n - 1] : NAN;
  snprintf(r->unit, sizeof(r->unit), "%s", unit);
  if (goal_op != NULL) {
    const int ok =
        strcmp(goal_op, "<=") == 0 ? r->med <= goal : r->med >= goal;
    snprintf(r->goal, sizeof(r->goal), "%s %g", goal_op, goal);
    snprintf(r->verdict, sizeof(r->verdict), "%s", ok ? "met" : "MISSED");
  }
  /* Progress on stderr: the whole run takes a while. */
  fprintf(stderr, "  %-4s %-44s %10.3g %s\n", r->row, r->what, r->med,
          r->unit);
}

void bench_note(const char *row, const char *what, const char *text) {
  row_t *r = add(row, what);
  snprintf(r->note, sizeof(r->note), "%s", text);
}

int bench_stat_of(const char *row, const char *what, double *med, double *min,
                  double *max) {
  size_t i;
  for (i = 0; i < nrows; i++) {
    if (strcmp(rows[i].row, row) == 0 && strcmp(rows[i].what, what) == 0 &&
        rows[i].note[0] == '\0') {
      *med = rows[i].med;
      *min = rows[i].min;
      *max = rows[i].max;
      return 0;
    }
  }
  *med = *min = *max = NAN;
  return -1;
}

void bench_header(const char *text) {
  snprintf(header, sizeof(header), "%s", text);
}

/* Three significant digits, never exponent notation: a table is read by
 * people comparing magnitudes. */
static void fmt(char *buf, size_t size, double x) {
  const double a = fabs(x);
  if (isnan(x))
    snprintf(buf, size, "-");
  else if (a >= 100 || x == 0)
    snprintf(buf, size, "%.0f", x);
  else if (a >= 10)
    snprintf(buf, size, "%.1f", x);
  else if (a >= 1)
    snprintf(buf, size, "%.2f", x);
  else
    snprintf(buf, size, "%.3f", x);
}

static void print_to(FILE *f) {
  size_t i;
  if (header[0] != '\0')
    fprintf(f, "%s\n", header);
  fprintf(f, "%-4s %-46s %9s %9s %9s  %-8s %-9s %s\n", "row", "measurement",
          "median", "min", "max", "unit", "goal", "verdict");
  for (i = 0; i < nrows; i++) {
    const row_t *r = &rows[i];
    char a[32], b[32], c[32];
    if (r->note[0] != '\0') {
      fprintf(f, "%-4s %-46s %s\n", r->row, r->what, r->note);
      continue;
    }
    fmt(a, sizeof(a), r->med);
    fmt(b, sizeof(b), r->min);
    fmt(c, sizeof(c), r->max);
    fprintf(f, "%-4s %-46s %9s %9s %9s  %-8s %-9s %s\n", r->row, r->what, a, b,
            c, r->unit, r->goal, r->verdict);
  }
}

int bench_print(const char *path) {
  print_to(stdout);
  if (path != NULL) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
      perror(path);
      return -1;
    }
    print_to(f);
    if (fclose(f) != 0) {
      perror(path);
      return -1;
    }
  }
  return 0;
}

void bench_cg_zero(void) {
#ifdef BENCH_HAVE_CALLGRIND
  CALLGRIND_ZERO_STATS;
#endif
}

void bench_cg_dump(const char *label) {
#ifdef BENCH_HAVE_CALLGRIND
  CALLGRIND_DUMP_STATS_AT(label);
#else
  (void)label;
#endif
}
