/* SPDX-License-Identifier: MIT */
/* The loader keeps released modules loaded, at most 64 of them: a strategy
 * opened again after its last user let go costs no dlopen, and a program
 * cycling through many plugin files does not keep them all mapped. */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "check_common.h"

/* How many of paths[0..n) are mapped into this process. */
static unsigned mapped(char paths[][PATH_MAX], unsigned n) {
  char line[PATH_MAX + 256];
  unsigned i, count = 0;
  int seen[128] = {0};
  FILE *f = fopen("/proc/self/maps", "r");

  ck_assert_ptr_nonnull(f);
  while (fgets(line, sizeof(line), f))
    for (i = 0; i < n; i++)
      if (!seen[i] && strstr(line, paths[i]) != NULL)
        seen[i] = 1, count++;
  fclose(f);
  return count;
}

static void copy_file(const char *from, const char *to) {
  char buf[65536];
  size_t got;
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  ck_assert_msg(in && out, "copy %s -> %s", from, to);
  while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
    ck_assert_uint_eq(fwrite(buf, 1, got, out), got);
  fclose(in);
  ck_assert_int_eq(fclose(out), 0);
}

#define COPIES 70 /* more than the 64 released modules kept */

/* COPIES copies of strategy_linear.so, paths[i] = DIR/i/strategy_linear.so:
 * the same file name in many directories, because libtool's LTX symbol
 * prefix comes from the file name and a copy must keep it. An unchecked
 * fixture: made once in the runner, before the tests' own processes, and
 * removed there even after a test failed. */
static char copies_dir[PATH_MAX - 128];
static char paths[COPIES][PATH_MAX];

static void make_copies(void) {
  const char *plugins = getenv("BACKOFF_PLUGIN_PATH");
  const char *base = getenv("TMPDIR");
  char src[PATH_MAX];
  unsigned i;

  ck_assert_ptr_nonnull(plugins);
  snprintf(src, sizeof(src), "%s/.libs/strategy_linear.so", plugins);
  snprintf(copies_dir, sizeof(copies_dir), "%s/backoff-cache.XXXXXX",
           base != NULL && base[0] == '/' ? base : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(copies_dir));
  for (i = 0; i < COPIES; i++) {
    snprintf(paths[i], sizeof(paths[i]), "%s/%u", copies_dir, i);
    ck_assert_int_eq(mkdir(paths[i], 0700), 0);
    strcat(paths[i], "/strategy_linear.so");
    copy_file(src, paths[i]);
  }
}

static void remove_copies(void) {
  char cmd[sizeof(copies_dir) + 16];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", copies_dir);
  if (system(cmd) != 0)
    fprintf(stderr, "# could not remove %s\n", copies_dir);
}

/* Opens and releases paths[from..to): loads that unload idle modules once
 * 64 are kept. */
static void open_each(unsigned from, unsigned to) {
  backoff_strategy_t *s;
  unsigned i;
  for (i = from; i < to; i++) {
    ck_assert_int_eq(backoff_strategy_open(&s, paths[i]), 0);
    backoff_strategy_free(s);
  }
}

START_TEST(released_modules_stay_loaded_up_to_64) {
  backoff_strategy_t *s;

  /* One released module stays mapped, and reopening it finds it. */
  open_each(0, 1);
  ck_assert_uint_eq(mapped(paths, 1), 1);
  /* 64 distinct modules, each released: all stay. */
  open_each(1, 64);
  ck_assert_uint_eq(mapped(paths, COPIES), 64);
  /* Past 64 idle modules, each load unloads one idle module. */
  open_each(64, COPIES);
  ck_assert_uint_eq(mapped(paths, COPIES), 64);
  /* A module in use is never the one unloaded. */
  ck_assert_int_eq(backoff_strategy_open(&s, paths[COPIES - 1]), 0);
  open_each(0, 8);
  ck_assert_uint_eq(mapped(paths + COPIES - 1, 1), 1);
  backoff_strategy_free(s);
}
END_TEST

