/* SPDX-License-Identifier: MIT */
/* Proportional jitter (core) and decorrelated jitter (plugin), value by
 * value with an injected random source, including the cap rules, the
 * feedback of the previous delay and a broken random source. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "check_common.h"

static backoff_strategy_t *open_cfg(const char *name, const char *spec) {
  backoff_strategy_t *s = NULL;
  int rc = backoff_strategy_open(&s, name);
  ck_assert_msg(rc == 0, "open %s: %s (%s)", name, backoff_strerror(rc),
                backoff_last_error());
  rc = backoff_strategy_configure(s, spec);
  ck_assert_msg(rc == 0, "configure '%s': %s", spec, backoff_last_error());
  return s;
}

/* The delay after failure n given previous, with the random source
 * returning u (then u2, ...). */
static double at(const backoff_strategy_t *s, unsigned n, double previous,
                 double u) {
  double vals[1] = {u}, d = -1;
  seq_rng_t r = {vals, 1, 0};
  int rc = backoff_strategy_delay(s, n, previous, seq_rng, &r, &d);
  ck_assert_msg(rc == 0, "delay: %s (%s)", backoff_strerror(rc),
                backoff_last_error());
  return d;
}

#define EQ(got, want)                                                         \
  do {                                                                        \
    const double g_ = (got), w_ = (want);                                     \
    ck_assert_msg(g_ == w_, "%s = %.17g, want %.17g", #got, g_, w_);          \
  } while (0)

static const double ALMOST_ONE = 0x1.fffffffffffffp-1; /* largest u < 1 */

/* ---- proportional ----------------------------------------------------- */

START_TEST(proportional_exact_values) {
  backoff_strategy_t *s =
      open_cfg("fixed", "sequence=10,jitter=proportional,jitter_factor=0.5");
  /* 10 * U[0.5, 1.5) */
  EQ(at(s, 0, 0, 0), 5);
  EQ(at(s, 0, 0, 0.5), 10);
  EQ(at(s, 0, 0, 0.75), 12.5);
  ck_assert_int_eq(backoff_strategy_configure(s, "jitter_factor=0.25"), 0);
  EQ(at(s, 0, 0, 0), 7.5); /* 10 * U[0.75, 1.25) */
  EQ(at(s, 0, 0, 0.5), 10);
  EQ(at(s, 0, 0, 0.25), 8.75);
  ck_assert_int_eq(backoff_strategy_configure(s, "jitter_factor=1"), 0);
  EQ(at(s, 0, 0, 0), 0); /* 10 * U[0, 2) */
  EQ(at(s, 0, 0, 0.75), 15);
  ck_assert_int_eq(backoff_strategy_configure(s, "jitter_factor=0"), 0);
  EQ(at(s, 0, 0, 0.9), 14); /* 0 is the default 0.5, as in the options */
  /* scale_factor first, minimum after */
  ck_assert_int_eq(
      backoff_strategy_configure(s, "jitter_factor=0.5,scale_factor=2"), 0);
  EQ(at(s, 0, 0, 0), 10);
  EQ(at(s, 0, 0, 0.5), 20);
  ck_assert_int_eq(backoff_strategy_configure(s, "scale_factor=1,minimum=6"),
                   0);
  EQ(at(s, 0, 0, 0), 6);
  EQ(at(s, 0, 0, 0.5), 10);
  /* The default factor is 0.5. */
  backoff_strategy_free(s);
  s = open_cfg("fixed", "sequence=10,jitter=proportional");
  EQ(at(s, 0, 0, 0), 5);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(proportional_cap_moves_window_below_it) {
  backoff_strategy_t *s = open_cfg(
      "fixed", "sequence=7,8,10,1000,jitter=proportional,jitter_factor=0.5,"
               "cap=12");
  /* base 7: 7*1.5 = 10.5 <= 12, untouched: [3.5, 10.5) */
  EQ(at(s, 0, 0, 0), 3.5);
  EQ(at(s, 0, 0, 0.5), 7);
  /* base 8 = cap / (1+f): the window just touches the cap: [4, 12) */
  EQ(at(s, 1, 0, 0), 4);
  EQ(at(s, 1, 0, 0.75), 10);
  /* base 10 and 1000: saturated, the window is [cap(1-f)/(1+f), cap) */
  EQ(at(s, 2, 0, 0), 4);
  EQ(at(s, 2, 0, 0.5), 8);
  EQ(at(s, 2, 0, 0.75), 10);
  EQ(at(s, 3, 0, 0), 4);
  EQ(at(s, 3, 0, 0.75), 10);
  ck_assert(at(s, 3, 0, ALMOST_ONE) <= 12);
  ck_assert(at(s, 3, 0, ALMOST_ONE) > 11.99);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(proportional_saturated_delays_stay_spread) {
  backoff_strategy_t *s =
      open_cfg("exponential", "jitter=proportional,jitter_factor=0.2,cap=30");
  double prev = -1, lo = 1e300, hi = 0;
  unsigned i, at_cap = 0;
  /* n = 40: 2^40 s, far past the cap; U = i/1000 must give 1000 distinct,
   * increasing delays in [20, 30), none of them the cap itself. */
  for (i = 0; i < 1000; i++) {
    const double d = at(s, 40, 0, i / 1000.0);
    ck_assert_msg(d > prev, "u=%u/1000: %.17g after %.17g", i, d, prev);
    if (d == 30)
      at_cap++;
    if (d < lo)
      lo = d;
    if (d > hi)
      hi = d;
    prev = d;
  }
  ck_assert_uint_eq(at_cap, 0);
  EQ(lo, 20);
  ck_assert(hi < 30 && hi > 29.9);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(proportional_through_policy_options) {
  const double u[] = {0.5, 0, 0.75};
  seq_rng_t r = {u, 3, 0};
  fake_time_t t;
  backoff_options_t o;
  backoff_policy_t *p = NULL;
  backoff_schedule_t sc;
  double d;

  memset(&t, 0, sizeof(t));
  memset(&o, 0, sizeof(o));
  o.strategy = "exponential";
  o.jitter = BACKOFF_JITTER_PROPORTIONAL; /* jitter_factor 0: 0.5 */
  o.random = seq_rng;
  o.random_ctx = &r;
  o.clock = fake_clock;
  o.clock_ctx = &t;
  o.cap = 6;
  o.max_tries = 4;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(backoff_schedule_init(&sc, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
  ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), 0);
  EQ(d, 1); /* 1 * (0.5 + 0.5) */
  ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
  ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), 0);
  EQ(d, 1); /* 2 * 0.5 */
  ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
  ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), 0);
  EQ(d, 5); /* 4 * 1.5 = 6 <= cap: 4 * 1.25 */
  backoff_policy_free(p);

  o.jitter_factor = 1.5;
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_ERANGE);
  o.jitter_factor = -0.5;
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_ERANGE);
  o.jitter_factor = NAN;
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_ERANGE);
}
END_TEST

