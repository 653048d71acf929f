/* SPDX-License-Identifier: MIT */
/* Helpers shared by the retry-engine test programs: a scripted operation
 * and fake-time options, so every test is deterministic and instant. */
#ifndef BACKOFF_RETRY_COMMON_H
#define BACKOFF_RETRY_COMMON_H

#include <string.h>

#include "backoff.h"
#include "check_common.h"

#define SCRIPT_LOG 64

/* An operation that returns codes[i] on call i (the last one forever after),
 * and records what it saw: the attempt number and the fake time. */
typedef struct {
  const int *codes;
  unsigned n;
  unsigned calls;
  unsigned attempt_seen[SCRIPT_LOG];
  uint64_t time_seen[SCRIPT_LOG];
  fake_time_t *t;   /* optional: record its time; advance it by cost */
  uint64_t cost_ns; /* fake time each call takes */
} script_t;

static inline int scripted(void *arg) {
  script_t *s = arg;
  unsigned i = s->calls++;
  if (i < SCRIPT_LOG) {
    s->attempt_seen[i] = backoff_attempt_number();
    s->time_seen[i] = s->t ? s->t->now_ns : 0;
  }
  if (s->t)
    s->t->now_ns += s->cost_ns;
  return s->codes[i < s->n ? i : s->n - 1];
}

#define SCRIPT(...)                                                           \
  {                                                                           \
    .codes = (const int[]){__VA_ARGS__},                                      \
    .n = sizeof((const int[]){__VA_ARGS__}) / sizeof(int)                     \
  }

/* Options fields for a fake clock and sleep on fake_time_t t. */
#define FAKE_TIME(t)                                                          \
  .clock = fake_clock, .clock_ctx = &(t), .sleep = fake_sleep,                \
  .sleep_ctx = &(t)

/* Records every on_retry call. */
typedef struct {
  unsigned n;
  unsigned attempt[SCRIPT_LOG];
  int rc[SCRIPT_LOG];
  double delay[SCRIPT_LOG];
} retry_log_t;

static inline void log_retry(unsigned attempt, int rc, double delay,
                             void *ctx) {
  retry_log_t *l = ctx;
  if (l->n < SCRIPT_LOG) {
    l->attempt[l->n] = attempt;
    l->rc[l->n] = rc;
    l->delay[l->n] = delay;
  }
  l->n++;
}

#define ck_assert_error_mentions(needle)                                      \
  ck_assert_msg(strstr(backoff_last_error(), (needle)) != NULL,               \
                "last error '%s' does not mention '%s'",                      \
                backoff_last_error(), (needle))

#endif
