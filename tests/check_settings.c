/* SPDX-License-Identifier: MIT */
/* The table of core settings (lib/seam/backoff_seam.h) and the promise it
 * makes: every way of giving a core setting (an options field, "name=value"
 * in params, backoff_strategy_set) accepts the same values, refuses the
 * same values with the same code and message, and means the same by 0. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backoff.h"
#include "check_common.h"
#include "seam/backoff_seam.h"

#define NROWS BACKOFF__SET_COUNT
#define NPIPELINE BACKOFF__SET_PIPELINE_COUNT

/* ---- the table itself ------------------------------------------------- */

START_TEST(table_is_well_formed) {
  size_t i, j;

  for (i = 0; i < NROWS; i++) {
    const backoff__setting_t *a = &backoff__settings[i];
    ck_assert_msg(a->name[0] && a->lflag[0] && a->metavar[0] && a->help[0] &&
                      a->zero[0],
                  "row %zu has an empty column", i);
    ck_assert_ptr_eq(backoff__setting_find(a->name, strlen(a->name)), a);
    ck_assert_ptr_eq(backoff__setting_by_flag(a->lflag, strlen(a->lflag)), a);
    ck_assert_msg(a->min <= a->max, "%s: min > max", a->name);
    /* The default is a value the row itself accepts, and so is 0 (the
     * policy skips the check of a field left at 0). */
    ck_assert_msg(backoff__setting_check(a, a->def) == 0, "%s: default %g",
                  a->name, a->def);
    ck_assert_msg(backoff__setting_check(a, 0) == 0, "%s: 0", a->name);
    ck_assert_msg(strchr(a->help, '\n') == NULL, "%s: help", a->name);
    for (j = 0; j < i; j++) {
      const backoff__setting_t *b = &backoff__settings[j];
      ck_assert_str_ne(a->name, b->name);
      ck_assert_str_ne(a->lflag, b->lflag);
      ck_assert_uint_ne(a->offset, b->offset);
      ck_assert_msg(a->sflag == 0 || a->sflag != b->sflag, "%s, %s: -%c",
                    a->name, b->name, a->sflag);
    }
  }
  ck_assert_ptr_null(backoff__setting_find("exponent", 8));
  ck_assert_ptr_null(backoff__setting_find("cap", 2));
}
END_TEST

/* Parse and store reach the options field the row names. */
START_TEST(parse_and_store_reach_the_field) {
  backoff_options_t o;
  backoff__value_t v;
  const backoff__setting_t *st;

  memset(&o, 0, sizeof(o));
  st = backoff__setting_find("jitter_factor", 13);
  ck_assert_int_eq(backoff__setting_parse(st, "0.25", 4, &v), 0);
  backoff__setting_store(st, &o, &v);
  ck_assert(o.jitter_factor == 0.25);
  ck_assert_int_eq(backoff__setting_parse(st, "1.5", 3, &v), BACKOFF_ERANGE);
  ck_assert_int_eq(backoff__setting_parse(st, "x", 1, &v), BACKOFF_ESYNTAX);

  st = backoff__setting_by_flag("max-tries", 9);
  ck_assert_int_eq(backoff__setting_parse(st, "7", 1, &v), 0);
  backoff__setting_store(st, &o, &v);
  ck_assert_uint_eq(o.max_tries, 7);
  ck_assert_int_eq(backoff__setting_parse(st, "4294967296", 10, &v),
                   BACKOFF_ERANGE);

  st = backoff__setting_find("max_delay", 9);
  ck_assert_int_eq(backoff__setting_parse(st, "none", 4, &v), 0);
  backoff__setting_store(st, &o, &v);
  ck_assert(isinf(o.max_delay));

  st = backoff__setting_find("jitter", 6);
  ck_assert_int_eq(backoff__setting_parse(st, "full", 4, &v), 0);
  backoff__setting_store(st, &o, &v);
  ck_assert_int_eq(o.jitter, BACKOFF_JITTER_FULL);
  ck_assert_int_eq(backoff__setting_parse(st, "3", 1, &v), BACKOFF_ESYNTAX);

  st = backoff__setting_find("seed", 4);
  ck_assert_int_eq(backoff__setting_parse(st, "18446744073709551615", 20, &v),
                   0);
  backoff__setting_store(st, &o, &v);
  ck_assert(o.seed == UINT64_MAX);
  ck_assert_uint_eq(o.flags, BACKOFF_SEEDED);

  /* The result is a policy the library takes. */
  backoff_policy_t *p = NULL;
  o.jitter_factor = 0; /* full jitter: leave the factor alone */
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  ck_assert_uint_eq(backoff_policy_max_tries(p), 7);
  backoff_policy_free(p);
}
END_TEST

