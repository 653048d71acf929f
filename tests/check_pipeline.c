/* SPDX-License-Identifier: MIT */
/* The delay pipeline of backoff.h, step by step, with an
 * injected deterministic random source: base -> jitter -> scale_factor ->
 * minimum -> cap, saturation, bad random values, seeding, and the settings
 * API (typed setters and the "name=value,..." syntax). */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "backoff/plugin.h"
#include "check_common.h"

/* ---- helpers ------------------------------------------------------------ */

static backoff_strategy_t *open_j(const char *name, backoff_jitter_t j) {
  backoff_strategy_t *s = NULL;
  int rc = backoff_strategy_open(&s, name);
  ck_assert_msg(rc == 0, "open %s: %s: %s", name, backoff_err_name(rc),
                backoff_last_error());
  ck_assert_int_eq(backoff_strategy_set_jitter(s, j), 0);
  return s;
}

/* fixed with sequence=[base]: every n has this base delay. */
static backoff_strategy_t *with_base(double base, backoff_jitter_t j) {
  backoff_strategy_t *s = open_j("fixed", j);
  ck_assert_int_eq(backoff_strategy_set_list(s, "sequence", &base, 1), 0);
  return s;
}

static void set(backoff_strategy_t *s, const char *name, double v) {
  int rc = backoff_strategy_set(s, name, v);
  ck_assert_msg(rc == 0, "set %s=%g: %s", name, v, backoff_last_error());
}

/* The delay at n with the random source returning exactly u. */
static double at_u(const backoff_strategy_t *s, unsigned n, double u) {
  seq_rng_t r = {&u, 1, 0};
  double d = -1;
  int rc = backoff_strategy_delay(s, n, 0, seq_rng, &r, &d);
  ck_assert_msg(rc == 0, "delay n=%u u=%.17g: %s: %s", n, u,
                backoff_err_name(rc), backoff_last_error());
  return d;
}

static double at_rng(const backoff_strategy_t *s, unsigned n,
                     backoff_rng_t *rng) {
  double d = -1;
  int rc = backoff_strategy_delay(s, n, 0, backoff_rng_uniform, rng, &d);
  ck_assert_msg(rc == 0, "delay n=%u: %s", n, backoff_last_error());
  return d;
}

