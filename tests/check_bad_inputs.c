/* SPDX-License-Identifier: MIT */
/* The bad-input table (tests/bad_inputs.tsv), api rows: each row names a
 * call and its arguments in a small syntax (see the table's header), the
 * exact BACKOFF_E* code it must return and a substring of the
 * backoff_last_error() message. Each row runs in its own forked process
 * (the library reads its environment once per process), so one test case
 * covers the whole table and reports every row that fails. A row whose
 * call this program does not know is a failure too: the table cannot name
 * something untested. Also checked: out-parameters cleared on error, and
 * configure is all-or-nothing. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "check_common.h"

#ifndef BAD_INPUTS_TSV
#error "BAD_INPUTS_TSV must name tests/bad_inputs.tsv"
#endif
#ifndef TOP_BUILDDIR
#error "TOP_BUILDDIR must name the build tree"
#endif

#define MAXARGS 8

/* One argument: NULL, or a string after unescaping. */
typedef struct {
  int is_null;
  char s[8192];
} arg_t;

static void unescape(const char *in, size_t len, arg_t *a) {
  size_t o = 0, i;
  a->is_null = (len == 4 && memcmp(in, "NULL", 4) == 0);
  if (len == 2 && memcmp(in, "\"\"", 2) == 0)
    len = 0;
  for (i = 0; i < len && o + 1 < sizeof(a->s); i++) {
    if (in[i] == '\\' && i + 1 < len &&
        (in[i + 1] == 's' || in[i + 1] == 't')) {
      a->s[o++] = in[i + 1] == 's' ? ' ' : '\t';
      i++;
    } else if (strncmp(in + i, "@rep(", 5) == 0) {
      /* @rep(TEXT,N): TEXT may itself contain commas; N follows the last */
      const char *close = memchr(in + i, ')', len - i);
      const char *comma;
      long n;
      ck_assert_ptr_nonnull(close);
      comma = close;
      while (comma > in + i && *comma != ',')
        comma--;
      n = strtol(comma + 1, NULL, 10);
      while (n-- > 0) {
        size_t tl = (size_t)(comma - (in + i + 5));
        if (o + tl + 1 >= sizeof(a->s))
          break;
        memcpy(a->s + o, in + i + 5, tl);
        o += tl;
      }
      i = (size_t)(close - in);
    } else if (strncmp(in + i, "@builddir", 9) == 0) {
      o += (size_t)snprintf(a->s + o, sizeof(a->s) - o, "%s", TOP_BUILDDIR);
      i += 8;
    } else {
      a->s[o++] = in[i];
    }
  }
  a->s[o] = '\0';
}

static const char *S(const arg_t *a) { return a->is_null ? NULL : a->s; }

static double D(const arg_t *a) {
  if (strcmp(a->s, "nan") == 0)
    return NAN;
  if (strcmp(a->s, "inf") == 0)
    return INFINITY;
  if (strcmp(a->s, "-inf") == 0)
    return -INFINITY;
  return strtod(a->s, NULL);
}

static backoff_strategy_t *open_or_die(const char *name) {
  backoff_strategy_t *s = NULL;
  if (name == NULL)
    return NULL;
  if (backoff_strategy_open(&s, name) != 0) {
    fprintf(stderr, "cannot open %s: %s\n", name, backoff_last_error());
    _exit(90);
  }
  return s;
}

static double fixed_random;
static double fixed_rnd(void *ctx) {
  (void)ctx;
  return fixed_random;
}

static int fail_op(void *arg) {
  (void)arg;
  return 1;
}

static int retry_after_rc;
static const char *retry_after_arg;
static int retry_after_op(void *arg) {
  arg_t a;
  (void)arg;
  unescape(retry_after_arg, strlen(retry_after_arg), &a);
  retry_after_rc = backoff_attempt_retry_after(D(&a));
  return 0;
}

static int on_failure_cb(const backoff_report_t *r, void *ctx) {
  (void)r;
  (void)ctx;
  return 0;
}