START_TEST(proportional_names_and_bounds) {
  backoff_jitter_t j;
  backoff_strategy_t *s = open_cfg("fixed", "");
  ck_assert_int_eq(backoff_jitter_parse("proportional", &j), 0);
  ck_assert_int_eq(j, BACKOFF_JITTER_PROPORTIONAL);
  ck_assert_str_eq(backoff_jitter_name(BACKOFF_JITTER_PROPORTIONAL),
                   "proportional");
  ck_assert_int_eq(backoff_strategy_configure(s, "jitter_factor=1.01"),
                   BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "jitter_factor", -0.01),
                   BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "jitter_factor", NAN),
                   BACKOFF_ERANGE);
  backoff_strategy_free(s);
}
END_TEST

/* ---- decorrelated ----------------------------------------------------- */

START_TEST(decorrelated_parameters) {
  backoff_strategy_t *s = open_cfg("decorrelated", "");
  backoff_param_info_t info;
  double v;

  ck_assert_int_eq(backoff_strategy_get(s, "base", &v), 0);
  EQ(v, 1);
  ck_assert_int_eq(backoff_strategy_get(s, "ceiling", &v), 0);
  EQ(v, 60);
  ck_assert_int_eq(backoff_strategy_param(s, 0, &info), 1);
  ck_assert_str_eq(info.name, "base");
  ck_assert_int_eq(backoff_strategy_param(s, 2, &info), 0);
  ck_assert_str_ne(backoff_strategy_description(s), "");
  ck_assert_int_eq(backoff_strategy_set(s, "base", 0), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "ceiling", -1), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff_strategy_set(s, "ceiling", 2e9), BACKOFF_ERANGE);
  /* "cap" is the core's cap, not a plugin parameter. */
  ck_assert_int_eq(backoff_strategy_configure(s, "cap=5"), 0);
  ck_assert_int_eq(backoff_strategy_get(s, "cap", &v), 0);
  EQ(v, 5);
  ck_assert_int_eq(backoff_strategy_get(s, "ceiling", &v), 0);
  EQ(v, 60);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(decorrelated_formula) {
  backoff_strategy_t *s =
      open_cfg("decorrelated", "base=1,ceiling=60,jitter=none");
  /* n = 0 starts from base whatever previous says: [1, 3] */
  EQ(at(s, 0, 0, 0), 1);
  EQ(at(s, 0, 0, 0.5), 2);
  EQ(at(s, 0, 100, 0.5), 2);
  /* then [base, 3 * previous] */
  EQ(at(s, 1, 2, 0.5), 3.5);
  EQ(at(s, 1, 2, 0), 1);
  EQ(at(s, 5, 10, 0.25), 1 + 0.25 * 29);
  /* a previous below base reads as base: the window never shrinks */
  EQ(at(s, 3, 0, 0.5), 2);
  EQ(at(s, 3, 0.1, 0.5), 2);
  EQ(at(s, 3, 1, 0.75), 2.5);
  /* never past 3 * previous, even for u just below 1 */
  ck_assert(at(s, 1, 2, ALMOST_ONE) <= 6);
  ck_assert(at(s, 1, 2, ALMOST_ONE) > 5.999);
  /* the ceiling: min(ceiling, draw) */
  EQ(at(s, 4, 40, 0.5), 60); /* 1 + 0.5 * 119 = 60.5 */
  EQ(at(s, 4, 40, 0.25), 1 + 0.25 * 119);
  EQ(at(s, 9, 60, 0.4), 60); /* 1 + 0.4 * 179 = 72.6 */
  /* huge previous: no overflow */
  EQ(at(s, 9, BACKOFF_DELAY_MAX, 0.5), 60);
  ck_assert_int_eq(backoff_strategy_configure(s, "ceiling=1000000000"), 0);
  EQ(at(s, 9, BACKOFF_DELAY_MAX, 0.5), 1e9);
  /* a ceiling below base: the ceiling */
  ck_assert_int_eq(backoff_strategy_configure(s, "base=5,ceiling=2"), 0);
  EQ(at(s, 0, 0, 0.5), 2);
  EQ(at(s, 7, 100, 0), 2);
  /* sub-second bases */
  ck_assert_int_eq(backoff_strategy_configure(s, "base=0.25,ceiling=20"), 0);
  EQ(at(s, 0, 0, 0.5), 0.5);
  EQ(at(s, 1, 0.5, 0.5), 0.25 + 0.5 * 1.25);
  backoff_strategy_free(s);
}
END_TEST