/* The call form borrows its module instead of counting a reference; uses
 * nested in it (a handle opened and freed, another call form) must leave
 * the count as they found it, so the module can be unloaded afterwards. */
static const char *borrowed_path;

static int nested_uses_inner(void *unused) {
  backoff_strategy_t *s;
  (void)unused;
  ck_assert_int_eq(backoff_strategy_open(&s, borrowed_path), 0);
  backoff_strategy_free(s);
  return 0;
}

static int nested_uses(void *unused) {
  const backoff_options_t o = {.strategy = borrowed_path, .max_tries = 1};
  backoff_strategy_t *s;
  (void)unused;
  ck_assert_int_eq(backoff_strategy_open(&s, borrowed_path), 0);
  ck_assert_int_eq(backoff(nested_uses_inner, NULL, &o), 0);
  backoff_strategy_free(s);
  return 0;
}

START_TEST(call_form_borrow_leaves_counts_balanced) {
  backoff_options_t o = {.max_tries = 1};

  borrowed_path = paths[0];
  o.strategy = paths[0];
  ck_assert_int_eq(backoff(nested_uses, NULL, &o), 0);
  ck_assert_int_eq(backoff(nested_uses, NULL, &o), 0);
  ck_assert_uint_eq(mapped(paths, 1), 1);
  /* Idle now: enough other loads unload it. */
  open_each(1, COPIES);
  ck_assert_uint_eq(mapped(paths, 1), 0);
}
END_TEST

/* A plugin constructor run by a call form's load opens a strategy and
 * keeps it: it must hold a real reference (not the call's borrow), so
 * freeing it later on another thread leaves the count at 0 and the module
 * can be unloaded; a borrow leaked to the constructor left the count one
 * below zero after that free, and the module pinned forever. */
static void *free_strategy(void *s) {
  backoff_strategy_free(s);
  return NULL;
}

START_TEST(constructor_keeps_a_reference_not_the_call_borrow) {
  char keeper[PATH_MAX];
  backoff_options_t o = {.max_tries = 1};
  backoff_strategy_t **kept;
  int *rc;
  void *h;
  pthread_t t;

  snprintf(keeper, sizeof(keeper), "%s/.libs/strategy_keeper.so",
           getenv(TEST_PLUGINS_ENV));
  /* Loaded and idle: the constructor's open is a cache hit. */
  open_each(0, 1);
  ck_assert_int_eq(setenv("FIXTURE_KEEP", paths[0], 1), 0);
  o.strategy = keeper;
  ck_assert_int_eq(backoff(op_succeed, NULL, &o), 0);
  h = dlopen(keeper, RTLD_NOLOAD | RTLD_LAZY);
  ck_assert_ptr_nonnull(h);
  rc = dlsym(h, "fixture_rc");
  kept = dlsym(h, "fixture_kept");
  ck_assert(rc != NULL && kept != NULL);
  ck_assert_int_eq(*rc, 0);
  ck_assert_ptr_nonnull(*kept);
  ck_assert_int_eq(pthread_create(&t, NULL, free_strategy, *kept), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  *kept = NULL;
  dlclose(h);
  /* Idle again: enough other loads unload it. */
  open_each(1, COPIES);
  ck_assert_uint_eq(mapped(paths, 1), 0);
}
END_TEST

/* A call form whose operation forks (a retried spawn): in the child, the
 * forking thread's borrow still protects the module the call is using, so
 * loads that evict idle modules there leave it mapped, and the retry's
 * delay is computed by it. */
static int fork_then_churn(void *unused) {
  static pid_t child = -1;
  backoff_strategy_t *s;
  int status;
  unsigned i;

  (void)unused;
  if (child == 0) /* the child's retry: did the module survive? */
    _exit(mapped(paths, 1) == 1 ? 0 : 3);
  if (child > 0) /* the parent's retry */
    return 0;
  child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    alarm(10);
    for (i = 1; i < COPIES; i++) {
      if (backoff_strategy_open(&s, paths[i]) != 0)
        _exit(4);
      backoff_strategy_free(s);
    }
    return 1; /* retried: the delay comes from the borrowed module */
  }
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "child status %#x", status);
  return 1;
}