#define EQ(got, want)                                                         \
  do {                                                                        \
    const double g_ = (got), w_ = (want);                                     \
    ck_assert_msg(g_ == w_, "%s: got %.17g, want %.17g", #got, g_, w_);       \
  } while (0)

#define has(hay, needle)                                                      \
  ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' lacks '%s'", (hay),    \
                (needle))

/* 1 - 2^-53, the largest value a [0, 1) source may return. Bounds at the
 * top of a window are checked with <=: base + U*w can round up to exactly
 * base + w when U is within an ulp of 1 (e.g. 4 + (1 - 2^-53) * 4 == 8 in
 * double), which no finite-precision pipeline avoids; the final clamp
 * still keeps every delay <= cap. */
static const double U_ALMOST_1 = 0.99999999999999989;

static double counting_rng(void *p) {
  ++*(int *)p;
  return 0.25;
}

/* ---- jitter ------------------------------------------------------------- */

START_TEST(jitter_none_is_base_and_draws_nothing) {
  backoff_strategy_t *s = with_base(8, BACKOFF_JITTER_NONE);
  int calls = 0;
  double d = -1;
  EQ(at_u(s, 0, 0), 8);
  EQ(at_u(s, 7, 0.5), 8);
  ck_assert_int_eq(backoff_strategy_delay(s, 3, 0, counting_rng, &calls, &d),
                   0);
  EQ(d, 8);
  ck_assert_int_eq(calls, 0);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(jitter_additive_exact) {
  backoff_strategy_t *s = with_base(8, BACKOFF_JITTER_ADDITIVE);
  EQ(at_u(s, 0, 0), 8);
  EQ(at_u(s, 0, 0.5), 8.5);
  EQ(at_u(s, 0, 0.999), 8 + 0.999);
  EQ(at_u(s, 0, 0.25), 8.25);
  backoff_strategy_free(s);
  /* The reference's formula on the reference's strategy: 2^n + U. */
  s = open_j("exponential", BACKOFF_JITTER_ADDITIVE);
  EQ(at_u(s, 3, 0.5), 8.5);
  EQ(at_u(s, 0, 0.75), 1.75);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(jitter_default_is_additive) {
  backoff_strategy_t *s = NULL;
  double v = -1;
  ck_assert_int_eq(backoff_strategy_open(&s, "linear"), 0);
  ck_assert_int_eq(backoff_strategy_get(s, "jitter", &v), 0);
  EQ(v, BACKOFF_JITTER_ADDITIVE);
  EQ(at_u(s, 2, 0.5), 2.5);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_NONE), 0);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_DEFAULT), 0);
  ck_assert_int_eq(backoff_strategy_get(s, "jitter", &v), 0);
  EQ(v, BACKOFF_JITTER_ADDITIVE);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(jitter_full_exact) {
  backoff_strategy_t *s = with_base(8, BACKOFF_JITTER_FULL);
  EQ(at_u(s, 0, 0), 0);
  EQ(at_u(s, 0, 0.5), 4);
  EQ(at_u(s, 0, 0.999), 0.999 * 8);
  ck_assert(at_u(s, 0, U_ALMOST_1) <= 8);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(jitter_equal_exact) {
  backoff_strategy_t *s = with_base(8, BACKOFF_JITTER_EQUAL);
  EQ(at_u(s, 0, 0), 4);
  EQ(at_u(s, 0, 0.5), 6);
  EQ(at_u(s, 0, 0.999), 4 + 0.999 * 4);
  ck_assert(at_u(s, 0, U_ALMOST_1) <= 8);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(jitter_proportional_exact) {
  backoff_strategy_t *s = with_base(8, BACKOFF_JITTER_PROPORTIONAL);
  double f = -1;
  ck_assert_int_eq(backoff_strategy_get(s, "jitter_factor", &f), 0);
  EQ(f, 0.5);             /* the default */
  EQ(at_u(s, 0, 0), 4);   /* base * (1 - f) */
  EQ(at_u(s, 0, 0.5), 8); /* base */
  EQ(at_u(s, 0, 0.999), 8 * (0.5 + 0.999));
  set(s, "jitter_factor", 0.25);
  EQ(at_u(s, 0, 0), 6);
  EQ(at_u(s, 0, 0.5), 8);
  ck_assert(at_u(s, 0, U_ALMOST_1) <= 10);
  set(s, "jitter_factor", 0); /* 0 is the default, as in the options */
  ck_assert_int_eq(backoff_strategy_get(s, "jitter_factor", &f), 0);
  EQ(f, 0.5);
  EQ(at_u(s, 0, 0.9), 8 * (0.5 + 0.9));
  set(s, "jitter_factor", 1);
  EQ(at_u(s, 0, 0), 0);
  EQ(at_u(s, 0, 0.75), 12);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(jitter_names) {
  static const char *const names[] = {"none", "additive", "full", "equal",
                                      "proportional"};
  backoff_jitter_t m;
  int i;
  for (i = 0; i < 5; i++) {
    ck_assert_int_eq(backoff_jitter_parse(names[i], &m), 0);
    ck_assert_int_eq(m, i + 1);
    ck_assert_str_eq(backoff_jitter_name(m), names[i]);
  }
  ck_assert_str_eq(backoff_jitter_name(BACKOFF_JITTER_DEFAULT), "additive");
  ck_assert_str_eq(backoff_jitter_name((backoff_jitter_t)99), "unknown");
  ck_assert_int_eq(backoff_jitter_parse("Full", &m), BACKOFF_ESYNTAX);
  ck_assert_int_eq(backoff_jitter_parse("", &m), BACKOFF_ESYNTAX);
  ck_assert_int_eq(backoff_jitter_parse(NULL, &m), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_jitter_parse("full", NULL), BACKOFF_EINVAL);
}
END_TEST

/* ---- scale, minimum ----------------------------------------------------- */

START_TEST(scale_factor_applies_to_base_and_jitter) {
  backoff_strategy_t *s = with_base(8, BACKOFF_JITTER_NONE);
  set(s, "scale_factor", 0.5);
  EQ(at_u(s, 0, 0.5), 4);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_ADDITIVE), 0);
  EQ(at_u(s, 0, 0.5), 4.25); /* (8 + 0.5) * 0.5 */
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_FULL), 0);
  EQ(at_u(s, 0, 0.5), 2); /* 0.5 * 8 * 0.5 */
  backoff_strategy_free(s);
  s = open_j("exponential", BACKOFF_JITTER_NONE);
  set(s, "scale_factor", 3);
  EQ(at_u(s, 2, 0), 12);
  set(s, "scale_factor", 0.001);
  EQ(at_u(s, 10, 0), 1024 * 0.001);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(minimum_raises_after_jitter_and_scale) {
  backoff_strategy_t *s = with_base(1, BACKOFF_JITTER_NONE);
  set(s, "minimum", 5);
  EQ(at_u(s, 0, 0), 5);
  backoff_strategy_free(s);

  s = with_base(8, BACKOFF_JITTER_NONE);
  set(s, "minimum", 5);
  EQ(at_u(s, 0, 0), 8); /* already above it */
  set(s, "scale_factor", 0.1);
  EQ(at_u(s, 0, 0), 5); /* 0.8 raised */
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_FULL), 0);
  set(s, "scale_factor", 1);
  set(s, "minimum", 2);
  EQ(at_u(s, 0, 0), 2);   /* jitter drew 0 */
  EQ(at_u(s, 0, 0.5), 4); /* jitter drew 4 */
  backoff_strategy_free(s);

  /* linear's n = 0 is 0 s: the minimum is what keeps a retry from being
   * immediate (the reference's docs promised it, its code forgot). */
  s = open_j("linear", BACKOFF_JITTER_NONE);
  set(s, "minimum", 0.5);
  EQ(at_u(s, 0, 0), 0.5);
  EQ(at_u(s, 1, 0), 1);
  backoff_strategy_free(s);
}
END_TEST

/* ---- cap -----------------------------------------------------------------
 */

START_TEST(cap_limits_each_delay) {
  backoff_strategy_t *s = open_j("exponential", BACKOFF_JITTER_NONE);
  EQ(at_u(s, 20, 0), 1048576); /* cap 0: none */
  set(s, "cap", 100);
  EQ(at_u(s, 3, 0), 8);
  EQ(at_u(s, 6, 0), 64);
  EQ(at_u(s, 7, 0), 100);
  EQ(at_u(s, 10, 0), 100);
  EQ(at_u(s, UINT_MAX, 0), 100);
  /* Below the cap the jitter is untouched. */
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_ADDITIVE), 0);
  EQ(at_u(s, 3, 0.5), 8.5);
  backoff_strategy_free(s);
}
END_TEST