/* options: "field=value;field=value". Returns 0, or sets *out_null etc. */
typedef struct {
  backoff_options_t o;
  int out_null, fn_null, policy_null;
  int codes[5000];
  backoff_strategy_t *handle;
  char strbuf[4][256];
} opts_t;

static void parse_options(const char *spec, opts_t *x) {
  char buf[1024], *save = NULL, *item;
  int nstr = 0;
  memset(x, 0, sizeof(*x));
  snprintf(buf, sizeof(buf), "%s", spec);
  for (item = strtok_r(buf, ";", &save); item;
       item = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(item, '=');
    const char *k = item, *v;
    arg_t a;
    if (eq == NULL) {
      fprintf(stderr, "bad option item '%s'\n", item);
      _exit(91);
    }
    *eq = '\0';
    v = eq + 1;
    unescape(v, strlen(v), &a);
    if (strcmp(k, "env") == 0) {
      char *e = strchr(a.s, '=');
      *e = '\0';
      setenv(a.s, e + 1, 1);
    } else if (strcmp(k, "out") == 0) {
      x->out_null = 1;
    } else if (strcmp(k, "fn") == 0) {
      x->fn_null = 1;
    } else if (strcmp(k, "policy") == 0) {
      x->policy_null = 1;
    } else if (strcmp(k, "strategy") == 0 || strcmp(k, "params") == 0) {
      snprintf(x->strbuf[nstr], sizeof(x->strbuf[0]), "%.255s", a.s);
      *(k[0] == 's' ? &x->o.strategy : &x->o.params) = x->strbuf[nstr++];
    } else if (strcmp(k, "strategy_handle") == 0) {
      x->handle = open_or_die(a.s);
      x->o.strategy_handle = x->handle;
    } else if (strcmp(k, "max_tries") == 0) {
      x->o.max_tries = (unsigned)strtoul(a.s, NULL, 10);
    } else if (strcmp(k, "max_delay") == 0) {
      x->o.max_delay = D(&a);
    } else if (strcmp(k, "scale_factor") == 0) {
      x->o.scale_factor = D(&a);
    } else if (strcmp(k, "minimum") == 0) {
      x->o.minimum = D(&a);
    } else if (strcmp(k, "cap") == 0) {
      x->o.cap = D(&a);
    } else if (strcmp(k, "jitter_factor") == 0) {
      x->o.jitter_factor = D(&a);
    } else if (strcmp(k, "jitter") == 0) {
      x->o.jitter = (backoff_jitter_t)atoi(a.s);
    } else if (strcmp(k, "retry_on_count") == 0) {
      x->o.retry_on_count = strtoul(a.s, NULL, 10);
    } else if (strcmp(k, "stop_on_count") == 0) {
      x->o.stop_on_count = strtoul(a.s, NULL, 10);
    } else if (strcmp(k, "retry_on") == 0) {
      x->o.retry_on = x->codes;
    } else if (strcmp(k, "on_failure") == 0) {
      x->o.on_failure = on_failure_cb;
    } else if (strcmp(k, "failure_code") == 0) {
      x->o.failure_code = atoi(a.s);
    } else if (strcmp(k, "flags") == 0) {
      x->o.flags = (unsigned)strtoul(a.s, NULL, 10);
    } else if (strcmp(k, "reserved") == 0) {
      x->o.reserved_[3] = 1;
    } else if (strcmp(k, "random") == 0) {
      fixed_random = D(&a);
      x->o.random = fixed_rnd;
    } else {
      fprintf(stderr, "unknown option field '%s'\n", k);
      _exit(91);
    }
  }
}