START_TEST(child_forked_in_a_call_form_keeps_its_borrow) {
  backoff_options_t o = {.max_tries = 2, .sleep = no_sleep};

  /* Loaded and idle, so the call form borrows it. */
  open_each(0, 1);
  o.strategy = paths[0];
  ck_assert_int_eq(backoff(fork_then_churn, NULL, &o), 0);
}
END_TEST

/* A path is cached by the file it names, not by its spelling: the same
 * "./strategy_p.so" in two directories is two modules. */
START_TEST(relative_path_follows_chdir) {
  char dir[PATH_MAX - 64], a[PATH_MAX], b[PATH_MAX];
  char src[PATH_MAX], cwd[PATH_MAX];
  const char *fixtures = getenv(TEST_PLUGINS_ENV);
  backoff_strategy_t *sa, *sb;
  double da, db;

  ck_assert_ptr_nonnull(fixtures);
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
  snprintf(dir, sizeof(dir), "%s/chdir", copies_dir);
  ck_assert_int_eq(mkdir(dir, 0700), 0);
  snprintf(a, sizeof(a), "%s/a", dir);
  snprintf(b, sizeof(b), "%s/b", dir);
  ck_assert_int_eq(mkdir(a, 0700), 0);
  ck_assert_int_eq(mkdir(b, 0700), 0);
  /* Plain-named fixtures load under any file name: 100 + n and 200 + n. */
  snprintf(src, sizeof(src), "%s/.libs/strategy_plain_a.so", fixtures);
  strcat(a, "/strategy_p.so");
  copy_file(src, a);
  snprintf(src, sizeof(src), "%s/.libs/strategy_plain_b.so", fixtures);
  strcat(b, "/strategy_p.so");
  copy_file(src, b);

  *strrchr(a, '/') = '\0';
  ck_assert_int_eq(chdir(a), 0);
  ck_assert_int_eq(backoff_strategy_open(&sa, "./strategy_p.so"), 0);
  *strrchr(b, '/') = '\0';
  ck_assert_int_eq(chdir(b), 0);
  ck_assert_int_eq(backoff_strategy_open(&sb, "./strategy_p.so"), 0);
  ck_assert_int_eq(backoff_strategy_set_jitter(sa, BACKOFF_JITTER_NONE), 0);
  ck_assert_int_eq(backoff_strategy_set_jitter(sb, BACKOFF_JITTER_NONE), 0);
  ck_assert_int_eq(backoff_strategy_delay(sa, 0, 0, NULL, NULL, &da), 0);
  ck_assert_int_eq(backoff_strategy_delay(sb, 0, 0, NULL, NULL, &db), 0);
  ck_assert(da == 100 && db == 200);
  ck_assert_str_ne(backoff_strategy_path(sa), backoff_strategy_path(sb));
  backoff_strategy_free(sa);
  backoff_strategy_free(sb);
  ck_assert_int_eq(chdir(cwd), 0);
  strcat(a, "/strategy_p.so");
  strcat(b, "/strategy_p.so");
  unlink(a);
  unlink(b);
  *strrchr(a, '/') = '\0';
  *strrchr(b, '/') = '\0';
  rmdir(a);
  rmdir(b);
  rmdir(dir);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("cache");
  TCase *tc = tcase_create("idle");
  tcase_add_unchecked_fixture(tc, make_copies, remove_copies);
  tcase_add_test(tc, released_modules_stay_loaded_up_to_64);
  tcase_add_test(tc, relative_path_follows_chdir);
  tcase_add_test(tc, call_form_borrow_leaves_counts_balanced);
  tcase_add_test(tc, constructor_keeps_a_reference_not_the_call_borrow);
  tcase_add_test(tc, child_forked_in_a_call_form_keeps_its_borrow);
  suite_add_tcase(s, tc);
  return s;
}
