/* Shared by the Check test programs. */
#ifndef BACKOFF_CHECK_COMMON_H
#define BACKOFF_CHECK_COMMON_H

#include <check.h>
#include <stdint.h>

/* Each test program defines its suite; tap_main.c runs it. */
Suite *make_suite(void);

/* Directory of the fixture plugins built for `make check`. */
#define TEST_PLUGINS_ENV "BACKOFF_TEST_PLUGINS"

/* A deterministic random source: returns vals[i++ % n]. */
typedef struct {
  const double *vals;
  size_t n, i;
} seq_rng_t;
static inline double seq_rng(void *p) {
  seq_rng_t *r = p;
  return r->vals[r->i++ % r->n];
}

/* A fake clock and sleep: sleeping advances the clock, nothing waits. */
typedef struct {
  uint64_t now_ns;
  double slept[64];
  unsigned nsleeps;
} fake_time_t;
static inline uint64_t fake_clock(void *p) { return ((fake_time_t *)p)->now_ns; }
static inline int fake_sleep(double s, void *p) {
  fake_time_t *t = p;
  if (t->nsleeps < 64)
    t->slept[t->nsleeps] = s;
  t->nsleeps++;
  t->now_ns += (uint64_t)(s * 1e9);
  return 0;
}

#endif
