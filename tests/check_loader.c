/* SPDX-License-Identifier: MIT */
/* The plugin loader: name validation, search, errors that say which file
 * and which symbol, RTLD_LOCAL, the module cache, concurrency, listings,
 * and hostile plugins (fixtures in tests/plugins/, plus broken files made
 * here at run time). Every bad input must give its documented code and a
 * message, never a crash. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "backoff/plugin.h"
#include "check_common.h"

/* ---- helpers ------------------------------------------------------------ */

static const char *env_dir(const char *var) {
  const char *d = getenv(var);
  ck_assert_msg(d != NULL && d[0] == '/', "%s must be set (make check does)",
                var);
  return d;
}

static const char *fixture_la(const char *name) {
  static __thread char p[4096];
  snprintf(p, sizeof(p), "%s/strategy_%s.la", env_dir(TEST_PLUGINS_ENV), name);
  return p;
}

#define has(hay, needle)                                                      \
  ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' lacks '%s'", (hay),    \
                (needle))

/* Opens name, expecting error `want`; returns the message. */
static const char *open_fails(const char *name, int want) {
  backoff_strategy_t *s = (backoff_strategy_t *)&s;
  int rc = backoff_strategy_open(&s, name);
  ck_assert_msg(rc == want, "open '%s': got %s, want %s (%s)", name,
                backoff_err_name(rc), backoff_err_name(want),
                backoff_last_error());
  ck_assert_ptr_null(s); /* out-parameter cleared */
  ck_assert_msg(backoff_last_error()[0] != '\0', "no message for '%s'", name);
  return backoff_last_error();
}

/* A fresh temporary directory, removed (with its files) at teardown. */
static char tmpdir[256];

static void tmp_setup(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof(tmpdir), "%s/backoff-loader-XXXXXX",
           base && base[0] == '/' ? base : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void) {
  char cmd[2 * sizeof(tmpdir) + 64];
  /* ';', not '&&': chmod fails on the dangling link some tests leave. */
  snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'",
           tmpdir, tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", tmpdir);
}

static const char *tmp_path(const char *file) {
  static char p[512];
  snprintf(p, sizeof(p), "%s/%s", tmpdir, file);
  return p;
}

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

/* The real shared object of an in-tree plugin (the .so libtool keeps in
 * .libs/), read into memory. */
static unsigned char *read_plugin_so(const char *name, size_t *len) {
  char p[4096];
  FILE *f;
  unsigned char *buf;
  long size;

  snprintf(p, sizeof(p), "%s/.libs/strategy_%s.so",
           env_dir("BACKOFF_PLUGIN_PATH"), name);
  f = fopen(p, "rb");
  ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
  ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
  size = ftell(f);
  ck_assert_int_gt(size, 0);
  rewind(f);
  buf = malloc((size_t)size);
  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
  fclose(f);
  *len = (size_t)size;
  return buf;
}

/* Where the object's last loadable segment ends in the file: a copy cut
 * anywhere before it is truncated as the dynamic linker sees it (what
 * follows, section headers and debug information, depends on the
 * toolchain and is never mapped). */
static size_t loaded_end(const unsigned char *so, size_t len) {
  ElfW(Ehdr) eh;
  size_t i, end = 0;

  ck_assert_uint_ge(len, sizeof(eh));
  memcpy(&eh, so, sizeof(eh));
  for (i = 0; i < eh.e_phnum; i++) {
    ElfW(Phdr) ph;
    ck_assert_uint_le(eh.e_phoff + (i + 1) * sizeof(ph), len);
    memcpy(&ph, so + eh.e_phoff + i * sizeof(ph), sizeof(ph));
    if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > end)
      end = ph.p_offset + ph.p_filesz;
  }
  ck_assert_uint_gt(end, 1024);
  return end;
}

/* ---- names -------------------------------------------------------------- */

START_TEST(bad_names_are_ename) {
  static const char *const bad[] = {"",
                                    "..",
                                    ".",
                                    "..x",
                                    "Exponential",
                                    "EXPONENTIAL",
                                    "expo-nential",
                                    "-",
                                    "x y",
                                    " exponential",
                                    "exponential ",
                                    "exp.so",
                                    "strategy:x",
                                    "x\ty",
                                    "\xc3\xa9",
                                    "a\\b"};
  char long_name[66];
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    const char *msg = open_fails(bad[i], BACKOFF_ENAME);
    has(msg, "[a-z0-9_]");
  }
  memset(long_name, 'a', 65);
  long_name[65] = '\0';
  open_fails(long_name, BACKOFF_ENAME);
  /* 64 bytes is a valid name: it is merely not there. */
  long_name[64] = '\0';
  open_fails(long_name, BACKOFF_ENOENT);
}
END_TEST

START_TEST(null_arguments) {
  backoff_strategy_t *s = (backoff_strategy_t *)&s;
  ck_assert_int_eq(backoff_strategy_open(NULL, "linear"), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_open(&s, NULL), BACKOFF_EINVAL);
  ck_assert_ptr_null(s);
  ck_assert_int_eq(backoff_strategy_foreach(NULL, NULL), BACKOFF_EINVAL);
  backoff_strategy_free(NULL);
}
END_TEST

/* A name with a '/' is a path, never a bare name: "a/b" and "../x" are
 * the files a/b and ../x, relative to the working directory, as the user
 * asked (backoff.h: "a path (it contains a '/'), opened as given"). They
 * are never looked up in the plugin directories, so "../x" cannot climb out
 * of one. */
START_TEST(slash_means_path) {
  const char *msg = open_fails("a/b", BACKOFF_ENOENT);
  has(msg, "'a/b'");
  msg = open_fails("../x", BACKOFF_ENOENT);
  has(msg, "'../x'");
  ck_assert_ptr_null(strstr(msg, env_dir("BACKOFF_PLUGIN_PATH")));
  msg = open_fails("/nonexistent/strategy_linear.so", BACKOFF_ENOENT);
  has(msg, "/nonexistent/strategy_linear.so");
  has(msg, "No such file");
  /* A path through a regular file. */
  open_fails("/dev/null/strategy_x.so", BACKOFF_ENOENT);
}
END_TEST

START_TEST(unknown_name_lists_searched_dirs) {
  const char *msg = open_fails("no_such_strategy", BACKOFF_ENOENT);
  has(msg, "no_such_strategy");
  has(msg, env_dir("BACKOFF_PLUGIN_PATH")); /* the env directory */
  has(msg, "preloaded");
  has(msg, "BACKOFF_PLUGIN_PATH");
  ck_assert_str_eq(backoff_err_name(BACKOFF_ENOENT), "BACKOFF_ENOENT");
}
END_TEST