START_TEST(decorrelated_composes_with_core_settings) {
  backoff_strategy_t *s =
      open_cfg("decorrelated", "base=1,ceiling=60,jitter=none,cap=3");
  double vals[2] = {0.5, 0.25}, d;
  seq_rng_t r = {vals, 2, 0};

  EQ(at(s, 1, 3, 0.5), 3); /* draw 5, core cap 3 */
  EQ(at(s, 0, 0, 0.5), 2);
  ck_assert_int_eq(backoff_strategy_configure(s, "cap=0,minimum=2.5"), 0);
  EQ(at(s, 0, 0, 0.5), 2.5);
  backoff_strategy_free(s);
  /* By default the core adds nothing: one draw, the plugin's. */
  s = open_cfg("decorrelated", "");
  ck_assert_int_eq(backoff_strategy_delay(s, 0, 0, seq_rng, &r, &d), 0);
  EQ(d, 2);
  ck_assert_uint_eq(r.i, 1);
  /* Additive jitter when asked for: the plugin draws first, then the core
   * adds its own U[0,1). */
  r.i = 0;
  ck_assert_int_eq(backoff_strategy_configure(s, "jitter=additive"), 0);
  ck_assert_int_eq(backoff_strategy_delay(s, 0, 0, seq_rng, &r, &d), 0);
  EQ(d, 2.25);
  ck_assert_uint_eq(r.i, 2);
  backoff_strategy_free(s);
}
END_TEST