/* At and near the cap the jitter window moves below it instead of being
 * clipped onto it (backoff.h, step 5). */
START_TEST(cap_moves_the_jitter_window) {
  backoff_strategy_t *s = open_j("exponential", BACKOFF_JITTER_ADDITIVE);
  set(s, "cap", 100);
  EQ(at_u(s, 40, 0), 99);
  EQ(at_u(s, 40, 0.5), 99.5);
  ck_assert(at_u(s, 40, U_ALMOST_1) <= 100);
  set(s, "scale_factor", 2); /* window width = scale_factor */
  EQ(at_u(s, 40, 0), 98);
  EQ(at_u(s, 40, 0.5), 99);
  set(s, "scale_factor", 1);
  set(s, "cap", 0.5); /* cap narrower than the window: [cap/2, cap) */
  EQ(at_u(s, 40, 0), 0.25);
  EQ(at_u(s, 40, 0.5), 0.375);
  set(s, "scale_factor", 10); /* a deep retry never becomes immediate */
  set(s, "cap", 5);
  EQ(at_u(s, 30, 0), 2.5);
  backoff_strategy_free(s);

  /* base just under the cap: base + U would cross it, so [cap-1, cap). */
  s = with_base(99.5, BACKOFF_JITTER_ADDITIVE);
  set(s, "cap", 100);
  EQ(at_u(s, 0, 0), 99);
  EQ(at_u(s, 0, 0.75), 99.75);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_FULL), 0);
  EQ(at_u(s, 0, 0.5), 49.75); /* under the cap: U * base */
  backoff_strategy_free(s);

  s = open_j("exponential", BACKOFF_JITTER_FULL);
  set(s, "cap", 100);
  EQ(at_u(s, 30, 0.5), 50);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_EQUAL), 0);
  EQ(at_u(s, 30, 0), 50);
  EQ(at_u(s, 30, 0.5), 75);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_PROPORTIONAL),
                   0);
  EQ(at_u(s, 30, 0.5), 100 / 1.5);
  ck_assert(at_u(s, 30, U_ALMOST_1) <= 100);
  backoff_strategy_free(s);
}
END_TEST

typedef struct {
  backoff_jitter_t mode;
  double lo, hi; /* every draw in [lo, hi) */
} window_t;

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Many seeded draws at a large n with a cap: spread over the whole window,
 * not piled on the cap. */
START_TEST(cap_never_collapses_jitter) {
  static const window_t w[] = {{BACKOFF_JITTER_ADDITIVE, 99, 100},
                               {BACKOFF_JITTER_FULL, 0, 100},
                               {BACKOFF_JITTER_EQUAL, 50, 100},
                               {BACKOFF_JITTER_PROPORTIONAL, 100 / 3.0, 100}};
  size_t m;
  for (m = 0; m < sizeof(w) / sizeof(w[0]); m++) {
    backoff_strategy_t *s = open_j("exponential", w[m].mode);
    backoff_rng_t rng;
    double d[1000], width = w[m].hi - w[m].lo;
    int i, distinct = 1, at_cap = 0;

    set(s, "cap", 100);
    backoff_rng_seed(&rng, 1234 + m);
    for (i = 0; i < 1000; i++) {
      d[i] = at_rng(s, 50 + (unsigned)i, &rng);
      ck_assert_msg(d[i] >= w[m].lo - 1e-9 && d[i] <= w[m].hi,
                    "mode %d: %g outside [%g, %g)", (int)w[m].mode, d[i],
                    w[m].lo, w[m].hi);
      at_cap += d[i] == 100;
    }
    qsort(d, 1000, sizeof(double), cmp_double);
    for (i = 1; i < 1000; i++)
      distinct += d[i] != d[i - 1];
    ck_assert_msg(distinct >= 990, "mode %d: only %d distinct delays",
                  (int)w[m].mode, distinct);
    ck_assert_msg(at_cap <= 1, "mode %d: %d delays == cap", (int)w[m].mode,
                  at_cap);
    /* Spread over the window: both ends reached within 5 %. */
    ck_assert_msg(
        d[0] < w[m].lo + 0.05 * width && d[999] > w[m].hi - 0.05 * width,
        "mode %d: draws span only [%g, %g]", (int)w[m].mode, d[0], d[999]);
    backoff_strategy_free(s);
  }
}
END_TEST

START_TEST(minimum_above_cap_is_einval_at_delay_time) {
  backoff_strategy_t *s = open_j("linear", BACKOFF_JITTER_FULL);
  double d = -1;
  set(s, "cap", 3);
  set(s, "minimum", 5); /* each is fine alone */
  ck_assert_int_eq(backoff_strategy_delay(s, 1, 0, NULL, NULL, &d),
                   BACKOFF_EINVAL);
  EQ(d, 0);
  has(backoff_last_error(), "minimum");
  has(backoff_last_error(), "cap");
  set(s, "minimum", 3); /* equal is fine: every delay is 3 */
  EQ(at_u(s, 1, 0), 3);
  EQ(at_u(s, 100, 0.9), 3);
  set(s, "cap", 0); /* no cap: no conflict */
  set(s, "minimum", 5);
  EQ(at_u(s, 1, 0), 5);
  backoff_strategy_free(s);
}
END_TEST