/* ---- every way in agrees ---------------------------------------------- */

/* Builds a policy from o; on success reads the setting back from its
 * strategy into *got. */
static int via_policy(const backoff_options_t *o, const char *name,
                      double *got) {
  backoff_policy_t *p = NULL;
  int rc = backoff_policy_new(&p, o);

  if (rc == 0) {
    ck_assert_int_eq(
        backoff_strategy_get(backoff_policy_strategy(p), name, got), 0);
    backoff_policy_free(p);
  }
  return rc;
}

static int via_options(const backoff__setting_t *st, double v, double *got) {
  backoff_options_t o;
  backoff__value_t val;

  memset(&o, 0, sizeof(o));
  if (st->type == BACKOFF__T_JITTER)
    val.mode = (int)v;
  else
    val.d = v;
  backoff__setting_store(st, &o, &val);
  return via_policy(&o, st->name, got);
}

static int via_params(const backoff__setting_t *st, double v, double *got) {
  backoff_options_t o;
  char spec[64];

  memset(&o, 0, sizeof(o));
  snprintf(spec, sizeof(spec), "%s=%.17g", st->name, v);
  o.params = spec;
  return via_policy(&o, st->name, got);
}

static int via_set(const backoff__setting_t *st, double v, double *got) {
  backoff_strategy_t *s = NULL;
  int rc;

  ck_assert_int_eq(backoff_strategy_open(&s, "exponential"), 0);
  rc = backoff_strategy_set(s, st->name, v);
  if (rc == 0)
    ck_assert_int_eq(backoff_strategy_get(s, st->name, got), 0);
  backoff_strategy_free(s);
  return rc;
}

START_TEST(pipeline_settings_agree_everywhere) {
  const backoff__setting_t *st = &backoff__settings[_i];
  const double probes[] = {0,    -1,  -1e-9,    1e-9,     0.5, 1,
                           1.01, 2,   st->min,  st->max,  5,   1e9,
                           2e9,  NAN, INFINITY, -INFINITY};
  size_t k;
  char msg_opt[256];

  for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
    const double v = probes[k];
    double g_opt = -7, g_set = -7, g_par = -7;
    if (st->type == BACKOFF__T_JITTER && (v != floor(v) || fabs(v) > 100)) {
      /* Not a backoff_jitter_t the options field can even hold. */
      ck_assert_int_eq(via_set(st, v, &g_set), BACKOFF_ERANGE);
      continue;
    }
    int r_opt = via_options(st, v, &g_opt);
    snprintf(msg_opt, sizeof(msg_opt), "%s", backoff_last_error());
    int r_set = via_set(st, v, &g_set);

    ck_assert_msg(r_opt == r_set, "%s=%g: options %s, set %s (%s)", st->name,
                  v, backoff_err_name(r_opt), backoff_err_name(r_set),
                  msg_opt);
    ck_assert_msg(r_opt == 0 || r_opt == BACKOFF_ERANGE, "%s=%g: %s", st->name,
                  v, backoff_err_name(r_opt));
    if (r_opt != 0) {
      /* The same words: name, value, bounds; never "seconds" for a
       * factor. */
      ck_assert_str_eq(msg_opt, backoff_last_error());
      ck_assert_ptr_nonnull(strstr(msg_opt, st->name));
      if (st->type == BACKOFF__T_NUMBER)
        ck_assert_ptr_null(strstr(msg_opt, "second"));
    } else {
      ck_assert_msg(g_opt == g_set, "%s=%g: options %g, set %g", st->name, v,
                    g_opt, g_set);
    }
    if (st->type == BACKOFF__T_JITTER || !isfinite(v))
      continue; /* params spell a mode by name, and no NaN at all */
    int r_par = via_params(st, v, &g_par);
    ck_assert_msg(r_opt == r_par, "%s=%g: options %s, params %s (%s)",
                  st->name, v, backoff_err_name(r_opt),
                  backoff_err_name(r_par), backoff_last_error());
    if (r_par == 0)
      ck_assert_msg(g_opt == g_par, "%s=%g: options %g, params %g", st->name,
                    v, g_opt, g_par);
  }
}
END_TEST