/* ---- loading and the cache ---------------------------------------------- */

START_TEST(load_by_name_and_by_path) {
  char p[4096];
  backoff_strategy_t *a = open_plain("linear"), *b;
  unsigned n;

  ck_assert_str_eq(backoff_strategy_name(a), "linear");
  snprintf(p, sizeof(p), "%s/strategy_linear.la",
           env_dir("BACKOFF_PLUGIN_PATH"));
  ck_assert_str_eq(backoff_strategy_path(a), p);
  /* The .so itself, by path. */
  snprintf(p, sizeof(p), "%s/.libs/strategy_linear.so",
           env_dir("BACKOFF_PLUGIN_PATH"));
  b = open_plain(p);
  ck_assert_str_eq(backoff_strategy_name(b), "linear");
  ck_assert_str_eq(backoff_strategy_path(b), p);
  for (n = 0; n < 6; n++)
    ck_assert(delay_at(a, n) == n && delay_at(b, n) == n);
  backoff_strategy_free(a);
  backoff_strategy_free(b);
}
END_TEST

START_TEST(two_strategies_stay_apart) {
  backoff_strategy_t *e = open_plain("exponential"), *l = open_plain("linear");
  backoff_strategy_t *f = open_plain("fibonacci");
  ck_assert(delay_at(e, 4) == 16);
  ck_assert(delay_at(l, 4) == 4);
  ck_assert(delay_at(f, 4) == 8);
  ck_assert(delay_at(e, 0) == 1);
  ck_assert(delay_at(l, 0) == 0);
  ck_assert_str_ne(backoff_strategy_path(e), backoff_strategy_path(l));
  backoff_strategy_free(e);
  ck_assert(delay_at(l, 7) == 7);
  backoff_strategy_free(l);
  ck_assert(delay_at(f, 5) == 13);
  backoff_strategy_free(f);
}
END_TEST

/* strategy_plain_a and strategy_plain_b both export plain compute_delay and
 * fixture_value (100 and 200). Only RTLD_LOCAL keeps b's internal call to
 * fixture_value from binding to a's. */
START_TEST(plain_names_stay_apart_rtld_local) {
  backoff_strategy_t *a = open_plain(fixture_la("plain_a"));
  backoff_strategy_t *b = open_plain(fixture_la("plain_b"));
  ck_assert_msg(delay_at(a, 1) == 101, "plain_a gave %g", delay_at(a, 1));
  ck_assert_msg(delay_at(b, 1) == 201,
                "plain_b gave %g: its fixture_value bound to plain_a's "
                "(a module was opened RTLD_GLOBAL?)",
                delay_at(b, 1));
  ck_assert_str_eq(backoff_strategy_name(a), "plain_a");
  has(backoff_strategy_description(b), "plain symbol names");
  backoff_strategy_free(a);
  backoff_strategy_free(b);
}
END_TEST

START_TEST(cache_shares_module) {
  backoff_strategy_t *a = open_plain("fibonacci"),
                     *b = open_plain("fibonacci");
  backoff_strategy_t *c;
  ck_assert_ptr_ne(a, b); /* separate handles... */
  ck_assert_ptr_eq(backoff_strategy_path(a), backoff_strategy_path(b));
  ck_assert_int_eq(backoff_strategy_dup(&c, a), 0);
  ck_assert_ptr_eq(backoff_strategy_path(c), backoff_strategy_path(a));
  /* ...with their own settings */
  ck_assert_int_eq(backoff_strategy_set(a, "scale_factor", 2), 0);
  ck_assert(delay_at(a, 3) == 10);
  ck_assert(delay_at(b, 3) == 5);
  ck_assert(delay_at(c, 3) == 5);
  /* Free in any order: the module lives while any handle does. */
  backoff_strategy_free(b);
  ck_assert(delay_at(a, 4) == 16);
  backoff_strategy_free(a);
  ck_assert(delay_at(c, 12) == 377);
  backoff_strategy_free(c);
  /* And it can be loaded again after the last user went. */
  a = open_plain("fibonacci");
  ck_assert(delay_at(a, 6) == 21);
  backoff_strategy_free(a);
}
END_TEST

START_TEST(cache_free_orders) {
  static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                   {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  int o, i;
  for (o = 0; o < 6; o++) {
    backoff_strategy_t *h[3];
    for (i = 0; i < 3; i++)
      h[i] = open_plain(i == 1 ? "polynomial" : "exponential");
    ck_assert_ptr_eq(backoff_strategy_path(h[0]), backoff_strategy_path(h[2]));
    for (i = 0; i < 3; i++) {
      int j;
      backoff_strategy_free(h[orders[o][i]]);
      h[orders[o][i]] = NULL;
      for (j = 0; j < 3; j++)
        if (h[j] != NULL)
          ck_assert(delay_at(h[j], 3) == (j == 1 ? 3 : 8));
    }
  }
}
END_TEST

/* ---- threads ------------------------------------------------------------ */

typedef struct {
  int id;
  int errors;
  char msg[256];
} worker_t;

static void *worker(void *p) {
  static const char *const names[] = {"exponential", "fibonacci", "linear",
                                      "polynomial", "fixed"};
  static const double at4[] = {16, 8, 4, 4, 1};
  worker_t *w = p;
  int i;

  for (i = 0; i < 300; i++) {
    const int k = (w->id + i) % 5;
    backoff_strategy_t *s = NULL, *t = NULL;
    double d = -1, e = -1;
    int rc = backoff_strategy_open(&s, names[k]);
    if (rc == 0)
      rc = backoff_strategy_open(&t, names[(k + 1) % 5]);
    if (rc == 0)
      rc = backoff_strategy_set_jitter(s, BACKOFF_JITTER_NONE);
    if (rc == 0)
      rc = backoff_strategy_set_jitter(t, BACKOFF_JITTER_NONE);
    if (rc == 0)
      rc = backoff_strategy_delay(s, 4, 0, NULL, NULL, &d);
    if (rc == 0)
      rc = backoff_strategy_delay(t, 4, 0, NULL, NULL, &e);
    if (rc != 0 || d != at4[k] || e != at4[(k + 1) % 5]) {
      if (w->errors++ == 0)
        snprintf(w->msg, sizeof(w->msg), "%s: rc %d d %g e %g: %s", names[k],
                 rc, d, e, backoff_last_error());
    }
    /* Alternate the release order. */
    if (i & 1) {
      backoff_strategy_free(s);
      backoff_strategy_free(t);
    } else {
      backoff_strategy_free(t);
      backoff_strategy_free(s);
    }
  }
  return NULL;
}

START_TEST(eight_threads_open_close) {
  pthread_t th[8];
  worker_t w[8];
  int i;

  for (i = 0; i < 8; i++) {
    memset(&w[i], 0, sizeof(w[i]));
    w[i].id = i;
    ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &w[i]), 0);
  }
  for (i = 0; i < 8; i++)
    ck_assert_int_eq(pthread_join(th[i], NULL), 0);
  for (i = 0; i < 8; i++)
    ck_assert_msg(w[i].errors == 0, "thread %d: %d errors, first: %s", i,
                  w[i].errors, w[i].msg);
}
END_TEST