/* ---- saturation --------------------------------------------------------- */

START_TEST(saturates_at_delay_max) {
  static const unsigned ns[] = {29, 30, 100, 1023, 1024, 100000, UINT_MAX};
  backoff_strategy_t *s = open_j("exponential", BACKOFF_JITTER_NONE);
  size_t i;
  EQ(at_u(s, 29, 0), 536870912); /* 2^29 < 1e9 */
  for (i = 1; i < sizeof(ns) / sizeof(ns[0]); i++)
    EQ(at_u(s, ns[i], 0), BACKOFF_DELAY_MAX);
  set(s, "scale_factor", BACKOFF_DELAY_MAX); /* 1 * 1e9 */
  EQ(at_u(s, 0, 0), BACKOFF_DELAY_MAX);
  EQ(at_u(s, 1, 0), BACKOFF_DELAY_MAX);
  set(s, "scale_factor", 1);
  /* Jittered at saturation: still within, and still spread. */
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_ADDITIVE), 0);
  EQ(at_u(s, UINT_MAX, 0), BACKOFF_DELAY_MAX - 1);
  ck_assert(at_u(s, UINT_MAX, U_ALMOST_1) <= BACKOFF_DELAY_MAX);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_FULL), 0);
  EQ(at_u(s, UINT_MAX, 0.5), BACKOFF_DELAY_MAX / 2);
  /* A cap above the maximum is refused rather than silently ignored. */
  ck_assert_int_eq(backoff_strategy_set(s, "cap", 2e9), BACKOFF_ERANGE);
  backoff_strategy_free(s);

  s = open_j("polynomial", BACKOFF_JITTER_NONE);
  set(s, "exponent", 100);
  EQ(at_u(s, UINT_MAX, 0), BACKOFF_DELAY_MAX);
  EQ(at_u(s, 1, 0), 1);
  backoff_strategy_free(s);
  s = open_j("fibonacci", BACKOFF_JITTER_NONE);
  EQ(at_u(s, UINT_MAX, 0), BACKOFF_DELAY_MAX);
  backoff_strategy_free(s);
}
END_TEST

/* ---- the random source ------------------------------------------------ */

START_TEST(bad_random_values_are_erandom) {
  const double bad[] = {1.0, NAN, -0.1, INFINITY, -INFINITY, 1.5, -0.0001};
  backoff_strategy_t *s = with_base(8, BACKOFF_JITTER_ADDITIVE);
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    seq_rng_t r = {&bad[i], 1, 0};
    double d = -1;
    int rc = backoff_strategy_delay(s, 0, 0, seq_rng, &r, &d);
    ck_assert_msg(rc == BACKOFF_ERANDOM, "u=%g: %s", bad[i],
                  backoff_err_name(rc));
    EQ(d, 0);
    has(backoff_last_error(), "random");
  }
  /* The edges of [0, 1) are fine; -0.0 is zero. */
  EQ(at_u(s, 0, 0.0), 8);
  EQ(at_u(s, 0, -0.0), 8);
  ck_assert(at_u(s, 0, U_ALMOST_1) <= 9);
  /* With no jitter the source is never asked, so it cannot fail. */
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_NONE), 0);
  EQ(at_u(s, 0, NAN), 8);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(seeded_delays_are_reproducible) {
  static const backoff_jitter_t modes[] = {
      BACKOFF_JITTER_ADDITIVE, BACKOFF_JITTER_FULL, BACKOFF_JITTER_EQUAL,
      BACKOFF_JITTER_PROPORTIONAL};
  size_t m;
  for (m = 0; m < 4; m++) {
    backoff_strategy_t *s = open_j("exponential", modes[m]);
    backoff_rng_t a, b, c;
    unsigned n;
    int differ = 0;
    backoff_rng_seed(&a, 42);
    backoff_rng_seed(&b, 42);
    backoff_rng_seed(&c, 43);
    for (n = 0; n < 64; n++) {
      const double da = at_rng(s, n % 12, &a), db = at_rng(s, n % 12, &b);
      const double dc = at_rng(s, n % 12, &c);
      EQ(da, db);
      differ += da != dc;
    }
    ck_assert_msg(differ > 32, "seeds 42 and 43 differ in %d of 64", differ);
    backoff_strategy_free(s);
  }
}
END_TEST

START_TEST(rng_range_and_seed_zero) {
  backoff_rng_t r, z1, z2;
  int i;
  double lo = 1, hi = 0, sum = 0;
  backoff_rng_seed(&r, 7);
  for (i = 0; i < 100000; i++) {
    const double u = backoff_rng_uniform(&r);
    ck_assert(u >= 0 && u < 1);
    lo = u < lo ? u : lo;
    hi = u > hi ? u : hi;
    sum += u;
  }
  ck_assert(lo < 0.001 && hi > 0.999);
  ck_assert(fabs(sum / 100000 - 0.5) < 0.01);
  backoff_rng_seed(&z1, 0);
  backoff_rng_seed(&z2, 0);
  for (i = 0; i < 10; i++) {
    const double u = backoff_rng_uniform(&z1);
    EQ(u, backoff_rng_uniform(&z2));
    ck_assert(u >= 0 && u < 1);
  }
}
END_TEST