/* The blocking loop feeds back the delay it actually waited. */
START_TEST(decorrelated_sequence_through_the_loop) {
  const double u[] = {0.5, 0.5, 0, 0.25, 0.75, 0.5, 0.1};
  const double want[] = {2, 3.5, 1, 1.5, 3.625, 5, 1 + 0.1 * 14};
  seq_rng_t r = {u, 7, 0};
  fake_time_t t;
  backoff_report_t rep;
  backoff_options_t o;
  unsigned i;

  memset(&t, 0, sizeof(t));
  memset(&o, 0, sizeof(o));
  o.strategy = "decorrelated";
  o.params = "base=1,ceiling=5";
  /* Run 1 leaves jitter unset: the strategy says it draws its own
   * randomness, so the core adds none, as with jitter none in run 0. */
  o.jitter = _i == 0 ? BACKOFF_JITTER_NONE : BACKOFF_JITTER_DEFAULT;
  o.random = seq_rng;
  o.random_ctx = &r;
  o.clock = fake_clock;
  o.clock_ctx = &t;
  o.sleep = fake_sleep;
  o.sleep_ctx = &t;
  o.max_tries = 8;
  o.report = &rep;
  ck_assert_int_eq(backoff(op_fail, NULL, &o), 1);
  ck_assert_int_eq(rep.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert_uint_eq(t.nsleeps, 7);
  /* Within 1e-12, relative: the delays come from products and sums of the
   * random draws, whose last bit differs between x87 (i386) and SSE2. */
  for (i = 0; i < 7; i++)
    ck_assert_msg(fabs(t.slept[i] - want[i]) <= 1e-12 * want[i],
                  "sleep %u: %.17g, want %.17g", i, t.slept[i], want[i]);
  ck_assert_msg(fabs(rep.last_delay - want[6]) <= 1e-12 * want[6],
                "last_delay %.17g, want %.17g", rep.last_delay, want[6]);
}
END_TEST

/* decorrelated exports backoff_plugin_flags = BACKOFF_PLUGIN_OWN_JITTER:
 * the core adds no jitter unless asked (the loop above, run 1); other
 * strategies keep additive. */
START_TEST(decorrelated_declares_its_own_jitter) {
  backoff_strategy_t *s = open_cfg("decorrelated", "");
  backoff_strategy_t *e = open_cfg("exponential", "");
  double j = -1;

  ck_assert_int_eq(backoff_strategy_get(s, "jitter", &j), 0);
  EQ(j, BACKOFF_JITTER_NONE);
  ck_assert_int_eq(backoff_strategy_configure(s, "jitter=additive"), 0);
  ck_assert_int_eq(backoff_strategy_get(s, "jitter", &j), 0);
  EQ(j, BACKOFF_JITTER_ADDITIVE); /* asked for: given */
  ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_DEFAULT), 0);
  ck_assert_int_eq(backoff_strategy_get(s, "jitter", &j), 0);
  EQ(j, BACKOFF_JITTER_NONE); /* the default is the strategy's */
  ck_assert_int_eq(backoff_strategy_get(e, "jitter", &j), 0);
  EQ(j, BACKOFF_JITTER_ADDITIVE);
  ck_assert_int_eq(backoff_strategy_set_jitter(e, BACKOFF_JITTER_DEFAULT), 0);
  ck_assert_int_eq(backoff_strategy_get(e, "jitter", &j), 0);
  EQ(j, BACKOFF_JITTER_ADDITIVE);
  backoff_strategy_free(s);
  backoff_strategy_free(e);
}
END_TEST

/* A server's Retry-After becomes `previous`; one shorter than base does not
 * shrink the next window. */
START_TEST(decorrelated_after_retry_after) {
  const double u[] = {0.5};
  seq_rng_t r = {u, 1, 0};
  backoff_options_t o;
  backoff_policy_t *p;
  backoff_schedule_t sc;
  double d;

  memset(&o, 0, sizeof(o));
  o.strategy = "decorrelated";
  o.params = "base=1,ceiling=60";
  o.jitter = BACKOFF_JITTER_NONE;
  o.random = seq_rng;
  o.random_ctx = &r;
  o.max_tries = 5;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_int_eq(backoff_schedule_init(&sc, p), 0);
  ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
  ck_assert_int_eq(backoff_schedule_retry_after(&sc, 0.1), 0);
  ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), 0);
  EQ(d, 0.1);
  ck_assert_uint_eq(r.i, 0);
  ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
  ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), 0);
  EQ(d, 2); /* [1, 3], not [1, 0.3] */
  ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
  ck_assert_int_eq(backoff_schedule_retry_after(&sc, 10), 0);
  ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), 0);
  EQ(d, 10);
  ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
  ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), 0);
  EQ(d, 15.5); /* [1, 30] */
  backoff_policy_free(p);
}
END_TEST