/* ---- listing and descriptions ------------------------------------------- */

typedef struct {
  char names[64][72];
  int n;
  int bad_path;
} listing_t;

static int collect(const char *name, const char *path, void *ctx) {
  listing_t *l = ctx;
  char want[128];
  snprintf(want, sizeof(want), "/strategy_%s.", name);
  if (strstr(path, want) == NULL)
    l->bad_path++;
  if (l->n < 64)
    snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", name);
  return 0;
}

static int stop_at_two(const char *name, const char *path, void *ctx) {
  (void)name;
  (void)path;
  return ++*(int *)ctx == 2 ? 42 : 0;
}

START_TEST(foreach_lists_in_tree_strategies) {
  static const char *const five[] = {"exponential", "fibonacci", "fixed",
                                     "linear", "polynomial"};
  listing_t l;
  int i, j, calls = 0;

  memset(&l, 0, sizeof(l));
  ck_assert_int_eq(backoff_strategy_foreach(collect, &l), 0);
  ck_assert_int_eq(l.bad_path, 0);
  for (i = 0; i < 5; i++) {
    int seen = 0;
    for (j = 0; j < l.n; j++)
      seen += strcmp(l.names[j], five[i]) == 0;
    ck_assert_msg(seen == 1, "%s listed %d times", five[i], seen);
  }
  /* A non-zero return stops the walk and is handed back. */
  ck_assert_int_eq(backoff_strategy_foreach(stop_at_two, &calls), 42);
  ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(params_and_descriptions) {
  backoff_strategy_t *p = open_plain("polynomial"), *f = open_plain("fixed");
  backoff_strategy_t *l = open_plain("linear");
  backoff_param_info_t info;

  ck_assert_int_eq(backoff_strategy_param(p, 0, &info), 1);
  ck_assert_str_eq(info.name, "exponent");
  ck_assert(info.def == 1 && info.min == 0 && info.max == 100);
  ck_assert_int_eq(info.is_list, 0);
  ck_assert(info.help != NULL && info.help[0] != '\0');
  ck_assert_int_eq(backoff_strategy_param(p, 1, &info), 0);
  ck_assert_ptr_null(info.name);
  ck_assert_int_eq(backoff_strategy_param(p, 1000, &info), 0);

  ck_assert_int_eq(backoff_strategy_param(f, 0, &info), 1);
  ck_assert_str_eq(info.name, "sequence");
  ck_assert_int_eq(info.is_list, 1);

  ck_assert_int_eq(backoff_strategy_param(l, 0, &info), 0);
  ck_assert_int_eq(backoff_strategy_param(NULL, 0, &info), BACKOFF_EINVAL);
  ck_assert_int_eq(backoff_strategy_param(l, 0, NULL), BACKOFF_EINVAL);

  has(backoff_strategy_description(p), "exponent");
  has(backoff_strategy_description(l), "n seconds");
  ck_assert_str_eq(backoff_strategy_description(NULL), "");
  ck_assert_str_eq(backoff_strategy_name(NULL), "");
  ck_assert_str_eq(backoff_strategy_path(NULL), "");
  backoff_strategy_free(p);
  backoff_strategy_free(f);
  backoff_strategy_free(l);
}
END_TEST

/* ---- hostile plugins: symbols and ABI ------------------------------------
 */

START_TEST(no_compute_delay_is_enosym) {
  const char *path = fixture_la("nocompute");
  const char *msg = open_fails(path, BACKOFF_ENOSYM);
  has(msg, path);
  has(msg, "compute_delay");
}
END_TEST

START_TEST(no_abi_is_enosym) {
  const char *path = fixture_la("noabi");
  const char *msg = open_fails(path, BACKOFF_ENOSYM);
  has(msg, path);
  has(msg, "backoff_plugin_abi");
}
END_TEST

START_TEST(wrong_abi_is_eabi) {
  const char *path = fixture_la("badabi");
  const char *msg = open_fails(path, BACKOFF_EABI);
  char abi[32];
  has(msg, path);
  snprintf(abi, sizeof(abi), "ABI %d", BACKOFF_PLUGIN_ABI + 998);
  has(msg, abi);
  has(msg, "rebuild");
}
END_TEST

/* ---- hostile plugins: return values --------------------------------------
 */

static backoff_strategy_t *hostile(int kind) {
  backoff_strategy_t *s = open_plain(fixture_la("hostile_delay"));
  ck_assert_int_eq(backoff_strategy_set(s, "kind", kind), 0);
  return s;
}

START_TEST(bad_delays_are_edelay) {
  static const int kinds[] = {0, 1, 2, 7, 8}; /* NaN -1 +inf -inf -denormal */
  static const backoff_jitter_t modes[] = {
      BACKOFF_JITTER_NONE, BACKOFF_JITTER_ADDITIVE, BACKOFF_JITTER_FULL,
      BACKOFF_JITTER_EQUAL, BACKOFF_JITTER_PROPORTIONAL};
  size_t i, m;

  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    backoff_strategy_t *s = hostile(kinds[i]);
    for (m = 0; m < 5; m++) {
      double d = 123;
      int rc;
      ck_assert_int_eq(backoff_strategy_set_jitter(s, modes[m]), 0);
      ck_assert_int_eq(backoff_strategy_set(s, "minimum", 1), 0);
      rc = backoff_strategy_delay(s, 3, 0, NULL, NULL, &d);
      ck_assert_msg(rc == BACKOFF_EDELAY, "kind %d jitter %d: %s %g", kinds[i],
                    (int)modes[m], backoff_err_name(rc), d);
      ck_assert(d == 0); /* cleared, never garbage */
      has(backoff_last_error(), "compute_delay(n=3)");
      has(backoff_last_error(), "hostile_delay");
    }
    backoff_strategy_free(s);
  }
}
END_TEST