/* Python backoff-utils' own distribution, 8 + U[0,1) at n = 3, over 2000
 * samples: min near 8, max near 9, mean near 8.5. Seeded, and with the
 * library's own per-thread generator (rnd = NULL). */
static void additive_bounds(int seeded) {
  backoff_strategy_t *s = open_j("exponential", BACKOFF_JITTER_ADDITIVE);
  backoff_rng_t rng;
  double lo = 1e9, hi = 0, sum = 0;
  int i;
  backoff_rng_seed(&rng, 2024);
  for (i = 0; i < 2000; i++) {
    double d = -1;
    ck_assert_int_eq(
        backoff_strategy_delay(s, 3, 0, seeded ? backoff_rng_uniform : NULL,
                               seeded ? &rng : NULL, &d),
        0);
    lo = d < lo ? d : lo;
    hi = d > hi ? d : hi;
    sum += d;
  }
  ck_assert_msg(lo >= 8 && hi < 9, "range [%g, %g]", lo, hi);
  /* sd of the mean is 0.0065: 0.05 is a 7-sigma tolerance */
  ck_assert_msg(fabs(sum / 2000 - 8.5) < 0.05, "mean %g", sum / 2000);
  ck_assert_msg(lo < 8.01 && hi > 8.99, "range [%g, %g] too narrow", lo, hi);
  backoff_strategy_free(s);
}

START_TEST(additive_bounds_seeded) { additive_bounds(1); }
END_TEST

START_TEST(additive_bounds_default_source) { additive_bounds(0); }
END_TEST

START_TEST(delay_argument_errors) {
  backoff_strategy_t *s = with_base(2, BACKOFF_JITTER_NONE);
  double d = -1;
  ck_assert_int_eq(backoff_strategy_delay(NULL, 0, 0, NULL, NULL, &d),
                   BACKOFF_EINVAL);
  EQ(d, 0);
  ck_assert_int_eq(backoff_strategy_delay(s, 0, 0, NULL, NULL, NULL),
                   BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_delay(s, 0, -1, NULL, NULL, &d),
                   BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_delay(s, 0, NAN, NULL, NULL, &d),
                   BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_delay(s, 0, INFINITY, NULL, NULL, &d),
                   BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_delay(s, 0, 1e6, NULL, NULL, &d), 0);
  EQ(d, 2);
  backoff_strategy_free(s);
}
END_TEST

/* ---- the "name=value,..." syntax --------------------------------------- */

static int conf(backoff_strategy_t *s, const char *spec) {
  return backoff_strategy_configure(s, spec);
}

static double get(const backoff_strategy_t *s, const char *name) {
  double v = -1;
  int rc = backoff_strategy_get(s, name, &v);
  ck_assert_msg(rc == 0, "get %s: %s", name, backoff_last_error());
  return v;
}