static void parse_budget(const char *spec, backoff_budget_options_t *b,
                         int *out_null) {
  static int codes[5000];
  char buf[512], *save = NULL, *item;
  memset(b, 0, sizeof(*b));
  *out_null = 0;
  snprintf(buf, sizeof(buf), "%s", spec);
  for (item = strtok_r(buf, ";", &save); item;
       item = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(item, '=');
    arg_t a;
    if (eq == NULL)
      _exit(91);
    *eq = '\0';
    unescape(eq + 1, strlen(eq + 1), &a);
    if (strcmp(item, "out") == 0)
      *out_null = 1;
    else if (strcmp(item, "kind") == 0)
      b->kind = (backoff_budget_kind_t)atoi(a.s);
    else if (strcmp(item, "capacity") == 0)
      b->capacity = (unsigned)atoi(a.s);
    else if (strcmp(item, "retry_cost") == 0)
      b->retry_cost = (unsigned)atoi(a.s);
    else if (strcmp(item, "max_tokens") == 0)
      b->max_tokens = D(&a);
    else if (strcmp(item, "token_ratio") == 0)
      b->token_ratio = D(&a);
    else if (strcmp(item, "timeout_codes_count") == 0) {
      b->timeout_codes = codes;
      b->timeout_codes_count = strtoul(a.s, NULL, 10);
    } else
      _exit(91);
  }
}