START_TEST(huge_delays_saturate) {
  static const int kinds[] = {3, 6}; /* 1e308, DBL_MAX */
  size_t i;
  for (i = 0; i < 2; i++) {
    backoff_strategy_t *s = hostile(kinds[i]);
    double d = -1;
    ck_assert(delay_at(s, 0) == BACKOFF_DELAY_MAX);
    ck_assert_int_eq(backoff_strategy_set(s, "scale_factor", 1e9), 0);
    ck_assert(delay_at(s, UINT32_MAX) == BACKOFF_DELAY_MAX);
    ck_assert_int_eq(backoff_strategy_set_jitter(s, BACKOFF_JITTER_ADDITIVE),
                     0);
    ck_assert_int_eq(backoff_strategy_set(s, "scale_factor", 1), 0);
    ck_assert_int_eq(backoff_strategy_delay(s, 9, 0, NULL, NULL, &d), 0);
    ck_assert(d >= BACKOFF_DELAY_MAX - 1 && d <= BACKOFF_DELAY_MAX);
    backoff_strategy_free(s);
  }
}
END_TEST

START_TEST(tiny_delays_are_fine) {
  backoff_strategy_t *s = hostile(4); /* the smallest denormal */
  double d = delay_at(s, 2);
  ck_assert(d > 0 && d < 1e-300);
  ck_assert_int_eq(backoff_strategy_set(s, "scale_factor", 0.5), 0);
  d = delay_at(s, 2);
  ck_assert(d >= 0 && d < 1e-300); /* underflows to 0 or stays tiny */
  ck_assert_int_eq(backoff_strategy_set(s, "minimum", 0.25), 0);
  ck_assert(delay_at(s, 2) == 0.25);
  backoff_strategy_free(s);
  s = hostile(5); /* -0.0 is zero, not negative */
  d = delay_at(s, 1);
  ck_assert(d == 0);
  backoff_strategy_free(s);
}
END_TEST

/* ---- hostile plugins: parameter tables -----------------------------------
 */

START_TEST(malformed_param_tables_are_eplugin) {
  static const struct {
    const char *name, *says;
  } bad[] = {{"bp_badname", "bad name"},
             {"bp_dup", "'step' is declared twice"},
             {"bp_minmax", "min <= default <= max"},
             {"bp_defrange", "min <= default <= max"},
             {"bp_shadow", "core setting"},
             {"bp_flags", "unknown flags 0x80"},
             {"bp_toomany", "more than 16 parameters"},
             {"bp_longname", "bad name"},
             {"bp_nanbound", "finite"},
             {"bp_intdef", "integer parameter 'count'"},
             {"bp_emptyname", "bad name"},
             {"bp_digitname", "bad name"},
             {"bp_defbelow", "min <= default <= max"},
             {"bp_shadowjitter", "core setting"}};
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    const char *path = fixture_la(bad[i].name);
    const char *msg = open_fails(path, BACKOFF_EPLUGIN);
    has(msg, path);
    has(msg, bad[i].says);
  }
}
END_TEST

START_TEST(well_formed_param_tables_load) {
  backoff_strategy_t *s = open_plain(fixture_la("bp_ok"));
  backoff_param_info_t info;
  double v;
  ck_assert_int_eq(backoff_strategy_param(s, 0, &info), 1);
  ck_assert_str_eq(info.name, "step");
  ck_assert_str_eq(info.help, ""); /* NULL help reads as "" */
  ck_assert_str_eq(backoff_strategy_description(s), "");
  ck_assert_int_eq(backoff_strategy_get(s, "step", &v), 0);
  ck_assert(v == 0.5);
  backoff_strategy_free(s);

  s = open_plain(fixture_la("bp_limits"));
  ck_assert_int_eq(backoff_strategy_param(s, 15, &info), 1);
  ck_assert_str_eq(info.name, "p16");
  ck_assert_int_eq(info.is_list, 1);
  ck_assert_int_eq(info.is_integer, 1);
  ck_assert_int_eq(backoff_strategy_param(s, 16, &info), 0);
  ck_assert_int_eq(
      backoff_strategy_set(s, "abcdefghijklmnopqrstuvwxyz_abcde", 1), 0);
  ck_assert_int_eq(backoff_strategy_set(s, "p16", 0.5), BACKOFF_ERANGE);
  ck_assert(delay_at(s, 3) == 3);
  backoff_strategy_free(s);
}
END_TEST

/* ---- broken files, made here ------------------------------------------- */

START_TEST(text_file_is_eload) {
  const char *p = tmp_path("strategy_x.so");
  const char *msg;
  write_file(p, "hello, I am not an ELF file\n", 28);
  msg = open_fails(p, BACKOFF_ELOAD);
  has(msg, p);
  has(msg, "shared object");
}
END_TEST

START_TEST(text_file_named_la_is_eload) {
  const char *p = tmp_path("strategy_x.la");
  const char *msg;
  write_file(p, "dlname='../../../etc/passwd'\nlibrary_names=\n", 44);
  msg = open_fails(p, BACKOFF_ELOAD);
  has(msg, p);
}
END_TEST

START_TEST(empty_file_is_eload) {
  const char *p = tmp_path("strategy_x.so");
  write_file(p, "", 0);
  has(open_fails(p, BACKOFF_ELOAD), p);
}
END_TEST

/* A plugin cut short at several points, from inside the ELF header to half
 * the file: each is refused (never mapped past its end: that would be a
 * SIGBUS on first use). */
START_TEST(truncated_plugin_is_eload) {
  size_t len, i;
  unsigned char *so = read_plugin_so("linear", &len);
  const size_t end = loaded_end(so, len);
  const size_t cuts[] = {1,  4,   16,   52,      63,     64,
                         65, 200, 1024, end / 2, end - 1};
  for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
    char name[64];
    const char *p;
    snprintf(name, sizeof(name), "strategy_cut%zu.so", cuts[i]);
    p = tmp_path(name);
    write_file(p, so, cuts[i] < len ? cuts[i] : len);
    has(open_fails(p, BACKOFF_ELOAD), p);
  }
  free(so);
}
END_TEST

/* The same through a libtool .la whose dlname is a truncated object. */
START_TEST(truncated_plugin_behind_la_is_eload) {
  static const char la[] =
      "dlname='strategy_z.so'\nlibrary_names='strategy_z.so'\n"
      "installed=no\nlibdir='/nowhere'\n";
  size_t len;
  unsigned char *so = read_plugin_so("linear", &len);
  char libs[512];
  const char *msg;

  snprintf(libs, sizeof(libs), "%s", tmp_path(".libs"));
  ck_assert_int_eq(mkdir(libs, 0700), 0);
  write_file(tmp_path(".libs/strategy_z.so"), so, loaded_end(so, len) - 1);
  free(so);
  write_file(tmp_path("strategy_z.la"), la, sizeof(la) - 1);
  msg = open_fails(tmp_path("strategy_z.la"), BACKOFF_ELOAD);
  has(msg, "truncated");
  has(msg, ".libs/strategy_z.so");
}
END_TEST