START_TEST(configure_sets_params_and_core) {
  backoff_strategy_t *s = open_j("polynomial", BACKOFF_JITTER_NONE);
  ck_assert_int_eq(conf(s, "exponent=3,scale_factor=0.5"), 0);
  EQ(get(s, "exponent"), 3);
  EQ(get(s, "scale_factor"), 0.5);
  EQ(at_u(s, 2, 0), 4); /* 2^3 * 0.5 */
  EQ(at_u(s, 3, 0), 13.5);
  ck_assert_int_eq(conf(s, "jitter=full"), 0);
  EQ(get(s, "jitter"), BACKOFF_JITTER_FULL);
  EQ(at_u(s, 2, 0.5), 2);
  ck_assert_int_eq(conf(s, "minimum=1.5,cap=60,jitter_factor=0.25,"
                           "jitter=proportional"),
                   0);
  EQ(get(s, "minimum"), 1.5);
  EQ(get(s, "cap"), 60);
  EQ(get(s, "jitter_factor"), 0.25);
  EQ(get(s, "jitter"), BACKOFF_JITTER_PROPORTIONAL);
  /* Empty and blank specs change nothing. */
  ck_assert_int_eq(conf(s, ""), 0);
  ck_assert_int_eq(conf(s, " \t "), 0);
  EQ(get(s, "exponent"), 3);
  /* Numbers in every decimal form. */
  ck_assert_int_eq(conf(s, "exponent=2.5e0,scale_factor=+.25"), 0);
  EQ(get(s, "exponent"), 2.5);
  EQ(get(s, "scale_factor"), 0.25);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(configure_lists) {
  backoff_strategy_t *s = open_j("fixed", BACKOFF_JITTER_NONE);
  double seq[BACKOFF_LIST_MAX + 1];
  char spec[2048];
  size_t i, len;

  ck_assert_int_eq(conf(s, "sequence=1,2,5"), 0);
  EQ(at_u(s, 0, 0), 1);
  EQ(at_u(s, 1, 0), 2);
  EQ(at_u(s, 2, 0), 5);
  EQ(at_u(s, 3, 0), 5); /* repeats its last value */
  EQ(at_u(s, UINT_MAX, 0), 5);
  EQ(get(s, "sequence"), 1); /* a list reads its first value */
  /* A list followed by other settings. */
  ck_assert_int_eq(conf(s, "sequence = 0.5 , 3 ,scale_factor=2"), 0);
  EQ(at_u(s, 0, 0), 1);
  EQ(at_u(s, 9, 0), 6);
  /* BACKOFF_LIST_MAX values fit; one more does not. */
  len = (size_t)snprintf(spec, sizeof(spec), "scale_factor=1,sequence=0");
  for (i = 1; i < BACKOFF_LIST_MAX; i++)
    len += (size_t)snprintf(spec + len, sizeof(spec) - len, ",%zu", i);
  ck_assert_int_eq(conf(s, spec), 0);
  EQ(at_u(s, BACKOFF_LIST_MAX - 1, 0), BACKOFF_LIST_MAX - 1);
  EQ(at_u(s, BACKOFF_LIST_MAX + 5, 0), BACKOFF_LIST_MAX - 1);
  snprintf(spec + len, sizeof(spec) - len, ",99");
  ck_assert_int_eq(conf(s, spec), BACKOFF_ERANGE);
  EQ(at_u(s, 1, 0), 1); /* unchanged */
  (void)seq;
  backoff_strategy_free(s);
}
END_TEST

typedef struct {
  const char *spec;
  int err;
  const char *quoted; /* the message names this */
} bad_spec_t;

START_TEST(configure_errors) {
  static const bad_spec_t bad[] = {
      {"nosuch=1", BACKOFF_EPARAM, "nosuch"},
      {"Exponent=3", BACKOFF_EPARAM, "Exponent"},
      {"sequence=1", BACKOFF_EPARAM, "sequence"},
      {"exponent=abc", BACKOFF_ESYNTAX, "abc"},
      {"exponent=3x", BACKOFF_ESYNTAX, "3x"},
      {"exponent=0x10", BACKOFF_ESYNTAX, "0x10"},
      {"exponent=nan", BACKOFF_ESYNTAX, "nan"},
      {"exponent=inf", BACKOFF_ESYNTAX, "inf"},
      {"exponent=1e", BACKOFF_ESYNTAX, "1e"},
      {"exponent=.", BACKOFF_ESYNTAX, "."},
      {"exponent=1 2", BACKOFF_ESYNTAX, "1 2"},
      {"exponent==3", BACKOFF_ESYNTAX, "=3"},
      {"exponent=", BACKOFF_ESYNTAX, "exponent="},
      {"=3", BACKOFF_ESYNTAX, "=3"},
      {"exponent", BACKOFF_ESYNTAX, "exponent"},
      {"exponent=2,3", BACKOFF_ESYNTAX, "3"},
      {"exponent=3,", BACKOFF_ESYNTAX, "empty item"},
      {",exponent=3", BACKOFF_ESYNTAX, "empty item"},
      {"exponent=3,,cap=1", BACKOFF_ESYNTAX, "empty item"},
      {"exponent=3, ,cap=1", BACKOFF_ESYNTAX, "empty item"},
      {",", BACKOFF_ESYNTAX, "empty item"},
      {"jitter=FULL", BACKOFF_ESYNTAX, "FULL"},
      {"jitter=", BACKOFF_ESYNTAX, "jitter="},
      {"jitter=averyveryverylongmode", BACKOFF_ESYNTAX, "averyvery"},
      {"jitter=3", BACKOFF_ESYNTAX, "3"},
      {"exponent=101", BACKOFF_ERANGE, "101"},
      {"exponent=-1", BACKOFF_ERANGE, "-1"},
      {"exponent=1e999", BACKOFF_ERANGE, "1e999"},
      {"scale_factor=1e10", BACKOFF_ERANGE, "scale_factor"},
      {"scale_factor=-2", BACKOFF_ERANGE, "scale_factor"},
      {"minimum=-1", BACKOFF_ERANGE, "minimum"},
      {"cap=-1", BACKOFF_ERANGE, "cap"},
      {"cap=1e10", BACKOFF_ERANGE, "cap"},
      {"jitter_factor=1.5", BACKOFF_ERANGE, "jitter_factor"}};
  backoff_strategy_t *s = open_j("polynomial", BACKOFF_JITTER_NONE);
  size_t i;

  ck_assert_int_eq(conf(s, "exponent=2"), 0);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int rc = conf(s, bad[i].spec);
    ck_assert_msg(rc == bad[i].err, "'%s': got %s, want %s (%s)", bad[i].spec,
                  backoff_err_name(rc), backoff_err_name(bad[i].err),
                  backoff_last_error());
    has(backoff_last_error(), bad[i].quoted);
    EQ(get(s, "exponent"), 2); /* nothing changed */
    EQ(get(s, "jitter"), BACKOFF_JITTER_NONE);
  }
  ck_assert_int_eq(conf(NULL, "exponent=1"), BACKOFF_EINVAL);
  ck_assert_int_eq(conf(s, NULL), BACKOFF_EINVAL);
  backoff_strategy_free(s);
}
END_TEST