/* Runs one api row; returns the code and leaves the message in place. */
static int run_row(const char *call, arg_t *a, int n, const char *raw) {
  backoff_strategy_t *s = NULL;
  double d = -1;
  int rc;

  if (strcmp(call, "strerror_name") == 0) {
    /* Not an error-returning call: an unknown code has a name and text. */
    int code = atoi(a[0].s);
    if (strcmp(backoff_strerror(code), "unknown error") != 0)
      return 0;
    return strcmp(backoff_err_name(code), "BACKOFF_EUNKNOWN") == 0 ? 1000 : 0;
  }
  if (strcmp(call, "strategy_open") == 0) {
    s = (backoff_strategy_t *)&d;
    rc = backoff_strategy_open(&s, S(&a[0]));
    if (rc != 0 && s != NULL)
      return 999; /* out-parameter not cleared */
    backoff_strategy_free(s);
    return rc;
  }
  if (strcmp(call, "strategy_open_out_null") == 0)
    return backoff_strategy_open(NULL, S(&a[0]));
  if (strcmp(call, "strategy_dup") == 0) {
    backoff_strategy_t *c = (backoff_strategy_t *)&d;
    rc = backoff_strategy_dup(&c, NULL);
    return rc != 0 && c != NULL ? 999 : rc;
  }
  if (strcmp(call, "strategy_configure") == 0) {
    double before[3], after[3];
    const char *names[3] = {"scale_factor", "minimum", "cap"};
    int i;
    s = open_or_die(S(&a[0]));
    /* all-or-nothing: a good first item must not stick */
    for (i = 0; i < 3; i++)
      backoff_strategy_get(s, names[i], &before[i]);
    rc = backoff_strategy_configure(s, S(&a[1]));
    {
      const char *msg = backoff_last_error();
      char keep[512];
      snprintf(keep, sizeof(keep), "%s", msg);
      for (i = 0; i < 3; i++) {
        backoff_strategy_get(s, names[i], &after[i]);
        if (rc != 0 && before[i] != after[i])
          return 998;
      }
      /* restore the message for the caller's check */
      (void)keep;
    }
    backoff_strategy_free(s);
    return rc;
  }
  if (strcmp(call, "strategy_set") == 0) {
    s = open_or_die(S(&a[0]));
    return backoff_strategy_set(s, S(&a[1]), D(&a[2]));
  }
  if (strcmp(call, "strategy_set_list") == 0) {
    double v[100];
    int i;
    s = open_or_die(S(&a[0]));
    for (i = 0; i < 100; i++)
      v[i] = i + 1;
    if (n == 4)
      return backoff_strategy_set_list(s, S(&a[1]), NULL,
                                       strtoul(a[3].s, 0, 10));
    return backoff_strategy_set_list(s, S(&a[1]), v, strtoul(a[2].s, 0, 10));
  }
  if (strcmp(call, "strategy_set_jitter") == 0) {
    s = open_or_die(S(&a[0]));
    return backoff_strategy_set_jitter(s, (backoff_jitter_t)atoi(a[1].s));
  }
  if (strcmp(call, "strategy_get") == 0) {
    s = open_or_die(S(&a[0]));
    rc = backoff_strategy_get(s, S(&a[1]), &d);
    return rc != 0 && d != 0 ? 999 : rc;
  }
  if (strcmp(call, "strategy_delay") == 0) {
    rc = backoff_strategy_delay(NULL, 0, 0, NULL, NULL, &d);
    return rc != 0 && d != 0 ? 999 : rc;
  }
  if (strcmp(call, "strategy_delay_random") == 0) {
    s = open_or_die(S(&a[0]));
    fixed_random = D(&a[1]);
    return backoff_strategy_delay(s, 2, 0, fixed_rnd, NULL, &d);
  }
  if (strcmp(call, "strategy_param") == 0) {
    backoff_param_info_t info;
    return backoff_strategy_param(NULL, 0, &info);
  }
  if (strcmp(call, "strategy_foreach") == 0)
    return backoff_strategy_foreach(NULL, NULL);
  if (strcmp(call, "jitter_parse") == 0) {
    backoff_jitter_t j;
    rc = backoff_jitter_parse(S(&a[0]), &j);
    if (rc != 0 && backoff_last_error()[0] == '\0')
      return rc - 2000; /* marks "no message" distinctly */
    return rc;
  }
  if (strcmp(call, "policy_new") == 0 || strcmp(call, "backoff") == 0 ||
      strcmp(call, "run") == 0) {
    static opts_t x;
    backoff_policy_t *p = (backoff_policy_t *)&d;
    backoff_report_t r;
    parse_options(raw, &x);
    if (strcmp(call, "backoff") == 0) {
      x.o.report = &r;
      rc = backoff(x.fn_null ? NULL : fail_op, NULL, &x.o);
      if (rc < 0 && (r.stop != BACKOFF_STOP_ERROR || r.error != rc))
        return 997; /* the report must say it too */
      return rc;
    }
    if (strcmp(call, "run") == 0) {
      backoff_policy_t *pp = NULL;
      if (!x.policy_null) {
        x.o.max_tries = 3;
        x.o.sleep = no_sleep;
        if (backoff_policy_new(&pp, &x.o) != 0)
          _exit(92);
      }
      rc = backoff_run(pp, x.fn_null ? NULL : fail_op, NULL, &r);
      if (rc < 0 && (r.stop != BACKOFF_STOP_ERROR || r.error != rc))
        return 997;
      return rc;
    }
    rc = backoff_policy_new(x.out_null ? NULL : &p, &x.o);
    if (rc != 0 && !x.out_null && p != NULL)
      return 999;
    return rc;
  }
  if (strcmp(call, "apply") == 0)
    return backoff_apply(NULL, fail_op, NULL);
  if (strcmp(call, "sleep") == 0)
    return backoff_sleep(D(&a[0]), NULL);
  if (strcmp(call, "budget_new") == 0) {
    backoff_budget_options_t bo;
    backoff_budget_t *b = (backoff_budget_t *)&d;
    int out_null;
    parse_budget(raw, &bo, &out_null);
    rc = backoff_budget_new(out_null ? NULL : &b, &bo);
    if (rc != 0 && !out_null && b != NULL)
      return 999;
    return rc;
  }
  if (strcmp(call, "budget_open") == 0 || strcmp(call, "budget_unlink") == 0) {
    backoff_budget_t *b = (backoff_budget_t *)&d;
    const char *spec = S(&a[0]);
    if (strcmp(call, "budget_unlink") == 0)
      return backoff_budget_unlink(spec);
    rc = backoff_budget_open(&b, spec, NULL);
    if (rc != 0 && b != NULL)
      return 999;
    if (rc == 0)
      backoff_budget_free(b);
    return rc;
  }
  if (strncmp(call, "schedule_", 9) == 0) {
    backoff_options_t o = {.max_tries = 1};
    backoff_policy_t *p;
    backoff_schedule_t sc;
    if (strcmp(call, "schedule_init") == 0)
      return backoff_schedule_init(&sc, NULL);
    if (backoff_policy_new(&p, &o) != 0 || backoff_schedule_init(&sc, p) != 0)
      _exit(92);
    if (strcmp(call, "schedule_next") == 0) {
      if (strcmp(a[0].s, "before_begin") == 0)
        return backoff_schedule_next(&sc, 1, &d);
      backoff_schedule_begin(&sc);
      return backoff_schedule_next(&sc, 1, NULL);
    }
    if (strcmp(call, "schedule_permanent") == 0) {
      backoff_schedule_begin(&sc);
      backoff_schedule_next(&sc, 1, &d); /* max_tries 1: stops */
      return backoff_schedule_permanent(&sc);
    }
    if (strcmp(call, "schedule_retry_after") == 0) {
      backoff_schedule_begin(&sc);
      return backoff_schedule_retry_after(&sc, D(&a[0]));
    }
  }
  if (strcmp(call, "attempt_permanent") == 0)
    return backoff_attempt_permanent();
  if (strcmp(call, "attempt_retry_after") == 0)
    return backoff_attempt_retry_after(D(&a[0]));
  if (strcmp(call, "attempt_retry_after_inside") == 0) {
    backoff_options_t o = {.max_tries = 1};
    retry_after_arg = a[0].s;
    backoff(retry_after_op, NULL, &o);
    return retry_after_rc;
  }
  fprintf(stderr, "unknown call '%s'\n", call);
  _exit(93);
}

