/* SPDX-License-Identifier: MIT */
/* A program with strategy_exponential and strategy_linear linked in with
 * libtool's -dlpreopen (as a static build would have them), run with
 * BACKOFF_PLUGIN_PATH pointing at an empty directory: the loader must fall
 * back to the preloaded modules, and the two must keep their own symbols
 * (with plain names both would resolve to one compute_delay). */
#include <errno.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoff.h"
#include "check_common.h"

static char empty_dir[] = "/tmp/backoff-preload-XXXXXX";
static pid_t parent;

static void remove_empty_dir(void) {
  if (getpid() == parent) /* Check's forked children exit too */
    rmdir(empty_dir);
}

/* An installed copy in the compiled-in plugin directory would win over the
 * preloaded module (it comes earlier in the search order). */
static int installed(const char *name) {
  char p[4096];
  struct stat st;
  snprintf(p, sizeof(p), "%s/strategy_%s.so", BACKOFF_PLUGINDIR_FOR_TESTS,
           name);
  if (stat(p, &st) == 0)
    return 1;
  snprintf(p, sizeof(p), "%s/strategy_%s.la", BACKOFF_PLUGINDIR_FOR_TESTS,
           name);
  if (stat(p, &st) == 0)
    return 1;
  return 0;
}

/* Says why a test proved nothing, in the test log. */
static int skip_if_installed(const char *name) {
  if (!installed(name))
    return 0;
  fprintf(stderr,
          "# SKIP: strategy_%s is installed in %s and rightly wins "
          "over the preloaded module\n",
          name, BACKOFF_PLUGINDIR_FOR_TESTS);
  return 1;
}

START_TEST(preloaded_exponential) {
  const double want[] = {1, 2, 4, 8, 16, 32};
  backoff_strategy_t *s;
  unsigned n;
  if (skip_if_installed("exponential"))
    return;
  s = open_plain("exponential");
  ck_assert_str_eq(backoff_strategy_path(s), "preloaded:exponential");
  ck_assert_str_eq(backoff_strategy_name(s), "exponential");
  for (n = 0; n < 6; n++)
    ck_assert_msg(delay_at(s, n) == want[n], "n=%u: %g", n, delay_at(s, n));
  /* Its parameter table came through the preloaded symbol list too. */
  ck_assert_int_eq(backoff_strategy_configure(s, "base=3"), 0);
  ck_assert(delay_at(s, 2) == 9);
  ck_assert_ptr_nonnull(strstr(backoff_strategy_description(s), "base^n"));
  backoff_strategy_free(s);
}
END_TEST

START_TEST(preloaded_linear) {
  backoff_strategy_t *s;
  unsigned n;
  if (skip_if_installed("linear"))
    return;
  s = open_plain("linear");
  ck_assert_str_eq(backoff_strategy_path(s), "preloaded:linear");
  for (n = 0; n < 6; n++)
    ck_assert_msg(delay_at(s, n) == n, "n=%u: %g", n, delay_at(s, n));
  backoff_strategy_free(s);
}
END_TEST

/* Both open at once: no symbol mix-up between the two preloaded modules. */
START_TEST(preloaded_both_at_once) {
  backoff_strategy_t *e, *l;
  if (skip_if_installed("exponential") || skip_if_installed("linear"))
    return;
  e = open_plain("exponential");
  l = open_plain("linear");
  ck_assert(delay_at(e, 5) == 32);
  ck_assert(delay_at(l, 5) == 5);
  ck_assert(delay_at(e, 0) == 1);
  ck_assert(delay_at(l, 0) == 0);
  backoff_strategy_free(l);
  ck_assert(delay_at(e, 3) == 8);
  backoff_strategy_free(e);
}
END_TEST

START_TEST(not_preloaded_is_enoent) {
  backoff_strategy_t *s = (backoff_strategy_t *)1;
  int rc;
  if (skip_if_installed("fibonacci"))
    return;
  /* A static-only libbackoff carries every built-in strategy itself. */
  if (backoff_strategy_open(&s, "fibonacci") == 0) {
    int builtin = strcmp(backoff_strategy_path(s), "preloaded:fibonacci") == 0;
    backoff_strategy_free(s);
    if (builtin) {
      fprintf(stderr, "# SKIP: the library carries strategy_fibonacci "
                      "itself (static-only build)\n");
      return;
    }
  }
  s = (backoff_strategy_t *)1;
  rc = backoff_strategy_open(&s, "fibonacci");
  ck_assert_int_eq(rc, BACKOFF_ENOENT);
  ck_assert_ptr_null(s);
  ck_assert_ptr_nonnull(strstr(backoff_last_error(), "preloaded"));
  ck_assert_ptr_nonnull(strstr(backoff_last_error(), empty_dir));
}
END_TEST

/* Whether libtool linked the module's archive into this program: its
 * symbol list then starts with an entry named after the archive. Without
 * archives (--disable-static) libtool links the shared module instead,
 * which libltdl cannot open as a preloaded one. */
static int archive_preloaded(const char *archive) {
  const lt_dlsymlist *p;
  for (p = lt_preloaded_symbols; p->name != NULL; p++)
    if (strcmp(p->name, archive) == 0)
      return 1;
  return 0;
}

Suite *make_suite(void) {
  Suite *s = suite_create("preload");
  TCase *tc = tcase_create("dlpreopen");

  if (!archive_preloaded("strategy_exponential.a") ||
      !archive_preloaded("strategy_linear.a")) {
    printf("1..0 # SKIP the strategies' static archives were not built "
           "(configured with --disable-static): nothing to preload\n");
    exit(0);
  }

  /* Before libbackoff's first lt_dlinit: registers the -dlpreopen list. */
  LTDL_SET_PRELOADED_SYMBOLS();
  parent = getpid();
  if (mkdtemp(empty_dir) == NULL) {
    perror("mkdtemp");
    exit(99);
  }
  atexit(remove_empty_dir);
  /* Before any libbackoff call: the path is read once per process. */
  setenv("BACKOFF_PLUGIN_PATH", empty_dir, 1);

  tcase_add_test(tc, preloaded_exponential);
  tcase_add_test(tc, preloaded_linear);
  tcase_add_test(tc, preloaded_both_at_once);
  tcase_add_test(tc, not_preloaded_is_enoent);
  suite_add_tcase(s, tc);
  return s;
}
