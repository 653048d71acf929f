/* SPDX-License-Identifier: MIT */
/* Argument parsing for the backoff command. Strict by design: a value is
 * either exactly right or refused with a message naming the option and the
 * value, so a typo never turns into a surprising retry policy. No I/O here:
 * the caller prints. The scanner is hand-written rather than getopt_long()
 * because getopt keeps global state (optind) and prints its own errors. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/seam/backoff_seam.h"
#include "backoff.h"
#include "cli_parse.h"
#include "ere.h"

/* ---- numbers ----------------------------------------------------------- */

/* Unsigned decimal, digits only, whole string, at most max: the library's
 * own strict parser, from the seam library. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
  unsigned long long v;
  *out = 0;
  if (s == NULL || backoff__parse_uint(s, strlen(s), max, &v) != 0)
    return -1;
  *out = v;
  return 0;
}

/* A non-negative decimal "12", "1.5", ".5" at the start of s, no sign, no
 * exponent, no hex: returns its length (0 when there is none). */
static size_t decimal_prefix(const char *s) {
  size_t i = 0, digits = 0;

  while (s[i] >= '0' && s[i] <= '9')
    i++, digits++;
  if (s[i] == '.') {
    size_t frac = 0;
    i++;
    while (s[i] >= '0' && s[i] <= '9')
      i++, frac++;
    if (frac == 0)
      return 0; /* "5." is refused: it is usually a typo */
    digits += frac;
  }
  return digits > 0 ? i : 0;
}

/* Converts s[0..len), already checked by decimal_prefix (a subset of the
 * library's grammar), with the library's strict parser. */
static int decimal_value(const char *s, size_t len, double *out) {
  return backoff__parse_double(s, len, out) == 0 ? 0 : -1;
}

int backoff_cli_parse_duration(const char *s, double *seconds) {
  static const struct {
    const char *suffix;
    double factor;
  } units[] = {{"", 1},      {"s", 1},  {"ms", 1e-3},
               {"us", 1e-6}, {"m", 60}, {"h", 3600}};
  size_t n, i;
  double v;

  if (seconds == NULL)
    return -1;
  *seconds = 0;
  if (s == NULL || (n = decimal_prefix(s)) == 0)
    return -1;
  for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    if (strcmp(s + n, units[i].suffix) != 0)
      continue;
    if (decimal_value(s, n, &v) != 0)
      return -1;
    v *= units[i].factor;
    if (!(v <= BACKOFF_DELAY_MAX)) /* also catches NaN / inf */
      return -1;
    *seconds = v;
    return 0;
  }
  return -1;
}

/* ---- exit code sets ---------------------------------------------------- */

static void codes_add(backoff_cli_codes_t *set, unsigned lo, unsigned hi) {
  unsigned c;
  for (c = lo; c <= hi; c++)
    set->bits[c / 8] |= (unsigned char)(1u << (c % 8));
}

/* One code 0..255 at *p (digits only, at most 3 of them); advances *p. */
static int code_at(const char **p, unsigned *out) {
  const char *s = *p;
  unsigned v = 0;
  size_t i = 0;

  while (s[i] >= '0' && s[i] <= '9') {
    if (i == 3)
      return -1;
    v = v * 10 + (unsigned)(s[i] - '0');
    i++;
  }
  if (i == 0 || v > 255)
    return -1;
  *out = v;
  *p = s + i;
  return 0;
}

int backoff_cli_parse_codes(const char *s, backoff_cli_codes_t *set) {
  backoff_cli_codes_t tmp;

  if (set == NULL)
    return -1;
  memset(set, 0, sizeof(*set));
  if (s == NULL || s[0] == '\0')
    return -1;
  memset(&tmp, 0, sizeof(tmp));
  for (;;) {
    unsigned lo, hi;
    if (code_at(&s, &lo) != 0)
      return -1;
    hi = lo;
    if (*s == '-') {
      s++;
      if (code_at(&s, &hi) != 0 || hi < lo)
        return -1;
    }
    codes_add(&tmp, lo, hi);
    if (*s == '\0')
      break;
    if (*s != ',')
      return -1;
    s++;
  }
  *set = tmp;
  return 0;
}