/* A random source returning values outside [0, 1) is reported as
 * BACKOFF_ERANDOM even when the plugin, not the core, drew them. */
START_TEST(decorrelated_bad_random_source) {
  static const double bad[] = {1.0, -0.25, NAN, INFINITY, 7};
  backoff_strategy_t *s = open_cfg("decorrelated", "jitter=none");
  backoff_options_t o;
  backoff_policy_t *p;
  backoff_schedule_t sc;
  size_t i;
  double d;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    seq_rng_t r = {&bad[i], 1, 0};
    d = -1;
    ck_assert_int_eq(backoff_strategy_delay(s, 2, 4, seq_rng, &r, &d),
                     BACKOFF_ERANDOM);
    EQ(d, 0);
    ck_assert_ptr_nonnull(strstr(backoff_last_error(), "random source"));
  }
  backoff_strategy_free(s);

  memset(&o, 0, sizeof(o));
  o.strategy = "decorrelated";
  o.jitter = BACKOFF_JITTER_NONE;
  o.random = seq_rng;
  {
    seq_rng_t r = {&bad[0], 1, 0};
    o.random_ctx = &r;
    ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
    ck_assert_int_eq(backoff_schedule_init(&sc, p), 0);
    ck_assert_int_eq(backoff_schedule_begin(&sc), 0);
    ck_assert_int_eq(backoff_schedule_next(&sc, 1, &d), BACKOFF_ERANDOM);
    ck_assert_int_eq(backoff_schedule_begin(&sc), BACKOFF_STOP_ERROR);
    backoff_policy_free(p);
  }
}
END_TEST

/* Seeded runs: every delay in [base, min(ceiling, 3 * previous)], and the
 * same seed gives the same sequence. */
START_TEST(decorrelated_seeded_bounds) {
  backoff_strategy_t *s =
      open_cfg("decorrelated", "base=0.5,ceiling=30,jitter=none");
  backoff_rng_t a, b;
  double prev = 0, d, d2, prev2 = 0;
  unsigned n;

  backoff_rng_seed(&a, 42);
  backoff_rng_seed(&b, 42);
  for (n = 0; n < 10000; n++) {
    ck_assert_int_eq(
        backoff_strategy_delay(s, n % 50, prev, backoff_rng_uniform, &a, &d),
        0);
    ck_assert_int_eq(
        backoff_strategy_delay(s, n % 50, prev2, backoff_rng_uniform, &b, &d2),
        0);
    ck_assert(d == d2);
    ck_assert_msg(d >= 0.5 && d <= 30, "n=%u d=%g", n, d);
    if (n % 50 != 0)
      ck_assert_msg(d <= 3 * (prev > 0.5 ? prev : 0.5), "n=%u", n);
    else
      ck_assert(d <= 1.5);
    prev = prev2 = d;
  }
  backoff_strategy_free(s);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("fleet_jitter");
  TCase *tc = tcase_create("proportional");
  tcase_add_test(tc, proportional_exact_values);
  tcase_add_test(tc, proportional_cap_moves_window_below_it);
  tcase_add_test(tc, proportional_saturated_delays_stay_spread);
  tcase_add_test(tc, proportional_through_policy_options);
  tcase_add_test(tc, proportional_names_and_bounds);
  suite_add_tcase(s, tc);
  tc = tcase_create("decorrelated");
  tcase_add_test(tc, decorrelated_parameters);
  tcase_add_test(tc, decorrelated_formula);
  tcase_add_test(tc, decorrelated_composes_with_core_settings);
  tcase_add_loop_test(tc, decorrelated_sequence_through_the_loop, 0, 2);
  tcase_add_test(tc, decorrelated_declares_its_own_jitter);
  tcase_add_test(tc, decorrelated_after_retry_after);
  tcase_add_test(tc, decorrelated_bad_random_source);
  tcase_add_test(tc, decorrelated_seeded_bounds);
  suite_add_tcase(s, tc);
  return s;
}