/* All-or-nothing: a failing item leaves every earlier one undone. */
START_TEST(configure_is_all_or_nothing) {
  backoff_strategy_t *s = open_j("polynomial", BACKOFF_JITTER_NONE);
  ck_assert_int_eq(conf(s, "exponent=3,jitter=full,minimum=2,scale_factor=-1"),
                   BACKOFF_ERANGE);
  EQ(get(s, "exponent"), 1);
  EQ(get(s, "jitter"), BACKOFF_JITTER_NONE);
  EQ(get(s, "minimum"), 0);
  EQ(get(s, "scale_factor"), 1);
  ck_assert_int_eq(conf(s, "cap=9,jitter=equal,bogus=1"), BACKOFF_EPARAM);
  EQ(get(s, "cap"), 0);
  EQ(get(s, "jitter"), BACKOFF_JITTER_NONE);
  backoff_strategy_free(s);

  s = open_j("fixed", BACKOFF_JITTER_NONE);
  ck_assert_int_eq(conf(s, "sequence=4,5"), 0);
  ck_assert_int_eq(conf(s, "sequence=1,2,x"), BACKOFF_ESYNTAX);
  ck_assert_int_eq(conf(s, "sequence=1,2,-3"), BACKOFF_ERANGE);
  ck_assert_int_eq(conf(s, "sequence=7,8,scale_factor=-1"), BACKOFF_ERANGE);
  EQ(at_u(s, 0, 0), 4);
  EQ(at_u(s, 1, 0), 5);
  EQ(at_u(s, 2, 0), 5);
  EQ(get(s, "scale_factor"), 1);
  backoff_strategy_free(s);
}
END_TEST

/* ---- typed setters and getters ------------------------------------------ */

