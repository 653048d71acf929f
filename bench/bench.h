/* SPDX-License-Identifier: MIT */
/* libbackoff's benchmark: shared helpers of the bench/ files.
 *
 * Every figure is measured in rounds; a row reports the median, minimum and
 * maximum over the rounds. Wherever a row compares two things (library vs
 * direct call, vs hand-written loop, vs raw syscall, 1 vs 2 threads), both
 * are measured in the same round, one after the other, and the row's
 * figure is the per-round difference or ratio: on a shared, noisy machine
 * only side-by-side figures mean anything. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "backoff.h"

/* Keep the compiler from inlining or constant-folding an operation into the
 * loop that times it, so "direct call" is a real call. */
#if defined(__GNUC__) && !defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline, noipa))
#else
#define BENCH_NOINLINE __attribute__((noinline))
#endif

/* Stop the compiler from deleting a computation whose result is unused. */
#define BENCH_KEEP(x) __asm__ __volatile__("" : : "g"(x) : "memory")

/* Settings from the command line. */
extern unsigned bench_rounds; /* rounds per row (--rounds) */
extern int bench_callgrind;   /* --callgrind: instruction counts only */
/* The build tree's plugins directory: BACKOFF_PLUGIN_PATH as make bench
 * set it (row 7 puts another directory in front of it). */
extern const char *bench_plugin_dir;

/* harness.c */
uint64_t bench_now_ns(void);
/* Prints the libbackoff error and exits: a benchmark of a failing call
 * would measure nothing. */
void bench_check(int rc, const char *what);
/* Adds a row to the table. v[0..n-1] are the per-round values (reordered).
 * goal_op is "<=", ">=" or NULL (informational); the verdict compares the
 * median with goal. */
void bench_row(const char *row, const char *what, double *v, size_t n,
               const char *unit, const char *goal_op, double goal);
/* A row whose value is not a measurement (e.g. "n/a"), with a note. */
void bench_note(const char *row, const char *what, const char *text);
/* The figures already reported for (row, what), for derived rows; -1 (and
 * NANs) when there is none. */
int bench_stat_of(const char *row, const char *what, double *med, double *min,
                  double *max);
/* A line printed above the table. */
void bench_header(const char *text);
double bench_median(double *v, size_t n);
/* Writes the table to stdout and, if path is not NULL, to path. */
int bench_print(const char *path);
/* Callgrind mode: zero the counters / dump them under a label of the form
 * "name|divisor|baseline|reference" (see bench/callgrind.sh). */
void bench_cg_zero(void);
void bench_cg_dump(const char *label);

/* alloc_count.c: calls of malloc, calloc, realloc (and friends) made in
 * this process so far; -1 when the counter is not compiled in (sanitizer
 * builds, whose runtime owns malloc). */
long long bench_allocs(void);

/* ltdl_count.c: libltdl calls made by libbackoff so far (every lt_dl*
 * entry point the loader uses is interposed and counted). */
long long bench_ltdl_calls(void);

/* The rows, in bench_*.c. */
void bench_first_try(void);         /* 1 (and 3 for its own paths) */
void bench_retry(void);             /* 2 */
void bench_allocations(void);       /* 3 */
void bench_loading(void);           /* 4 */
void bench_sleep(void);             /* 5 */
void bench_threads(void);           /* 6 */
void bench_names(void);             /* 7 */
void bench_peers(const char *path); /* 8: make bench-peers */
/* Before anything reads BACKOFF_PLUGIN_PATH: row 7's 64 strategies. */
void bench_names_setup(void);

/* Shared operations (bench_ops.c): a counter the operation bumps, so the
 * compiler must make every call. */
int bench_op_ok(void *counter);
int bench_op_fail(void *counter);
int bench_op_fail_once(void *counter); /* fails on odd counts */
int bench_sleep_noop(double seconds, void *ctx);
/* The baseline retry loop (see bench_ops.c). */
int bench_hand_loop(backoff_fn fn, void *arg, backoff_rng_t *rng,
                    unsigned tries, int (*sleep_fn)(double, void *));

#endif /* BENCH_H */