/* The disagreements that the table ended, one by one. */
START_TEST(cap_out_of_range_is_erange_both_ways) {
  backoff_policy_t *p = NULL;
  backoff_options_t o = {.cap = 2e9};
  backoff_options_t q = {.params = "cap=2e9"};

  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_ERANGE);
  ck_assert_str_eq(backoff_last_error(),
                   "cap=2e+09 must be in [0, 1e+09] (0: no cap)");
  ck_assert_int_eq(backoff_policy_new(&p, &q), BACKOFF_ERANGE);
  ck_assert_str_eq(backoff_last_error(),
                   "cap=2e+09 must be in [0, 1e+09] (0: no cap)");
  o.cap = 0;
  o.scale_factor = -1; /* policy.c once turned this into EINVAL */
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_ERANGE);
}
END_TEST

static double proportional_delay(const backoff_options_t *o) {
  static const double u[] = {0.9};
  seq_rng_t r = {u, 1, 0};
  backoff_policy_t *p = NULL;
  double d = -1;

  ck_assert_int_eq(backoff_policy_new(&p, o), 0);
  ck_assert_int_eq(backoff_strategy_delay(backoff_policy_strategy(p), 3, 0,
                                          seq_rng, &r, &d),
                   0);
  backoff_policy_free(p);
  return d;
}

/* jitter_factor = 0 is the default (0.5) whichever way it is given. */
START_TEST(jitter_factor_zero_means_default_everywhere) {
  backoff_options_t dflt = {.jitter = BACKOFF_JITTER_PROPORTIONAL};
  backoff_options_t half = {.jitter = BACKOFF_JITTER_PROPORTIONAL,
                            .jitter_factor = 0.5};
  backoff_options_t zero_params = {.params = "jitter=proportional,"
                                             "jitter_factor=0"};
  backoff_strategy_t *s = NULL;
  double d = -1, f = -1;
  static const double u[] = {0.9};
  seq_rng_t r = {u, 1, 0};

  /* 8 * (1 - 0.5 + 2 * 0.5 * 0.9) */
  ck_assert(fabs(proportional_delay(&dflt) - 11.2) < 1e-9);
  ck_assert(proportional_delay(&half) == proportional_delay(&dflt));
  ck_assert(proportional_delay(&zero_params) == proportional_delay(&dflt));

  ck_assert_int_eq(backoff_strategy_open(&s, "exponential"), 0);
  ck_assert_int_eq(backoff_strategy_configure(s, "jitter=proportional"), 0);
  ck_assert_int_eq(backoff_strategy_set(s, "jitter_factor", 0), 0);
  ck_assert_int_eq(backoff_strategy_get(s, "jitter_factor", &f), 0);
  ck_assert(f == 0.5);
  ck_assert_int_eq(backoff_strategy_delay(s, 3, 0, seq_rng, &r, &d), 0);
  ck_assert(d == proportional_delay(&dflt));
  backoff_strategy_free(s);
}
END_TEST

/* A handle carries the strategy settings: the message names the one given
 * besides it. */