START_TEST(directory_is_eload) {
  const char *p = tmp_path("strategy_x.so");
  const char *msg;
  ck_assert_int_eq(mkdir(p, 0700), 0);
  msg = open_fails(p, BACKOFF_ELOAD);
  has(msg, p);
  has(msg, "directory");
}
END_TEST

START_TEST(symlink_loop_is_eload) {
  char a[512], b[512];
  const char *msg;
  snprintf(a, sizeof(a), "%s", tmp_path("strategy_a.so"));
  snprintf(b, sizeof(b), "%s", tmp_path("strategy_b.so"));
  ck_assert_int_eq(symlink(b, a), 0);
  ck_assert_int_eq(symlink(a, b), 0);
  msg = open_fails(a, BACKOFF_ELOAD);
  has(msg, a);
  has(msg, strerror(ELOOP));
  /* A dangling link is simply not there. (A copy: both arguments from
   * tmp_path would share its buffer.) */
  snprintf(a, sizeof(a), "%s", tmp_path("gone"));
  ck_assert_int_eq(symlink(a, tmp_path("strategy_c.so")), 0);
  open_fails(tmp_path("strategy_c.so"), BACKOFF_ENOENT);
}
END_TEST

START_TEST(unreadable_file_is_eload) {
  size_t len;
  unsigned char *so;
  const char *p = tmp_path("strategy_x.so");
  const char *msg;

  so = read_plugin_so("linear", &len);
  if (geteuid() == 0 &&
      (chown(tmpdir, 65534, 65534) != 0 || setgroups(0, NULL) != 0 ||
       setgid(65534) != 0 || setuid(65534) != 0)) {
    /* root reads a mode-000 file anyway: the test runs as nobody, in its
     * own process, or not at all. */
    fprintf(stderr, "# SKIP unreadable_file_is_eload: cannot become nobody\n");
    free(so);
    return;
  }
  write_file(p, so, len);
  free(so);
  ck_assert_int_eq(chmod(p, 0), 0);
  msg = open_fails(p, BACKOFF_ELOAD);
  has(msg, p);
  has(msg, strerror(EACCES)); /* libltdl alone said "file not found" */
  /* A libtool .la that cannot be read. */
  p = tmp_path("strategy_x.la");
  write_file(p, "dlname='strategy_x.so'\n", 23);
  ck_assert_int_eq(chmod(p, 0), 0);
  msg = open_fails(p, BACKOFF_ELOAD);
  has(msg, p);
  has(msg, strerror(EACCES));
}
END_TEST

/* The one file two ways: the failures are not cached, a fixed file loads. */
START_TEST(failure_is_not_cached) {
  size_t len;
  unsigned char *so;
  char p[512];
  backoff_strategy_t *s;

  snprintf(p, sizeof(p), "%s", tmp_path("strategy_y.so"));
  write_file(p, "junk", 4);
  open_fails(p, BACKOFF_ELOAD);
  unlink(p);
  so = read_plugin_so("linear", &len);
  write_file(p, so, len);
  free(so);
  /* A copy of linear under another name: its exports carry linear's
   * _LTX_ prefix, which libltdl derives from the file name, so the copy
   * has no compute_delay under the name it is loaded as. */
  open_fails(p, BACKOFF_ENOSYM);
  unlink(p);
  so = read_plugin_so("linear", &len);
  snprintf(p, sizeof(p), "%s", tmp_path("strategy_linear.so"));
  write_file(p, so, len);
  free(so);
  s = open_plain(p);
  ck_assert(delay_at(s, 9) == 9);
  backoff_strategy_free(s);
}
END_TEST

/* ---- errors that help ----------------------------------------------------
 */

START_TEST(misspelt_name_gets_a_suggestion) {
  has(open_fails("exponentail", BACKOFF_ENOENT),
      "did you mean 'exponential'?");
  has(open_fails("fibonaci", BACKOFF_ENOENT), "did you mean 'fibonacci'?");
  /* Nothing near: no suggestion, the directories searched instead. */
  {
    const char *msg = open_fails("zzz", BACKOFF_ENOENT);
    ck_assert_msg(strstr(msg, "did you mean") == NULL, "%s", msg);
    has(msg, env_dir("BACKOFF_PLUGIN_PATH"));
  }
}
END_TEST

START_TEST(unknown_parameter_lists_the_valid_ones) {
  backoff_strategy_t *s = open_plain("polynomial");
  double v;
  ck_assert_int_eq(backoff_strategy_set(s, "expnent", 2), BACKOFF_EPARAM);
  has(backoff_last_error(), "no parameter 'expnent'");
  has(backoff_last_error(), "its parameters: exponent;");
  has(backoff_last_error(), "jitter_factor");
  ck_assert_int_eq(backoff_strategy_configure(s, "exponent=2,step=1"),
                   BACKOFF_EPARAM);
  has(backoff_last_error(), "no parameter 'step' (its parameters: exponent;");
  ck_assert_int_eq(backoff_strategy_get(s, "x", &v), BACKOFF_EPARAM);
  has(backoff_last_error(), "its parameters: exponent;");
  backoff_strategy_free(s);
}
END_TEST

/* ---- the read path: never blocked, never deadlocked ----------------------
 */

static void *open_slowctor(void *arg) {
  backoff_strategy_t *s;
  *(int *)arg = backoff_strategy_open(&s, fixture_la("slowctor"));
  backoff_strategy_free(s);
  return NULL;
}

static int run_linear_once(void *unused) {
  (void)unused;
  return 0;
}

/* While one thread is inside a plugin's constructor (holding the libltdl
 * lock for as long as the load takes), another opens a loaded strategy by
 * name and by path, and runs the call form with it: none may wait. The
 * constructor waits for this thread, so a lookup that needed the lock
 * would hang here forever (and Check's timeout would fail the test). */
START_TEST(lookup_is_not_blocked_by_a_slow_load) {
  int go[2], started[2], rc = 1;
  char fds[32], c = 0, path[4096];
  pthread_t t;
  backoff_strategy_t *held, *s;
  const backoff_options_t o = {.strategy = "linear", .max_tries = 1};

  held = open_plain("linear");
  snprintf(path, sizeof(path), "%s", backoff_strategy_path(held));
  s = open_plain(path);
  backoff_strategy_free(s);
  ck_assert_int_eq(pipe(go), 0);
  ck_assert_int_eq(pipe(started), 0);
  snprintf(fds, sizeof(fds), "%d,%d", go[0], started[1]);
  ck_assert_int_eq(setenv("BACKOFF_TEST_CTOR_FDS", fds, 1), 0);
  ck_assert_int_eq(pthread_create(&t, NULL, open_slowctor, &rc), 0);
  ck_assert_int_eq(read(started[0], &c, 1), 1); /* the load is under way */
  s = open_plain("linear");
  backoff_strategy_free(s);
  s = open_plain(path);
  backoff_strategy_free(s);
  ck_assert_int_eq(backoff(run_linear_once, NULL, &o), 0);
  ck_assert_int_eq(write(go[1], &c, 1), 1);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  ck_assert_int_eq(rc, 0);
  unsetenv("BACKOFF_TEST_CTOR_FDS");
  backoff_strategy_free(held);
  close(go[0]);
  close(go[1]);
  close(started[0]);
  close(started[1]);
}
END_TEST

