/* SPDX-License-Identifier: MIT */
/* Shared by the Check test programs. */
#ifndef BACKOFF_CHECK_COMMON_H
#define BACKOFF_CHECK_COMMON_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "backoff.h"

/* Each test program defines its suite; tap_main.c runs it. */
Suite *make_suite(void);

/* Directory of the fixture plugins built for `make check`. */
#define TEST_PLUGINS_ENV "BACKOFF_TEST_PLUGINS"

/* call must fail with code, and backoff_last_error() contain fragment. */
#define EXPECT_ERR(call, code, fragment)                                      \
  do {                                                                        \
    int rc_ = (call);                                                         \
    ck_assert_msg(rc_ == (code), "%s: got %s (%s), want %s", #call,           \
                  backoff_err_name(rc_), backoff_last_error(),                \
                  backoff_err_name(code));                                    \
    ck_assert_msg(strstr(backoff_last_error(), (fragment)) != NULL,           \
                  "message '%s' lacks '%s'", backoff_last_error(),            \
                  (fragment));                                                \
  } while (0)

/* The operations and the sleep most tests need: succeed, fail with 1, and
 * a sleep that returns at once. */
static inline int op_succeed(void *arg) {
  (void)arg;
  return 0;
}
static inline int op_fail(void *arg) {
  (void)arg;
  return 1;
}
static inline int no_sleep(double seconds, void *ctx) {
  (void)seconds;
  (void)ctx;
  return 0;
}

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
static inline uint64_t fake_clock(void *p) {
  return ((fake_time_t *)p)->now_ns;
}
static inline int fake_sleep(double s, void *p) {
  fake_time_t *t = p;
  if (t->nsleeps < 64)
    t->slept[t->nsleeps] = s;
  t->nsleeps++;
  t->now_ns += (uint64_t)(s * 1e9);
  return 0;
}

/* Opens a strategy with jitter off (its bare formula), failing the test
 * with the library's message if it cannot. */
static inline backoff_strategy_t *open_plain(const char *name) {
  backoff_strategy_t *s = NULL;
  int rc = backoff_strategy_open(&s, name);
  ck_assert_msg(rc == 0, "open %s: %s: %s", name, backoff_err_name(rc),
                backoff_last_error());
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_NONE), 0);
  return s;
}

/* The delay after failed call n, failing the test on an error. */
static inline double delay_at(const backoff_strategy_t *s, unsigned n) {
  double d = -1;
  int rc = backoff_strategy_delay(s, n, 0, NULL, NULL, &d);
  ck_assert_msg(rc == 0, "delay n=%u: %s: %s", n, backoff_err_name(rc),
                backoff_last_error());
  return d;
}

#endif