START_TEST(typed_setters_and_getters) {
  backoff_strategy_t *s = open_j("polynomial", BACKOFF_JITTER_NONE);
  double v = -1;

  set(s, "exponent", 2);
  EQ(get(s, "exponent"), 2);
  EQ(at_u(s, 3, 0), 9);
  set(s, "exponent", 0);
  EQ(at_u(s, 0, 0), 1); /* 0^0 = 1 */
  set(s, "exponent", 100);
  ck_assert_int_eq(backoff_strategy_set(s, "exponent", 100.5), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "exponent", -0.5), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "exponent", NAN), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "exponent", INFINITY),
                   BACKOFF_ERANGE);
  has(backoff_last_error(), "exponent");
  EQ(get(s, "exponent"), 100);

  /* Core settings and their ranges. */
  set(s, "scale_factor", 1e-9);
  set(s, "scale_factor", BACKOFF_DELAY_MAX);
  set(s, "scale_factor", 0); /* 0: the default */
  EQ(get(s, "scale_factor"), 1);
  ck_assert_int_eq(backoff_strategy_set(s, "scale_factor", 2e9),
                   BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "scale_factor", INFINITY),
                   BACKOFF_ERANGE);
  set(s, "minimum", 0);
  set(s, "minimum", BACKOFF_DELAY_MAX);
  ck_assert_int_eq(backoff_strategy_set(s, "minimum", -1e-9), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "minimum", NAN), BACKOFF_ERANGE);
  set(s, "cap", 0);
  set(s, "cap", BACKOFF_DELAY_MAX);
  ck_assert_int_eq(backoff_strategy_set(s, "cap", -1), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "cap", NAN), BACKOFF_ERANGE);
  set(s, "jitter_factor", 0);
  set(s, "jitter_factor", 1);
  ck_assert_int_eq(backoff_strategy_set(s, "jitter_factor", 1.01),
                   BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "jitter_factor", -0.1),
                   BACKOFF_ERANGE);
  EQ(get(s, "jitter_factor"), 1);
  EQ(get(s, "cap"), BACKOFF_DELAY_MAX);

  /* jitter takes a mode, through set_jitter or the string syntax. */
  set(s, "jitter", BACKOFF_JITTER_FULL); /* by number, as get reads it */
  EQ(get(s, "jitter"), BACKOFF_JITTER_FULL);
  ck_assert_int_eq(backoff_strategy_set(s, "jitter", 2.5), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "jitter", 6), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_EQUAL), 0);
  EQ(get(s, "jitter"), BACKOFF_JITTER_EQUAL);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, (backoff_jitter_t)6),
                   BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set_jitter(s, (backoff_jitter_t)-1),
                   BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set_jitter(NULL, BACKOFF_JITTER_NONE),
                   BACKOFF_EINVAL);
  EQ(get(s, "jitter"), BACKOFF_JITTER_EQUAL);

  /* Unknown names and NULLs. */
  ck_assert_int_eq(backoff_strategy_set(s, "nosuch", 1), BACKOFF_EPARAM);
  has(backoff_last_error(), "nosuch");
  ck_assert_int_eq(backoff_strategy_set(s, "", 1), BACKOFF_EPARAM);
  ck_assert_int_eq(backoff_strategy_set(s, NULL, 1), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_set(NULL, "cap", 1), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_get(s, "nosuch", &v), BACKOFF_EPARAM);
  EQ(v, 0); /* cleared */
  ck_assert_int_eq(backoff_strategy_get(s, "exponent", NULL), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_get(NULL, "exponent", &v), BACKOFF_EINVAL);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(integer_parameters_take_whole_numbers) {
  char p[4096];
  const char *dir = getenv(TEST_PLUGINS_ENV);
  backoff_strategy_t *s;
  ck_assert_ptr_nonnull(dir);
  snprintf(p, sizeof(p), "%s/strategy_hostile_delay.la", dir);
  s = open_j(p, BACKOFF_JITTER_NONE);
  set(s, "kind", 9);
  ck_assert_int_eq(backoff_strategy_set(s, "kind", 2.5), BACKOFF_ERANGE);
  has(backoff_last_error(), "whole number");
  ck_assert_int_eq(conf(s, "kind=1.5"), BACKOFF_ERANGE);
  EQ(get(s, "kind"), 9);
  EQ(at_u(s, 4, 0), 4);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(set_list_limits) {
  backoff_strategy_t *s = open_j("fixed", BACKOFF_JITTER_NONE);
  backoff_strategy_t *p = open_j("polynomial", BACKOFF_JITTER_NONE);
  double v[BACKOFF_LIST_MAX + 1];
  size_t i;

  for (i = 0; i <= BACKOFF_LIST_MAX; i++)
    v[i] = (double)i + 1;
  ck_assert_int_eq(
      backoff_strategy_set_list(s, "sequence", v, BACKOFF_LIST_MAX), 0);
  EQ(at_u(s, BACKOFF_LIST_MAX - 1, 0), BACKOFF_LIST_MAX);
  EQ(at_u(s, 0, 0), 1);
  ck_assert_int_eq(
      backoff_strategy_set_list(s, "sequence", v, BACKOFF_LIST_MAX + 1),
      BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set_list(s, "sequence", v, 0),
                   BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set_list(s, "sequence", NULL, 2),
                   BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_set_list(s, "nosuch", v, 2),
                   BACKOFF_EPARAM);
  ck_assert_int_eq(backoff_strategy_set_list(NULL, "sequence", v, 2),
                   BACKOFF_EINVAL);
  v[1] = -1; /* one bad value refuses the whole list */
  ck_assert_int_eq(backoff_strategy_set_list(s, "sequence", v, 3),
                   BACKOFF_ERANGE);
  v[1] = NAN;
  ck_assert_int_eq(backoff_strategy_set_list(s, "sequence", v, 3),
                   BACKOFF_ERANGE);
  EQ(at_u(s, 1, 0), 2); /* still the 64-value list */
  /* A list parameter set with set() is the one-value list [value]. */
  set(s, "sequence", 7);
  EQ(at_u(s, 0, 0), 7);
  EQ(at_u(s, 5, 0), 7);
  /* A scalar takes a list of exactly one. */
  v[0] = 2;
  ck_assert_int_eq(backoff_strategy_set_list(p, "exponent", v, 1), 0);
  EQ(at_u(p, 3, 0), 9);
  ck_assert_int_eq(backoff_strategy_set_list(p, "exponent", v, 2),
                   BACKOFF_ERANGE);
  backoff_strategy_free(s);
  backoff_strategy_free(p);
}
END_TEST

/* A copy is independent, list storage included. */
START_TEST(dup_is_independent) {
  backoff_strategy_t *s = open_j("fixed", BACKOFF_JITTER_NONE), *c = NULL;
  ck_assert_int_eq(conf(s, "sequence=1,2,5,scale_factor=2,cap=8"), 0);
  ck_assert_int_eq(backoff_strategy_dup(&c, s), 0);
  ck_assert_int_eq(conf(s, "sequence=9,9,9,9,scale_factor=1,cap=0"), 0);
  backoff_strategy_free(s);
  EQ(at_u(c, 0, 0), 2);
  EQ(at_u(c, 1, 0), 4);
  EQ(at_u(c, 2, 0), 8); /* 10, capped */
  EQ(get(c, "cap"), 8);
  ck_assert_str_eq(backoff_strategy_name(c), "fixed");
  ck_assert_int_eq(backoff_strategy_dup(NULL, c), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_dup(&s, NULL), BACKOFF_EINVAL);
  backoff_strategy_free(c);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("pipeline");
  TCase *jit = tcase_create("jitter");
  TCase *steps = tcase_create("steps");
  TCase *rnd = tcase_create("random");
  TCase *cfg = tcase_create("settings");

  tcase_add_test(jit, jitter_none_is_base_and_draws_nothing);
  tcase_add_test(jit, jitter_additive_exact);
  tcase_add_test(jit, jitter_default_is_additive);
  tcase_add_test(jit, jitter_full_exact);
  tcase_add_test(jit, jitter_equal_exact);
  tcase_add_test(jit, jitter_proportional_exact);
  tcase_add_test(jit, jitter_names);
  suite_add_tcase(s, jit);

  tcase_add_test(steps, scale_factor_applies_to_base_and_jitter);
  tcase_add_test(steps, minimum_raises_after_jitter_and_scale);
  tcase_add_test(steps, cap_limits_each_delay);
  tcase_add_test(steps, cap_moves_the_jitter_window);
  tcase_add_test(steps, cap_never_collapses_jitter);
  tcase_add_test(steps, minimum_above_cap_is_einval_at_delay_time);
  tcase_add_test(steps, saturates_at_delay_max);
  tcase_add_test(steps, delay_argument_errors);
  suite_add_tcase(s, steps);

  tcase_add_test(rnd, bad_random_values_are_erandom);
  tcase_add_test(rnd, seeded_delays_are_reproducible);
  tcase_add_test(rnd, rng_range_and_seed_zero);
  tcase_add_test(rnd, additive_bounds_seeded);
  tcase_add_test(rnd, additive_bounds_default_source);
  suite_add_tcase(s, rnd);

  tcase_add_test(cfg, configure_sets_params_and_core);
  tcase_add_test(cfg, configure_lists);
  tcase_add_test(cfg, configure_errors);
  tcase_add_test(cfg, configure_is_all_or_nothing);
  tcase_add_test(cfg, typed_setters_and_getters);
  tcase_add_test(cfg, integer_parameters_take_whole_numbers);
  tcase_add_test(cfg, set_list_limits);
  tcase_add_test(cfg, dup_is_independent);
  suite_add_tcase(s, cfg);
  return s;
}