/* A plugin constructor that opens strategies: a loaded one is found, one
 * that would need a load is refused with a message, never a deadlock. */
START_TEST(constructor_opening_strategies_does_not_deadlock) {
  char so[4096];
  backoff_strategy_t *held = open_plain("linear"), *s;
  void *h;
  const int *rc_loaded, *rc_unloaded;
  const char *msg;

  s = open_plain(fixture_la("recursive"));
  snprintf(so, sizeof(so), "%s/.libs/strategy_recursive.so",
           env_dir(TEST_PLUGINS_ENV));
  h = dlopen(so, RTLD_NOW | RTLD_NOLOAD);
  ck_assert_ptr_nonnull(h);
  rc_loaded = dlsym(h, "fixture_rc_loaded");
  rc_unloaded = dlsym(h, "fixture_rc_unloaded");
  msg = dlsym(h, "fixture_message");
  ck_assert(rc_loaded && rc_unloaded && msg);
  ck_assert_int_eq(*rc_loaded, 0);
  ck_assert_int_eq(*rc_unloaded, BACKOFF_ESTATE);
  has(msg, "recursive load of strategy 'no_such_strategy'");
  has(msg, "strategy_recursive.la");
  dlclose(h);
  backoff_strategy_free(s);
  backoff_strategy_free(held);
}
END_TEST

/* A plugin constructor that forks runs while its thread holds the loader
 * lock: the fork handlers must neither take it again (a hang) nor release
 * it early. alarm() bounds the test if they do. */
START_TEST(constructor_that_forks_does_not_hang) {
  char so[4096];
  backoff_strategy_t *s;
  const int *status;
  void *h;

  alarm(10);
  s = open_plain(fixture_la("forky"));
  alarm(0);
  snprintf(so, sizeof(so), "%s/.libs/strategy_forky.so",
           env_dir(TEST_PLUGINS_ENV));
  h = dlopen(so, RTLD_NOW | RTLD_NOLOAD);
  ck_assert_ptr_nonnull(h);
  status = dlsym(h, "fixture_status");
  ck_assert_ptr_nonnull(status);
  ck_assert(WIFEXITED(*status) && WEXITSTATUS(*status) == 42);
  dlclose(h);
  backoff_strategy_free(s);
  /* The lock was released once, by the load: another load still works. */
  alarm(10);
  s = open_plain(fixture_la("recursive"));
  alarm(0);
  backoff_strategy_free(s);
}
END_TEST

/* ---- fork while other threads load and unload ----------------------------
 */

#define CHURN_COPIES 72 /* past the 64 idle modules kept: real loads */

static char churn_paths[CHURN_COPIES][512];
static int churn_stop;

static void make_copies(const char *dir, size_t n, char paths[][512]) {
  size_t len, i;
  unsigned char *so = read_plugin_so("linear", &len);
  for (i = 0; i < n; i++) {
    snprintf(paths[i], sizeof(paths[i]), "%s/c%zu", dir, i);
    ck_assert_int_eq(mkdir(paths[i], 0700), 0);
    strcat(paths[i], "/strategy_linear.so"); /* keeps the _LTX_ prefix */
    write_file(paths[i], so, len);
  }
  free(so);
}

static void *churn(void *arg) {
  size_t i = (size_t)(uintptr_t)arg;
  while (!__atomic_load_n(&churn_stop, __ATOMIC_RELAXED)) {
    backoff_strategy_t *s;
    if (backoff_strategy_open(&s, churn_paths[i % CHURN_COPIES]) == 0)
      backoff_strategy_free(s);
    i += 7;
  }
  return NULL;
}

static int op_ok(void *unused) {
  (void)unused;
  return 0;
}

/* AddressSanitizer's allocator (gcc's, at least) is not fork-safe: a child
 * forked while another thread is inside malloc can hang in its first
 * malloc, whatever libbackoff does (seen: 2 runs in 6). Under it the child
 * makes only the calls that allocate nothing. glibc's malloc, TSan's and
 * valgrind's are fork-safe. */
#if defined(__SANITIZE_ADDRESS__)
#define FORK_CHILD_MAY_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FORK_CHILD_MAY_MALLOC 0
#endif
#endif
#ifndef FORK_CHILD_MAY_MALLOC
#define FORK_CHILD_MAY_MALLOC 1
#endif

/* In a child forked while other threads load and unload: the call form on
 * a loaded strategy (a lookup), a miss that takes the loader lock (a path
 * that does not exist: nothing to allocate), and a real load. */
static int child_uses_the_loader(const char *path) {
  const backoff_options_t o = {.strategy = "exponential", .max_tries = 1};
  const backoff_options_t miss = {.strategy = "./no-such-dir/strategy_x.so",
                                  .max_tries = 1};
  backoff_strategy_t *s;

  if (backoff(op_ok, NULL, &o) != 0 ||
      backoff(op_ok, NULL, &miss) != BACKOFF_ENOENT)
    return 1;
  if (!FORK_CHILD_MAY_MALLOC)
    return 0;
  if (backoff_strategy_open(&s, path) != 0)
    return 1;
  backoff_strategy_free(s);
  return 0;
}

/* A prefork server forks while its threads use the loader: the child must
 * never inherit a loader lock held by a thread that does not exist in it. */
START_TEST(fork_while_threads_churn_the_loader) {
  backoff_strategy_t *held = open_plain("exponential"); /* stays loaded */
  pthread_t t[2];
  int round;

  make_copies(tmpdir, CHURN_COPIES, churn_paths);
  churn_stop = 0;
  ck_assert_int_eq(pthread_create(&t[0], NULL, churn, (void *)0), 0);
  ck_assert_int_eq(pthread_create(&t[1], NULL, churn, (void *)(uintptr_t)3),
                   0);
  for (round = 0; round < 20; round++) {
    int status;
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
      alarm(10); /* a hang fails the test by signal, not by blocking it */
      if (child_uses_the_loader(churn_paths[round]) != 0)
        _exit(1);
      /* Success. The churning threads do not exist here, so a handle one
       * of them was opening at the fork is unreachable in this copy of
       * the heap: exec rather than exit, or a leak checker (valgrind)
       * would count it as this child's leak. */
      execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
      _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "round %d: child status %d", round, status);
  }
  __atomic_store_n(&churn_stop, 1, __ATOMIC_RELAXED);
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  backoff_strategy_free(held);
}
END_TEST