int backoff_cli_codes_has(const backoff_cli_codes_t *set, int code) {
  if (set == NULL || code < 0 || code > 255)
    return 0;
  return (set->bits[code / 8] >> (code % 8)) & 1;
}

size_t backoff_cli_codes_list(const backoff_cli_codes_t *set, int *out) {
  size_t n = 0;
  int c;
  for (c = 0; c <= 255; c++)
    if (backoff_cli_codes_has(set, c))
      out[n++] = c;
  return n;
}

/* ---- options ----------------------------------------------------------- */
/* ---- signals and sizes ------------------------------------------------- */

static const struct {
  int sig;
  const char *name;
} signal_names[] = {
    {SIGHUP, "SIGHUP"},       {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
    {SIGILL, "SIGILL"},       {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
    {SIGBUS, "SIGBUS"},       {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
    {SIGUSR1, "SIGUSR1"},     {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"},     {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
    {SIGCHLD, "SIGCHLD"},     {SIGCONT, "SIGCONT"}, {SIGSTOP, "SIGSTOP"},
    {SIGTSTP, "SIGTSTP"},     {SIGTTIN, "SIGTTIN"}, {SIGTTOU, "SIGTTOU"},
    {SIGURG, "SIGURG"},       {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGSYS, "SIGSYS"},
};
#define NSIGNAMES (sizeof(signal_names) / sizeof(signal_names[0]))

const char *backoff_cli_signal_name(int sig) {
  size_t i;
  for (i = 0; i < NSIGNAMES; i++)
    if (signal_names[i].sig == sig)
      return signal_names[i].name;
  return NULL;
}

int backoff_cli_parse_signal(const char *s, int *sig) {
  uint64_t u;
  size_t i;

  *sig = 0;
  if (s == NULL || s[0] == '\0')
    return -1;
  if (s[0] >= '0' && s[0] <= '9') {
    if (parse_u64(s, (uint64_t)SIGRTMAX, &u) != 0 || u == 0)
      return -1;
    *sig = (int)u;
  } else {
    const char *bare = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
    for (i = 0; i < NSIGNAMES && *sig == 0; i++)
      if (strcasecmp(bare, signal_names[i].name + 3) == 0)
        *sig = signal_names[i].sig;
  }
  /* A stopped group would never end: refused, as the numbers libc keeps
   * for itself (a plain number between them is taken as is). */
  if (*sig == SIGSTOP || *sig == SIGTSTP || *sig == SIGTTIN ||
      *sig == SIGTTOU || *sig == 0) {
    *sig = 0;
    return -1;
  }
  return 0;
}

int backoff_cli_parse_size(const char *s, uint64_t *bytes) {
  static const char units[] = "kKmMgGtT";
  const uint64_t max = UINT64_MAX / 2;
  size_t n = 0;
  unsigned shift = 0;
  const char *u;
  char digits[24];

  *bytes = 0;
  if (s == NULL)
    return -1;
  while (s[n] >= '0' && s[n] <= '9')
    n++;
  if (n == 0 || n >= sizeof(digits))
    return -1;
  if (s[n] != '\0') {
    if ((u = strchr(units, s[n])) == NULL || s[n + 1] != '\0')
      return -1;
    shift = 10u * (unsigned)(1 + (u - units) / 2);
  }
  memcpy(digits, s, n);
  digits[n] = '\0';
  if (parse_u64(digits, max >> shift, bytes) != 0)
    return -1;
  *bytes <<= shift;
  return 0;
}

/* ---- options ----------------------------------------------------------- */

struct option_s;
typedef int apply_fn(backoff_cli_t *cli, const struct option_s *o,
                     const char *shown, const char *v, char *err,
                     size_t errlen);

/* The command's own options. The library's core settings (--max-tries,
 * --jitter, ...) are not here: they come from the settings table
 * (backoff__settings), which names their options and checks their values. */
enum {
  O_STRATEGY = 1,
  O_PARAM,
  O_RETRY_ON,
  O_STOP_ON,
  O_TIMEOUT,
  O_KILL_AFTER,
  O_SIGNAL,
  O_FOREGROUND,
  O_STDIN,
  O_STDIN_LIMIT,
  O_HOLD,
  O_RETRY_IF,
  O_STOP_IF,
  O_FAIL_IF,
  O_REPORT,
  O_QUIET,
  O_VERBOSE,
  O_SCHEDULE,
  O_FORMAT,
  O_LIST,
  O_HELP,
  O_VERSION,
  O_BUDGET,
  O_BUDGET_PARAM,
  O_BUDGET_STATUS
};

struct option_s {
  const char *name;
  char short_name; /* 0: long form only */
  int takes_value;
  int id;
  apply_fn *apply;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  char *p;
  if (err != NULL && errlen > 0) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* Messages quote the user's arguments: a newline or escape sequence
     * in one must not break the one-line message or drive the terminal. */
    for (p = err; *p != '\0'; p++)
      if ((unsigned char)*p < 0x20 || *p == 0x7f)
        *p = '?';
  }
  return -1;
}

/* "name=value": name [a-z_][a-z0-9_]*, value not empty. The value itself
 * (numbers, lists) is checked by the library against the strategy's own
 * parameter table when the policy is built. */
static int is_param(const char *s) {
  size_t i = 0;
  if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
    return 0;
  while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
         s[i] == '_')
    i++;
  return s[i] == '=' && s[i + 1] != '\0';
}

/* Applies one option; `shown` is how the user spelled it, for messages. */

static int set_strategy(backoff_cli_t *cli, const struct option_s *o,
                        const char *shown, const char *v, char *err,
                        size_t errlen) {
  (void)o;
  if (!backoff__is_strategy_request(v))
    return fail(err, errlen,
                "%s '%s': not a strategy name ([a-z0-9_], at most 64) "
                "nor a path containing '/'",
                shown, v);
  cli->strategy = v;
  return 0;
}

static int set_param(backoff_cli_t *cli, const struct option_s *o,
                     const char *shown, const char *v, char *err,
                     size_t errlen) {
  (void)o;
  if (!is_param(v))
    return fail(err, errlen, "%s '%s': expected NAME=VALUE (e.g. exponent=3)",
                shown, v);
  if (cli->nparams == BACKOFF_CLI_PARAMS_MAX)
    return fail(err, errlen, "too many %s options (at most %d)", shown,
                BACKOFF_CLI_PARAMS_MAX);
  cli->params[cli->nparams++] = v;
  return 0;
}

static int set_kill_after(backoff_cli_t *cli, const struct option_s *o,
                          const char *shown, const char *v, char *err,
                          size_t errlen) {
  (void)o;
  if (backoff_cli_parse_duration(v, &cli->kill_after) != 0)
    return fail(err, errlen,
                "%s '%s': expected a duration (e.g. 5, 1.5s, 250ms, 2m, 1h)",
                shown, v);
  return 0;
}

static int set_timeout(backoff_cli_t *cli, const struct option_s *o,
                       const char *shown, const char *v, char *err,
                       size_t errlen) {
  double d;
  (void)o;
  if (backoff_cli_parse_duration(v, &d) != 0 || !(d > 0))
    return fail(err, errlen,
                "%s '%s': expected a duration > 0 and at most %gs (e.g. 10, "
                "1.5s, 250ms, 2m)",
                shown, v, BACKOFF_DELAY_MAX);
  cli->timeout = d;
  return 0;
}

/* --retry-on, --stop-on: repeating the option adds to the set. */
static int set_codes(backoff_cli_t *cli, const struct option_s *o,
                     const char *shown, const char *v, char *err,
                     size_t errlen) {
  const int retry = o->id == O_RETRY_ON;
  backoff_cli_codes_t set, *into = retry ? &cli->retry_on : &cli->stop_on;
  size_t i;

  if (backoff_cli_parse_codes(v, &set) != 0)
    return fail(err, errlen,
                "%s '%s': expected exit codes 0-255 and ranges, e.g. "
                "1,75,100-110",
                shown, v);
  for (i = 0; i < sizeof(set.bits); i++)
    into->bits[i] |= set.bits[i];
  if (retry)
    cli->have_retry_on = 1;
  else
    cli->have_stop_on = 1;
  return 0;
}

static int set_signal(backoff_cli_t *cli, const struct option_s *o,
                      const char *shown, const char *v, char *err,
                      size_t errlen) {
  (void)o;
  if (backoff_cli_parse_signal(v, &cli->term_signal) != 0)
    return fail(err, errlen,
                "%s '%s': expected a signal name or number (e.g. TERM, INT, "
                "KILL, 15); not STOP, TSTP, TTIN or TTOU",
                shown, v);
  return 0;
}

static int set_stdin(backoff_cli_t *cli, const struct option_s *o,
                     const char *shown, const char *v, char *err,
                     size_t errlen) {
  static const char *const modes[] = {"keep", "pass", "null"};
  size_t i;
  (void)o;
  for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
    if (strcmp(v, modes[i]) == 0) {
      cli->stdin_mode = (backoff_cli_stdin_t)i;
      return 0;
    }
  return fail(err, errlen, "%s '%s': expected keep, pass or null", shown, v);
}

static int set_stdin_limit(backoff_cli_t *cli, const struct option_s *o,
                           const char *shown, const char *v, char *err,
                           size_t errlen) {
  (void)o;
  if (backoff_cli_parse_size(v, &cli->stdin_limit) != 0)
    return fail(err, errlen,
                "%s '%s': expected a size in bytes with an optional k, M, G "
                "or T (e.g. 64M)",
                shown, v);
  return 0;
}

/* --retry-if-output, --stop-if-output, --fail-if-output: compiled here
 * once to refuse a bad expression as bad usage, again when running. */
static int set_pattern(backoff_cli_t *cli, const struct option_s *o,
                       const char *shown, const char *v, char *err,
                       size_t errlen) {
  const char **into = o->id == O_RETRY_IF  ? &cli->retry_if_output
                      : o->id == O_STOP_IF ? &cli->stop_if_output
                                           : &cli->fail_if_output;
  char why[160];
  backoff_ere_t *re = backoff_ere_compile(v, why, sizeof(why));
  if (re == NULL) /* the reason, not a long pattern, must fit the line */
    return fail(err, errlen, "%s '%.40s%s': %s", shown, v,
                strlen(v) > 40 ? "..." : "", why);
  backoff_ere_free(re);
  *into = v;
  return 0;
}

static int set_report(backoff_cli_t *cli, const struct option_s *o,
                      const char *shown, const char *v, char *err,
                      size_t errlen) {
  (void)o;
  if (v[0] == '\0')
    return fail(err, errlen, "%s: empty file name", shown);
  cli->report = v;
  return 0;
}

static int set_flag(backoff_cli_t *cli, const struct option_s *o,
                    const char *shown, const char *v, char *err,
                    size_t errlen) {
  (void)shown, (void)v, (void)err, (void)errlen;
  if (o->id == O_FOREGROUND)
    cli->foreground = 1;
  else
    cli->hold_output = 1;
  return 0;
}

static int set_verbosity(backoff_cli_t *cli, const struct option_s *o,
                         const char *shown, const char *v, char *err,
                         size_t errlen) {
  const int want = o->id == O_QUIET ? -1 : 1;
  (void)shown, (void)v;
  if (cli->verbosity == -want)
    return fail(err, errlen, "--quiet and --verbose exclude each other");
  cli->verbosity = want;
  return 0;
}

static int set_mode(backoff_cli_t *cli, const struct option_s *o,
                    const char *shown, const char *v, char *err,
                    size_t errlen) {
  (void)shown, (void)v;
  switch (o->id) {
  case O_HELP:
    cli->mode = BACKOFF_CLI_HELP;
    return 1;
  case O_VERSION:
    cli->mode = BACKOFF_CLI_VERSION;
    return 1;
  default: {
    const backoff_cli_mode_t want =
        o->id == O_SCHEDULE ? BACKOFF_CLI_SCHEDULE : BACKOFF_CLI_LIST;
    if (cli->mode == BACKOFF_CLI_BUDGET_STATUS)
      return fail(err, errlen,
                  "--budget-status excludes --schedule and "
                  "--list-strategies");
    if (cli->mode != BACKOFF_CLI_RUN && cli->mode != want)
      return fail(err, errlen,
                  "--schedule and --list-strategies exclude each other");
    cli->mode = want;
    return 0;
  }
  }
}

static int set_format(backoff_cli_t *cli, const struct option_s *o,
                      const char *shown, const char *v, char *err,
                      size_t errlen) {
  (void)o;
  cli->format_given = 1;
  if (strcmp(v, "table") == 0)
    cli->format = BACKOFF_CLI_TABLE;
  else if (strcmp(v, "tsv") == 0)
    cli->format = BACKOFF_CLI_TSV;
  else
    return fail(err, errlen, "%s '%s': expected table or tsv", shown, v);
  return 0;
}

/* --budget SPEC, --budget-status SPEC, --budget-param NAME=VALUE: the
 * spec and the names are checked by the library and tools/budget_cli.c. */
static int set_budget(backoff_cli_t *cli, const struct option_s *o,
                      const char *shown, const char *v, char *err,
                      size_t errlen) {
  if (v[0] == '\0')
    return fail(err, errlen, "%s: expected a value", shown);
  if (o->id == O_BUDGET_PARAM) {
    if (!is_param(v))
      return fail(err, errlen,
                  "%s '%s': expected NAME=VALUE (e.g. capacity=100)", shown,
                  v);
    if (cli->nbudget_params == BACKOFF_CLI_PARAMS_MAX)
      return fail(err, errlen, "too many %s options (at most %d)", shown,
                  BACKOFF_CLI_PARAMS_MAX);
    cli->budget_params[cli->nbudget_params++] = v;
    return 0;
  }
  /* One option names the budget: with both, one would be silently lost. */
  if (cli->budget != NULL &&
      (o->id == O_BUDGET_STATUS) != (cli->mode == BACKOFF_CLI_BUDGET_STATUS))
    return fail(err, errlen,
                "--budget and --budget-status both name a budget: give one");
  cli->budget = v;
  if (o->id == O_BUDGET_STATUS) {
    if (cli->mode != BACKOFF_CLI_RUN)
      return fail(err, errlen, "%s excludes --schedule and --list-strategies",
                  shown);
    cli->mode = BACKOFF_CLI_BUDGET_STATUS;
  }
  return 0;
}

static const struct option_s options[] = {
    {"strategy", 's', 1, O_STRATEGY, set_strategy},
    {"param", 'p', 1, O_PARAM, set_param},
    {"retry-on", 'r', 1, O_RETRY_ON, set_codes},
    {"stop-on", 'x', 1, O_STOP_ON, set_codes},
    {"timeout", 't', 1, O_TIMEOUT, set_timeout},
    {"kill-after", 'k', 1, O_KILL_AFTER, set_kill_after},
    {"signal", 0, 1, O_SIGNAL, set_signal},
    {"foreground", 0, 0, O_FOREGROUND, set_flag},
    {"stdin", 0, 1, O_STDIN, set_stdin},
    {"stdin-limit", 0, 1, O_STDIN_LIMIT, set_stdin_limit},
    {"hold-output", 0, 0, O_HOLD, set_flag},
    {"retry-if-output", 0, 1, O_RETRY_IF, set_pattern},
    {"stop-if-output", 0, 1, O_STOP_IF, set_pattern},
    {"fail-if-output", 0, 1, O_FAIL_IF, set_pattern},
    {"report", 0, 1, O_REPORT, set_report},
    {"budget", 0, 1, O_BUDGET, set_budget},
    {"budget-param", 0, 1, O_BUDGET_PARAM, set_budget},
    {"budget-status", 0, 1, O_BUDGET_STATUS, set_budget},
    {"quiet", 'q', 0, O_QUIET, set_verbosity},
    {"verbose", 'v', 0, O_VERBOSE, set_verbosity},
    {"schedule", 0, 0, O_SCHEDULE, set_mode},
    {"format", 0, 1, O_FORMAT, set_format},
    {"list-strategies", 'l', 0, O_LIST, set_mode},
    {"help", 'h', 0, O_HELP, set_mode},
    {"version", 'V', 0, O_VERSION, set_mode},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* A value of a ZERO_DEFAULT setting that stands for its default. */
static int is_default_zero(const backoff__setting_t *st,
                           const backoff__value_t *v) {
  if (!(st->flags & BACKOFF__S_ZERO_DEFAULT))
    return 0;
  switch (st->type) {
  case BACKOFF__T_JITTER:
    return v->mode == 0;
  case BACKOFF__T_UINT:
  case BACKOFF__T_U64:
    return v->u == 0;
  default:
    return v->d == 0;
  }
}

/* What a setting takes, for messages: "a number in (0, 1]". */
static const char *expected(const backoff__setting_t *st, char *buf,
                            size_t size) {
  char b[96], *inf;
  const char *kind = st->type == BACKOFF__T_NUMBER    ? "a number in "
                     : st->type == BACKOFF__T_SECONDS ? "a duration (e.g. "
                                                        "1.5s, 250ms, 2m) in "
                     : st->type == BACKOFF__T_JITTER  ? ""
                                                      : "a whole number in ";

  backoff__setting_bounds(st, b, sizeof(b));
  if ((inf = strstr(b, " or INFINITY")) != NULL)
    *inf = '\0';
  snprintf(buf, size, "%s%s%s", kind, b, inf != NULL ? " or 'none'" : "");
  return buf;
}

/* A core setting: parsed, checked and stored into cli->core by the
 * table's own rules; durations also take units. The command line takes
 * explicit values: a 0 that would stand for the default is refused
 * (leaving the option out is how to get the default). */
static int apply_setting(backoff_cli_t *cli, const backoff__setting_t *st,
                         const char *shown, const char *v, char *err,
                         size_t errlen) {
  backoff__value_t val;
  char b[160];
  int rc;

  memset(&val, 0, sizeof(val));
  if (st->type == BACKOFF__T_SECONDS &&
      !((st->flags & BACKOFF__S_INFINITY) && strcmp(v, "none") == 0))
    rc = backoff_cli_parse_duration(v, &val.d) != 0
             ? BACKOFF_ESYNTAX
             : backoff__setting_check(st, val.d);
  else
    rc = backoff__setting_parse(st, v, strlen(v), &val);
  if (rc != 0 || is_default_zero(st, &val))
    return fail(err, errlen, "%s '%s': expected %s", shown, v,
                expected(st, b, sizeof(b)));
  backoff__setting_store(st, &cli->core, &val);
  return 0;
}

static const backoff__setting_t *setting_by_short(char c) {
  size_t i;
  for (i = 0; i < BACKOFF__SET_COUNT; i++)
    if (backoff__settings[i].sflag == c)
      return &backoff__settings[i];
  return NULL;
}

static const struct option_s *find_long(const char *name, size_t len) {
  size_t i;
  for (i = 0; i < NOPTIONS; i++)
    if (strlen(options[i].name) == len &&
        memcmp(options[i].name, name, len) == 0)
      return &options[i];
  return NULL;
}

static const struct option_s *find_short(char c) {
  size_t i;
  for (i = 0; i < NOPTIONS; i++)
    if (options[i].short_name == c)
      return &options[i];
  return NULL;
}

/* "--name", "--name=value" or "--name value" at argv[*i]. */
static int parse_long(int argc, char **argv, int *i, backoff_cli_t *cli,
                      char *err, size_t errlen) {
  const char *a = argv[*i], *name = a + 2, *eq = strchr(name, '=');
  const size_t len = eq ? (size_t)(eq - name) : strlen(name);
  const struct option_s *o = find_long(name, len);
  const backoff__setting_t *st =
      o == NULL ? backoff__setting_by_flag(name, len) : NULL;
  const char *const long_name = o != NULL    ? o->name
                                : st != NULL ? st->lflag
                                             : NULL;
  const int takes_value = st != NULL || (o != NULL && o->takes_value);
  const char *value = NULL;
  char shown[40];

  if (long_name == NULL)
    return fail(err, errlen, "unknown option '%.*s'",
                (int)(len + 2 > 64 ? 64 : len + 2), a);
  snprintf(shown, sizeof(shown), "--%s", long_name);
  if (takes_value && eq != NULL)
    value = eq + 1;
  else if (takes_value && *i + 1 < argc && argv[*i + 1] != NULL)
    value = argv[++*i];
  else if (takes_value)
    return fail(err, errlen, "option %s needs a value", shown);
  else if (eq != NULL)
    return fail(err, errlen, "option %s takes no value", shown);
  if (st != NULL)
    return apply_setting(cli, st, shown, value, err, errlen);
  return o->apply(cli, o, shown, value, err, errlen);
}

/* A cluster of short options at argv[*i]: -qv, -n5, -n 5. */
static int parse_short(int argc, char **argv, int *i, backoff_cli_t *cli,
                       char *err, size_t errlen) {
  const char *p;

  for (p = argv[*i] + 1; *p != '\0'; p++) {
    const struct option_s *o = find_short(*p);
    const backoff__setting_t *st = o == NULL ? setting_by_short(*p) : NULL;
    const int takes_value = st != NULL || (o != NULL && o->takes_value);
    const char *value = NULL;
    char shown[3] = {'-', *p, '\0'};
    int rc;

    if (o == NULL && st == NULL)
      return fail(err, errlen, "unknown option '-%c'",
                  *p >= 0x20 && *p < 0x7f ? *p : '?');
    if (takes_value && p[1] != '\0')
      value = p + 1;
    else if (takes_value && *i + 1 < argc && argv[*i + 1] != NULL)
      value = argv[++*i];
    else if (takes_value)
      return fail(err, errlen, "option %s needs a value", shown);
    rc = st != NULL ? apply_setting(cli, st, shown, value, err, errlen)
                    : o->apply(cli, o, shown, value, err, errlen);
    if (rc != 0 || value != NULL)
      return rc;
  }
  return 0;
}

/* What no single option can check. */
static int check_combination(const backoff_cli_t *cli, char *err,
                             size_t errlen) {
  if (cli->format_given && cli->mode != BACKOFF_CLI_SCHEDULE)
    return fail(err, errlen, "--format applies only with --schedule");
  if (cli->mode == BACKOFF_CLI_RUN && cli->command == NULL)
    return fail(err, errlen,
                "missing command (backoff [OPTIONS] -- COMMAND "
                "[ARG...])");
  if (cli->mode == BACKOFF_CLI_LIST && cli->command != NULL)
    return fail(err, errlen, "--list-strategies takes no command");
  if (cli->mode == BACKOFF_CLI_BUDGET_STATUS && cli->command != NULL)
    return fail(err, errlen, "--budget-status takes no command");
  if (cli->mode != BACKOFF_CLI_RUN && cli->report != NULL)
    return fail(err, errlen, "--report applies only when running a command");
  if (cli->mode != BACKOFF_CLI_RUN && cli->mode != BACKOFF_CLI_BUDGET_STATUS &&
      (cli->budget != NULL || cli->nbudget_params > 0))
    return fail(err, errlen,
                "--budget and --budget-param apply only when running a "
                "command (or with --budget-status)");
  return 0;
}

int backoff_cli_parse_args(int argc, char **argv, backoff_cli_t *cli,
                           char *err, size_t errlen) {
  int i, rc = 0;

  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (cli == NULL)
    return fail(err, errlen, "internal error: no result struct");
  memset(cli, 0, sizeof(*cli));
  cli->kill_after = BACKOFF_CLI_KILL_AFTER;
  cli->term_signal = SIGTERM;
  cli->stdin_limit = BACKOFF_CLI_STDIN_LIMIT;
  if (argv == NULL || argc < 1)
    return fail(err, errlen, "no arguments");

  for (i = 1; i < argc && rc == 0; i++) {
    const char *a = argv[i];
    if (a == NULL || a[0] != '-' || a[1] == '\0')
      break; /* the command starts here */
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    rc = a[1] == '-' ? parse_long(argc, argv, &i, cli, err, errlen)
                     : parse_short(argc, argv, &i, cli, err, errlen);
  }
  if (rc != 0)
    return rc;
  if (i < argc && argv[i] != NULL) {
    cli->command = argv + i;
    cli->command_argc = argc - i;
  }
  return check_combination(cli, err, errlen);
}

size_t backoff_cli_option_names(const char **names, char *shorts) {
  size_t i;
  for (i = 0; i < BACKOFF__SET_COUNT; i++) {
    names[i] = backoff__settings[i].lflag;
    shorts[i] = backoff__settings[i].sflag;
  }
  for (i = 0; i < NOPTIONS; i++) {
    names[BACKOFF__SET_COUNT + i] = options[i].name;
    shorts[BACKOFF__SET_COUNT + i] = options[i].short_name;
  }
  return BACKOFF__SET_COUNT + NOPTIONS;
}