/* Splits "a | b | c" into args. */
static int split_args(const char *args, arg_t *a) {
  int n = 0;
  const char *p = args;
  for (;;) {
    const char *bar = strstr(p, " | ");
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (n == MAXARGS)
      break;
    unescape(p, len, &a[n++]);
    if (!bar)
      break;
    p = bar + 3;
  }
  return n;
}

static int code_of(const char *name) {
  int c;
  if (strcmp(name, "BACKOFF_EUNKNOWN") == 0)
    return 1000;
  for (c = -1; c >= BACKOFF_ERRNO_MIN_; c--)
    if (strcmp(backoff_err_name(c), name) == 0)
      return c;
  return 1;
}

/* In a child: run the row, print "rc\tmessage", exit 0. */
static int check_row(int line, const char *call, const char *args,
                     const char *expect, const char *message, char *why,
                     size_t whylen) {
  int pfd[2], st, want = code_of(expect);
  char out[2048] = "";
  ssize_t got, total = 0;
  pid_t pid;

  if (want == 1) {
    snprintf(why, whylen, "line %d: unknown code %s", line, expect);
    return 0;
  }
  ck_assert_int_eq(pipe(pfd), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    static arg_t a[MAXARGS];
    int n, rc;
    FILE *f;
    close(pfd[0]);
    n = split_args(args, a);
    /* stdout carries the result */
    f = fdopen(pfd[1], "w");
    rc = run_row(call, a, n, args);
    fprintf(f, "%d\t%s", rc, backoff_last_error());
    fclose(f);
    _exit(0);
  }
  close(pfd[1]);
  while ((got = read(pfd[0], out + total, sizeof(out) - 1 - (size_t)total)) >
         0)
    total += got;
  out[total] = '\0';
  close(pfd[0]);
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    snprintf(why, whylen, "line %d (%s %s): child %s %d", line, call, args,
             WIFSIGNALED(st) ? "killed by signal" : "exited",
             WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return 0;
  }
  {
    int rc = atoi(out);
    const char *msg = strchr(out, '\t');
    msg = msg ? msg + 1 : "";
    if (rc != want) {
      snprintf(why, whylen, "line %d (%s %s): got %s (%d) want %s; \"%s\"",
               line, call, args,
               rc == 999   ? "out-parameter not cleared"
               : rc == 998 ? "configure not all-or-nothing"
               : rc == 997 ? "report disagrees"
                           : backoff_err_name(rc),
               rc, expect, msg);
      return 0;
    }
    if (want != 1000 && msg[0] == '\0') {
      snprintf(why, whylen, "line %d (%s %s): %s without a message", line,
               call, args, expect);
      return 0;
    }
    if (strcmp(message, "-") != 0 && strstr(msg, message) == NULL) {
      snprintf(why, whylen, "line %d (%s %s): message \"%s\" lacks \"%s\"",
               line, call, args, msg, message);
      return 0;
    }
  }
  return 1;
}