/* ---- hostile plugins: symbols ------------------------------------------- */

/* A plugin built with _LTX_ prefixes, copied under another file name: the
 * message names both prefixes and the two fixes. */
START_TEST(ltx_prefix_mismatch_says_so) {
  size_t len;
  unsigned char *so = read_plugin_so("linear", &len);
  const char *p = tmp_path("strategy_mine.so");
  const char *msg;

  write_file(p, so, len);
  free(so);
  msg = open_fails(p, BACKOFF_ENOSYM);
  has(msg, "'strategy_linear_LTX_'");
  has(msg, "strategy_mine_LTX_");
  has(msg, "keep the file name strategy_linear.so");
  has(msg, "BACKOFF_PLUGIN_LTX_PREFIX strategy_mine");
}
END_TEST

/* A table without its NULL terminator is bounded by its symbol's size. */
START_TEST(param_table_without_terminator_is_eplugin) {
  const char *msg = open_fails(fixture_la("bp_noterm"), BACKOFF_EPLUGIN);
  has(msg, "no NULL terminator");
  has(msg, "2 entries");
}
END_TEST

/* ---- libtool .la files: read as libltdl reads them ---------------------- */

/* In its own directory d: d/.libs/<lib> and d/<top>, each a good object
 * (plain_a, 100 + n), a truncated one, or nothing; then d/strategy_t.la. */
enum { NONE, GOOD, CUT };

static const char *la_case(const char *d, int libs, int top, const char *la) {
  static char p[640];
  char dir[512], f[600];
  size_t len, cut_len;
  unsigned char *good, *cut;
  char src[4096];
  FILE *in;
  long size;

  snprintf(src, sizeof(src), "%s/.libs/strategy_plain_a.so",
           env_dir(TEST_PLUGINS_ENV));
  in = fopen(src, "rb");
  ck_assert_ptr_nonnull(in);
  fseek(in, 0, SEEK_END);
  size = ftell(in);
  rewind(in);
  good = malloc((size_t)size);
  ck_assert_uint_eq(fread(good, 1, (size_t)size, in), (size_t)size);
  fclose(in);
  cut = read_plugin_so("linear", &len);
  cut_len = loaded_end(cut, len) - 1;
  snprintf(dir, sizeof(dir), "%s/%s", tmpdir, d);
  ck_assert_int_eq(mkdir(dir, 0700), 0);
  snprintf(f, sizeof(f), "%s/.libs", dir);
  ck_assert_int_eq(mkdir(f, 0700), 0);
  if (libs != NONE) {
    snprintf(f, sizeof(f), "%s/.libs/strategy_t.so", dir);
    write_file(f, libs == GOOD ? good : cut,
               libs == GOOD ? (size_t)size : cut_len);
  }
  if (top != NONE) {
    snprintf(f, sizeof(f), "%s/strategy_t.so", dir);
    write_file(f, top == GOOD ? good : cut,
               top == GOOD ? (size_t)size : cut_len);
  }
  snprintf(f, sizeof(f), "%s/strategy_t.so.0", dir);
  write_file(f, cut, cut_len);
  free(good);
  free(cut);
  snprintf(p, sizeof(p), "%s/strategy_t.la", dir);
  write_file(p, la, strlen(la));
  return p;
}

static void la_loads(const char *p) {
  backoff_strategy_t *s = open_plain(p);
  ck_assert(delay_at(s, 1) == 101);
  backoff_strategy_free(s);
}

START_TEST(la_files_read_as_libltdl_does) {
  /* The last dlname= wins. */
  has(open_fails(la_case("d1", GOOD, CUT,
                         "dlname='strategy_t.so'\ninstalled=no\n"
                         "dlname='strategy_t.so.0'\n"),
                 BACKOFF_ELOAD),
      "truncated");
  la_loads(la_case("d2", GOOD, NONE,
                   "dlname='strategy_t.so.0'\ndlname='strategy_t.so'\n"
                   "installed=no\n"));
  /* installed=no only in that exact form: quoted, libltdl takes the file
   * for installed and opens dir/dlname, not .libs/dlname. */
  has(open_fails(la_case("d3", GOOD, CUT,
                         "dlname='strategy_t.so'\ninstalled='no'\n"
                         "libdir='/nowhere'\n"),
                 BACKOFF_ELOAD),
      "/d3/strategy_t.so is truncated");
  la_loads(la_case("d4", GOOD, CUT,
                   "dlname='strategy_t.so'\ninstalled=no\nlibdir='/x'\n"));
  /* ...and with its newline: at the end of the file without one, it is
   * not recognised either. */
  has(open_fails(
          la_case("d5", GOOD, CUT, "dlname='strategy_t.so'\ninstalled=no"),
          BACKOFF_ELOAD),
      "/d5/strategy_t.so is truncated");
  /* No dlname: the last word of library_names stands in for it. */
  has(open_fails(la_case("d6", NONE, GOOD,
                         "library_names='strategy_t.so strategy_t.so.0'\n"),
                 BACKOFF_ELOAD),
      "strategy_t.so.0 is truncated");
  /* An empty dlname is none. */
  has(open_fails(la_case("d7", NONE, GOOD,
                         "dlname=''\nlibrary_names='strategy_t.so.0'\n"),
                 BACKOFF_ELOAD),
      "strategy_t.so.0 is truncated");
  /* Comments and blank lines are skipped. */
  la_loads(la_case("d8", NONE, GOOD,
                   "# dlname='strategy_t.so.0'\n\ndlname='strategy_t.so'\n"));
  /* An unquoted value makes libltdl refuse the file: nothing is mapped. */
  open_fails(la_case("d9", NONE, CUT, "dlname=strategy_t.so\n"),
             BACKOFF_ELOAD);
  /* A candidate that is not an object is skipped by libltdl: the next one
   * it tries is checked. */
  {
    const char *p =
        la_case("d10", NONE, CUT, "dlname='strategy_t.so'\ninstalled=no\n");
    char junk[600];
    snprintf(junk, sizeof(junk), "%s/d10/.libs/strategy_t.so", tmpdir);
    write_file(junk, "not an ELF object", 17);
    has(open_fails(p, BACKOFF_ELOAD), "truncated");
  }
  /* A value whose only quote is the leading one: libltdl refuses the file
   * rather than take the rest of the line. */
  {
    const char *msg = open_fails(
        la_case("d11", NONE, CUT, "dlname='strategy_t.so"), BACKOFF_ELOAD);
    ck_assert_msg(strstr(msg, "truncated") == NULL, "%s", msg);
  }
  /* A candidate that cannot be read is skipped by libltdl too (root reads
   * a mode-000 file anyway: nothing to prove there). */
  if (geteuid() != 0) {
    const char *p =
        la_case("d12", GOOD, GOOD, "dlname='strategy_t.so'\ninstalled=no\n");
    char locked[600];
    snprintf(locked, sizeof(locked), "%s/d12/.libs/strategy_t.so", tmpdir);
    ck_assert_int_eq(chmod(locked, 0), 0);
    la_loads(p);
  }
}
END_TEST