START_TEST(handle_refuses_each_pipeline_setting_by_name) {
  const backoff__setting_t *st = &backoff__settings[_i];
  backoff_strategy_t *s = NULL;
  backoff_policy_t *p = NULL;
  backoff_options_t o;
  backoff__value_t v;

  ck_assert_int_eq(backoff_strategy_open(&s, "exponential"), 0);
  memset(&o, 0, sizeof(o));
  o.strategy_handle = s;
  const char *text = st->type == BACKOFF__T_JITTER ? "full" : "1";

  ck_assert_int_eq(backoff__setting_parse(st, text, strlen(text), &v), 0);
  backoff__setting_store(st, &o, &v);
  ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_EINVAL);
  ck_assert_ptr_nonnull(strstr(backoff_last_error(), st->name));
  backoff_strategy_free(s);
}
END_TEST

/* max_tries 0 takes the table's default when the environment is silent. */
START_TEST(run_settings_take_the_table_defaults) {
  backoff_policy_t *p = NULL;
  ck_assert_int_eq(backoff_policy_new(&p, NULL), 0);
  ck_assert_uint_eq(backoff_policy_max_tries(p),
                    (unsigned)backoff__settings[BACKOFF__SET_MAX_TRIES].def);
  ck_assert(backoff_policy_max_delay(p) == 0);
  backoff_policy_free(p);
}
END_TEST

/* ---- the documentation agrees with the table ------------------------- */

/* The text of the .TP item ".B name" of a man page, with roff's \~ and \-
 * read as plain characters. */
static int man_item(const char *page, const char *name, char *out,
                    size_t size) {
  char line[256], head[64];
  size_t used = 0;
  int in = 0;
  FILE *f = fopen(page, "r");

  ck_assert_msg(f != NULL, "cannot read %s", page);
  snprintf(head, sizeof(head), ".B %s\n", name);
  out[0] = '\0';
  while (fgets(line, sizeof(line), f) != NULL) {
    if (!in) {
      in = strcmp(line, head) == 0;
      continue;
    }
    if (strncmp(line, ".TP", 3) == 0 || strncmp(line, ".PP", 3) == 0)
      break;
    for (const char *p = line; *p != '\0' && used + 1 < size; p++) {
      char c = *p;
      if (p[0] == '\\' && (p[1] == '~' || p[1] == '-'))
        c = *++p == '~' ? ' ' : '-';
      out[used++] = c;
    }
    out[used] = '\0';
  }
  fclose(f);
  return in;
}

/* backoff_strategy_set(3) gives every core setting's bounds and meaning of
 * 0 exactly as the table has them: change one, the test says where. */
START_TEST(man_page_agrees_with_the_table) {
  const backoff__setting_t *st = &backoff__settings[_i];
  char item[1024], bounds[96], zero[160];

  ck_assert_msg(man_item(SRCDIR "/doc/backoff_strategy_set.3", st->name, item,
                         sizeof(item)),
                "backoff_strategy_set(3) has no item for %s", st->name);
  backoff__setting_bounds(st, bounds, sizeof(bounds));
  snprintf(zero, sizeof(zero), "0: %s", st->zero);
  ck_assert_msg(strstr(item, bounds) != NULL,
                "backoff_strategy_set(3), %s: no '%s' in '%s'", st->name,
                bounds, item);
  ck_assert_msg(strstr(item, zero) != NULL,
                "backoff_strategy_set(3), %s: no '%s' in '%s'", st->name, zero,
                item);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("settings");
  TCase *tc = tcase_create("table");
  tcase_add_test(tc, table_is_well_formed);
  tcase_add_test(tc, parse_and_store_reach_the_field);
  suite_add_tcase(s, tc);
  tc = tcase_create("agreement");
  tcase_add_loop_test(tc, pipeline_settings_agree_everywhere, 0, NPIPELINE);
  tcase_add_test(tc, cap_out_of_range_is_erange_both_ways);
  tcase_add_test(tc, jitter_factor_zero_means_default_everywhere);
  tcase_add_test(tc, run_settings_take_the_table_defaults);
  tcase_add_loop_test(tc, handle_refuses_each_pipeline_setting_by_name, 0,
                      NPIPELINE);
  tcase_add_loop_test(tc, man_page_agrees_with_the_table, 0, NPIPELINE);
  suite_add_tcase(s, tc);
  return s;
}