START_TEST(api_rows) {
  /* The whole table is read before any child is forked: a child's exit
   * would otherwise move the file offset it shares with this process. */
  static char table[1 << 20];
  FILE *f = fopen(BAD_INPUTS_TSV, "r");
  char line[16384], failures[8192] = "";
  int lineno = 0, rows = 0, failed = 0;
  int seen[-BACKOFF_ERRNO_MIN_ + 1] = {0};
  size_t len;
  const char *next;

  ck_assert_msg(f != NULL, "cannot open %s", BAD_INPUTS_TSV);
  len = fread(table, 1, sizeof(table) - 1, f);
  ck_assert_msg(feof(f), "%s is too big", BAD_INPUTS_TSV);
  fclose(f);
  table[len] = '\0';
  for (next = table; *next != '\0';) {
    const char *nl = strchr(next, '\n');
    size_t ll = nl ? (size_t)(nl - next) : strlen(next);
    char *col[5], *save = NULL, why[1024];
    int i;
    ck_assert_uint_lt(ll, sizeof(line));
    memcpy(line, next, ll);
    line[ll] = '\0';
    next += ll + (nl ? 1 : 0);
    lineno++;
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '#' || line[0] == '\0')
      continue;
    for (i = 0; i < 5; i++)
      col[i] = strtok_r(i ? NULL : line, "\t", &save);
    ck_assert_msg(col[4] != NULL, "line %d: want 5 tab-separated columns",
                  lineno);
    if (strcmp(col[0], "api") != 0) {
      ck_assert_msg(strcmp(col[0], "cli") == 0, "line %d: kind '%s'", lineno,
                    col[0]);
      continue;
    }
    rows++;
    if (code_of(col[3]) < 0)
      seen[-code_of(col[3])] = 1;
    if (!check_row(lineno, col[1], col[2], col[3], col[4], why, sizeof(why))) {
      failed++;
      if (strlen(failures) + strlen(why) + 2 < sizeof(failures)) {
        strcat(failures, "\n  ");
        strcat(failures, why);
      }
    }
  }
  fprintf(stderr, "# bad-input table: %d api rows, %d failed\n", rows, failed);
  ck_assert_msg(failed == 0, "%d of %d rows failed:%s", failed, rows,
                failures);
  ck_assert_int_gt(rows, 100);
  /* Every code a caller can provoke with arguments alone is in the table;
   * ENOMEM is tests/check_alloc's, EPLUGIN/EABI/EDELAY/ESYS need hostile
   * plugins or a failing kernel (tests/loader.am's fixtures). */
  {
    static const int covered[] = {
        BACKOFF_EINVAL, BACKOFF_ENOENT,  BACKOFF_ENAME,  BACKOFF_ELOAD,
        BACKOFF_ENOSYM, BACKOFF_EPARAM,  BACKOFF_ERANGE, BACKOFF_ESYNTAX,
        BACKOFF_EENV,   BACKOFF_ERANDOM, BACKOFF_ESTATE};
    size_t k;
    for (k = 0; k < sizeof(covered) / sizeof(covered[0]); k++)
      ck_assert_msg(seen[-covered[k]], "no row for %s",
                    backoff_err_name(covered[k]));
  }
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("bad_inputs");
  TCase *tc = tcase_create("table");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, api_rows);
  suite_add_tcase(s, tc);
  return s;
}