/* ---- stress: lookups racing loads, unloads and listings ----------------- */

#define STRESS_THREADS 8

static int count_one(const char *name, const char *path, void *ctx) {
  (void)name;
  (void)path;
  ++*(int *)ctx;
  return 0;
}

static void *stress(void *arg) {
  const unsigned id = (unsigned)(uintptr_t)arg;
  /* A bound on the run, not a check of speed. */
  const uint64_t end = backoff_clock_ns() + 1000000000ULL;
  const backoff_options_t o = {.strategy = "exponential", .max_tries = 1};
  unsigned i = id;

  while (backoff_clock_ns() < end) {
    backoff_strategy_t *s;
    int n = 0;
    switch (id % 4) {
    case 0: /* lookups by name */
      s = open_plain(i % 2 ? "linear" : "fibonacci");
      ck_assert(backoff_strategy_description(s) != NULL);
      backoff_strategy_free(s);
      ck_assert_int_eq(backoff(op_ok, NULL, &o), 0);
      break;
    case 1: /* lookups by absolute path, some of them loads */
      s = open_plain(churn_paths[i % CHURN_COPIES]);
      ck_assert(delay_at(s, 3) == 3);
      backoff_strategy_free(s);
      break;
    case 2: { /* the call form (a borrowed module) on modules being evicted */
      const backoff_options_t c = {.strategy = churn_paths[i % CHURN_COPIES],
                                   .max_tries = 1};
      ck_assert_int_eq(backoff(op_ok, NULL, &c), 0);
      break;
    }
    default: /* listings */
      ck_assert_int_eq(backoff_strategy_foreach(count_one, &n), 0);
      ck_assert_int_gt(n, 0);
      break;
    }
    i += STRESS_THREADS;
  }
  return NULL;
}

START_TEST(eight_threads_race_lookups_loads_unloads_listings) {
  pthread_t t[STRESS_THREADS];
  uintptr_t i;

  make_copies(tmpdir, CHURN_COPIES, churn_paths);
  for (i = 0; i < STRESS_THREADS; i++)
    ck_assert_int_eq(pthread_create(&t[i], NULL, stress, (void *)i), 0);
  for (i = 0; i < STRESS_THREADS; i++)
    ck_assert_int_eq(pthread_join(t[i], NULL), 0);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("loader");
  TCase *names = tcase_create("names");
  TCase *load = tcase_create("load");
  TCase *hostile_tc = tcase_create("hostile");
  TCase *files = tcase_create("files");
  TCase *concurrency = tcase_create("concurrency");

  tcase_add_test(names, bad_names_are_ename);
  tcase_add_test(names, null_arguments);
  tcase_add_test(names, slash_means_path);
  tcase_add_test(names, unknown_name_lists_searched_dirs);
  suite_add_tcase(s, names);

  tcase_add_test(load, load_by_name_and_by_path);
  tcase_add_test(load, two_strategies_stay_apart);
  tcase_add_test(load, plain_names_stay_apart_rtld_local);
  tcase_add_test(load, cache_shares_module);
  tcase_add_test(load, cache_free_orders);
  tcase_add_test(load, eight_threads_open_close);
  tcase_add_test(load, foreach_lists_in_tree_strategies);
  tcase_add_test(load, params_and_descriptions);
  tcase_set_timeout(load, 60);
  suite_add_tcase(s, load);

  tcase_add_test(hostile_tc, no_compute_delay_is_enosym);
  tcase_add_test(hostile_tc, no_abi_is_enosym);
  tcase_add_test(hostile_tc, wrong_abi_is_eabi);
  tcase_add_test(hostile_tc, bad_delays_are_edelay);
  tcase_add_test(hostile_tc, huge_delays_saturate);
  tcase_add_test(hostile_tc, tiny_delays_are_fine);
  tcase_add_test(hostile_tc, malformed_param_tables_are_eplugin);
  tcase_add_test(hostile_tc, well_formed_param_tables_load);
  suite_add_tcase(s, hostile_tc);

  tcase_add_checked_fixture(files, tmp_setup, tmp_teardown);
  tcase_add_test(files, text_file_is_eload);
  tcase_add_test(files, text_file_named_la_is_eload);
  tcase_add_test(files, empty_file_is_eload);
  tcase_add_test(files, truncated_plugin_is_eload);
  tcase_add_test(files, truncated_plugin_behind_la_is_eload);
  tcase_add_test(files, directory_is_eload);
  tcase_add_test(files, symlink_loop_is_eload);
  tcase_add_test(files, unreadable_file_is_eload);
  tcase_add_test(files, failure_is_not_cached);
  tcase_add_test(files, ltx_prefix_mismatch_says_so);
  tcase_add_test(files, la_files_read_as_libltdl_does);
  tcase_add_test(files, param_table_without_terminator_is_eplugin);
  tcase_add_test(files, misspelt_name_gets_a_suggestion);
  tcase_add_test(files, unknown_parameter_lists_the_valid_ones);
  suite_add_tcase(s, files);

  /* Threads and forks: slow under valgrind, where every dlopen of the 72
   * copies is. Its own time limit; a deadlock still fails it. */
  tcase_add_checked_fixture(concurrency, tmp_setup, tmp_teardown);
  tcase_set_timeout(concurrency, 60);
  tcase_add_test(concurrency, lookup_is_not_blocked_by_a_slow_load);
  tcase_add_test(concurrency,
                 constructor_opening_strategies_does_not_deadlock);
  tcase_add_test(concurrency, constructor_that_forks_does_not_hang);
  tcase_add_test(concurrency, fork_while_threads_churn_the_loader);
  tcase_add_test(concurrency,
                 eight_threads_race_lookups_loads_unloads_listings);
  suite_add_tcase(s, concurrency);
  return s;
}
