/* SPDX-License-Identifier: MIT */
/* The installed strategies' base delays (README, "Strategies"), exactly,
 * and at huge n. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "backoff.h"
#include "check_common.h"

static void expect(const char *name, const char *spec, const double *want,
                   unsigned count) {
  backoff_strategy_t *s = open_plain(name);
  unsigned n;
  if (spec)
    ck_assert_int_eq(backoff_strategy_configure(s, spec), 0);
  for (n = 0; n < count; n++)
    ck_assert_msg(delay_at(s, n) == want[n], "%s n=%u: got %.17g want %.17g",
                  name, n, delay_at(s, n), want[n]);
  backoff_strategy_free(s);
}

START_TEST(exponential_0_to_12) {
  const double w[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  expect("exponential", NULL, w, 13);
}
END_TEST

START_TEST(fibonacci_0_to_12) {
  const double w[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377};
  expect("fibonacci", NULL, w, 13);
}
END_TEST

START_TEST(linear_0_to_12) {
  const double w[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  expect("linear", NULL, w, 13);
}
END_TEST

START_TEST(polynomial_default_exponent_is_1) {
  const double w[] = {1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  /* 0^1 = 0 but... the default exponent is 1: n^1 = n, and 0^1 = 0. */
  double z[13];
  unsigned i;
  for (i = 0; i < 13; i++)
    z[i] = i;
  (void)w;
  expect("polynomial", NULL, z, 13);
}
END_TEST

START_TEST(polynomial_exponent_2_and_0) {
  const double sq[] = {0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144};
  const double one[] = {1, 1, 1, 1, 1};
  expect("polynomial", "exponent=2", sq, 13);
  expect("polynomial", "exponent=0", one, 5); /* 0^0 = 1 */
}
END_TEST

START_TEST(fixed_default_and_sequence) {
  const double ones[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const double seq[] = {2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
  expect("fixed", NULL, ones, 13);
  expect("fixed", "sequence=2,3,4", seq, 13);
}
END_TEST

START_TEST(huge_n_saturates) {
  static const char *const names[] = {"exponential", "fibonacci", "linear",
                                      "polynomial", "fixed"};
  const unsigned ns[] = {1000,    1023,        1024,    1475,
                         1000000, 0x7fffffffu, UINT_MAX};
  size_t i, j;
  for (i = 0; i < 5; i++) {
    backoff_strategy_t *s = open_plain(names[i]);
    ck_assert_int_eq(
        backoff_strategy_configure(s, i == 3 ? "exponent=100" : ""), 0);
    for (j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
      double d = delay_at(s, ns[j]);
      ck_assert_msg(isfinite(d) && d >= 0 && d <= BACKOFF_DELAY_MAX,
                    "%s n=%u gave %g", names[i], ns[j], d);
    }
    backoff_strategy_free(s);
  }
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("strategies");
  TCase *tc = tcase_create("base");
  tcase_add_test(tc, exponential_0_to_12);
  tcase_add_test(tc, fibonacci_0_to_12);
  tcase_add_test(tc, linear_0_to_12);
  tcase_add_test(tc, polynomial_default_exponent_is_1);
  tcase_add_test(tc, polynomial_exponent_2_and_0);
  tcase_add_test(tc, fixed_default_and_sequence);
  tcase_add_test(tc, huge_n_saturates);
  suite_add_tcase(s, tc);
  return s;
}
