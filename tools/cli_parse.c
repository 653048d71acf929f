/* SPDX-License-Identifier: MIT */
/* Argument parsing for the backoff command. Strict by design: a value is
 * either exactly right or refused with a message naming the option and the
 * value, so a typo never turns into a surprising retry policy. No I/O here:
 * the caller prints. The scanner is hand-written rather than getopt_long()
 * because getopt keeps global state (optind) and prints its own errors. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "cli_parse.h"
#include "../lib/internal.h"

/* ---- numbers ----------------------------------------------------------- */

/* Unsigned decimal, digits only, whole string, at most max: the library's
 * own strict parser (lib/parse.c is compiled into this program). */
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

/* A plain positive number (no unit), e.g. --scale-factor 0.5. */
static int parse_number(const char *s, double *out) {
  size_t n;

  *out = 0;
  if (s == NULL || (n = decimal_prefix(s)) == 0 || s[n] != '\0')
    return -1;
  if (decimal_value(s, n, out) != 0 || *out > BACKOFF_DELAY_MAX) {
    *out = 0;
    return -1;
  }
  return 0;
}

int backoff_cli_parse_duration(const char *s, double *seconds) {
  static const struct {
    const char *suffix;
    double factor;
  } units[] = {{"", 1},    {"s", 1},     {"ms", 1e-3},
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

enum {
  O_STRATEGY = 1, O_PARAM, O_MAX_TRIES, O_MAX_DELAY, O_MINIMUM, O_SCALE,
  O_CAP, O_JITTER, O_JITTER_FACTOR, O_SEED, O_RETRY_ON, O_STOP_ON, O_TIMEOUT,
  O_KILL_AFTER, O_QUIET, O_VERBOSE, O_SCHEDULE, O_FORMAT, O_LIST, O_HELP,
  O_VERSION
};

static const struct option_s {
  const char *name;
  char short_name; /* 0: long form only */
  int takes_value;
  int id;
} options[] = {
    {"strategy", 's', 1, O_STRATEGY},
    {"param", 'p', 1, O_PARAM},
    {"max-tries", 'n', 1, O_MAX_TRIES},
    {"max-delay", 'd', 1, O_MAX_DELAY},
    {"minimum", 0, 1, O_MINIMUM},
    {"scale-factor", 0, 1, O_SCALE},
    {"cap", 0, 1, O_CAP},
    {"jitter", 'j', 1, O_JITTER},
    {"jitter-factor", 0, 1, O_JITTER_FACTOR},
    {"seed", 0, 1, O_SEED},
    {"retry-on", 'r', 1, O_RETRY_ON},
    {"stop-on", 'x', 1, O_STOP_ON},
    {"timeout", 't', 1, O_TIMEOUT},
    {"kill-after", 'k', 1, O_KILL_AFTER},
    {"quiet", 'q', 0, O_QUIET},
    {"verbose", 'v', 0, O_VERBOSE},
    {"schedule", 0, 0, O_SCHEDULE},
    {"format", 0, 1, O_FORMAT},
    {"list-strategies", 'l', 0, O_LIST},
    {"help", 'h', 0, O_HELP},
    {"version", 'V', 0, O_VERSION},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

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

static int is_bare_name(const char *s) {
  size_t i;
  for (i = 0; s[i] != '\0'; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '_'))
      return 0;
  return i > 0 && i <= 64;
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
static int apply(backoff_cli_t *cli, const struct option_s *o,
                 const char *shown, const char *v, char *err,
                 size_t errlen) {
  uint64_t u;
  double d;

  switch (o->id) {
  case O_STRATEGY:
    if (!is_bare_name(v) && strchr(v, '/') == NULL)
      return fail(err, errlen,
                  "%s '%s': not a strategy name ([a-z0-9_], at most 64) "
                  "nor a path containing '/'",
                  shown, v);
    cli->strategy = v;
    return 0;
  case O_PARAM:
    if (!is_param(v))
      return fail(err, errlen,
                  "%s '%s': expected NAME=VALUE (e.g. exponent=3)", shown,
                  v);
    if (cli->nparams == BACKOFF_CLI_PARAMS_MAX)
      return fail(err, errlen, "too many %s options (at most %d)", shown,
                  BACKOFF_CLI_PARAMS_MAX);
    cli->params[cli->nparams++] = v;
    return 0;
  case O_MAX_TRIES:
    if (parse_u64(v, 0xffffffffu, &u) != 0 || u < 1)
      return fail(err, errlen,
                  "%s '%s': expected a whole number from 1 to 4294967295",
                  shown, v);
    cli->max_tries = (unsigned int)u;
    return 0;
  case O_MAX_DELAY:
    if (strcmp(v, "none") == 0) {
      cli->max_delay = INFINITY;
      return 0;
    }
    if (backoff_cli_parse_duration(v, &d) != 0 || !(d > 0))
      return fail(err, errlen,
                  "%s '%s': expected a duration > 0 (e.g. 30, 1.5s, 250ms, "
                  "2m, 1h) or 'none'",
                  shown, v);
    cli->max_delay = d;
    return 0;
  case O_MINIMUM:
  case O_CAP:
  case O_KILL_AFTER:
    if (backoff_cli_parse_duration(v, &d) != 0)
      return fail(err, errlen,
                  "%s '%s': expected a duration (e.g. 5, 1.5s, 250ms, 2m, "
                  "1h)",
                  shown, v);
    if (o->id == O_MINIMUM)
      cli->minimum = d;
    else if (o->id == O_CAP)
      cli->cap = d;
    else
      cli->kill_after = d;
    return 0;
  case O_TIMEOUT:
    if (backoff_cli_parse_duration(v, &d) != 0 || !(d > 0))
      return fail(err, errlen,
                  "%s '%s': expected a duration > 0 (e.g. 10, 1.5s, 250ms, "
                  "2m)",
                  shown, v);
    cli->timeout = d;
    return 0;
  case O_SCALE:
    if (parse_number(v, &d) != 0 || !(d > 0))
      return fail(err, errlen, "%s '%s': expected a number > 0 (e.g. 0.5)",
                  shown, v);
    cli->scale_factor = d;
    return 0;
  case O_JITTER: {
    backoff_jitter_t mode;
    if (backoff_jitter_parse(v, &mode) != 0)
      return fail(err, errlen,
                  "%s '%s': expected none, additive, full, equal or "
                  "proportional",
                  shown, v);
    cli->jitter = (int)mode;
    return 0;
  }
  case O_JITTER_FACTOR:
    if (parse_number(v, &d) != 0 || !(d > 0) || d > 1)
      return fail(err, errlen, "%s '%s': expected a number in (0, 1]", shown,
                  v);
    cli->jitter_factor = d;
    return 0;
  case O_SEED:
    if (parse_u64(v, UINT64_MAX, &u) != 0)
      return fail(err, errlen,
                  "%s '%s': expected a whole number from 0 to "
                  "18446744073709551615",
                  shown, v);
    cli->seed = u;
    cli->seeded = 1;
    return 0;
  case O_RETRY_ON:
  case O_STOP_ON: {
    backoff_cli_codes_t set, *into;
    size_t i;
    if (backoff_cli_parse_codes(v, &set) != 0)
      return fail(err, errlen,
                  "%s '%s': expected exit codes 0-255 and ranges, e.g. "
                  "1,75,100-110",
                  shown, v);
    /* Repeating the option adds to the set. */
    into = o->id == O_RETRY_ON ? &cli->retry_on : &cli->stop_on;
    for (i = 0; i < sizeof(set.bits); i++)
      into->bits[i] |= set.bits[i];
    if (o->id == O_RETRY_ON)
      cli->have_retry_on = 1;
    else
      cli->have_stop_on = 1;
    return 0;
  }
  case O_QUIET:
  case O_VERBOSE: {
    const int want = o->id == O_QUIET ? -1 : 1;
    if (cli->verbosity == -want)
      return fail(err, errlen, "--quiet and --verbose exclude each other");
    cli->verbosity = want;
    return 0;
  }
  case O_SCHEDULE:
  case O_LIST: {
    const backoff_cli_mode_t want =
        o->id == O_SCHEDULE ? BACKOFF_CLI_SCHEDULE : BACKOFF_CLI_LIST;
    if (cli->mode != BACKOFF_CLI_RUN && cli->mode != want)
      return fail(err, errlen,
                  "--schedule and --list-strategies exclude each other");
    cli->mode = want;
    return 0;
  }
  case O_FORMAT:
    if (strcmp(v, "table") == 0)
      cli->format = BACKOFF_CLI_TABLE;
    else if (strcmp(v, "tsv") == 0)
      cli->format = BACKOFF_CLI_TSV;
    else
      return fail(err, errlen, "%s '%s': expected table or tsv", shown, v);
    return 0;
  case O_HELP:
    cli->mode = BACKOFF_CLI_HELP;
    return 1;
  case O_VERSION:
    cli->mode = BACKOFF_CLI_VERSION;
    return 1;
  }
  return fail(err, errlen, "internal error: option %s", shown);
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

int backoff_cli_parse_args(int argc, char **argv, backoff_cli_t *cli,
                           char *err, size_t errlen) {
  int i, rc, format_given = 0;

  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (cli == NULL)
    return fail(err, errlen, "internal error: no result struct");
  memset(cli, 0, sizeof(*cli));
  cli->kill_after = BACKOFF_CLI_KILL_AFTER;
  if (argv == NULL || argc < 1)
    return fail(err, errlen, "no arguments");

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a == NULL)
      break;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0')
      break; /* the command starts here */
    if (a[1] == '-') {
      const char *name = a + 2, *eq = strchr(name, '=');
      const size_t len = eq ? (size_t)(eq - name) : strlen(name);
      const struct option_s *o = find_long(name, len);
      const char *value = NULL;
      char shown[40];

      if (o == NULL)
        return fail(err, errlen, "unknown option '%.*s'",
                    (int)(len + 2 > 64 ? 64 : len + 2), a);
      snprintf(shown, sizeof(shown), "--%s", o->name);
      if (o->takes_value) {
        if (eq != NULL)
          value = eq + 1;
        else if (i + 1 < argc && argv[i + 1] != NULL)
          value = argv[++i];
        else
          return fail(err, errlen, "option %s needs a value", shown);
      } else if (eq != NULL) {
        return fail(err, errlen, "option %s takes no value", shown);
      }
      if (o->id == O_FORMAT)
        format_given = 1;
      if ((rc = apply(cli, o, shown, value, err, errlen)) != 0)
        return rc;
      continue;
    }
    /* A cluster of short options: -qv, -n5, -n 5. */
    for (const char *p = a + 1; *p != '\0'; p++) {
      const struct option_s *o = find_short(*p);
      const char *value = NULL;
      char shown[3] = {'-', *p, '\0'};

      if (o == NULL)
        return fail(err, errlen, "unknown option '-%c'",
                    *p >= 0x20 && *p < 0x7f ? *p : '?');
      if (o->takes_value) {
        if (p[1] != '\0')
          value = p + 1;
        else if (i + 1 < argc && argv[i + 1] != NULL)
          value = argv[++i];
        else
          return fail(err, errlen, "option %s needs a value", shown);
      }
      if ((rc = apply(cli, o, shown, value, err, errlen)) != 0)
        return rc;
      if (value != NULL)
        break;
    }
  }

  if (i < argc && argv[i] != NULL) {
    cli->command = argv + i;
    cli->command_argc = argc - i;
  }
  if (format_given && cli->mode != BACKOFF_CLI_SCHEDULE)
    return fail(err, errlen, "--format applies only with --schedule");
  if (cli->mode == BACKOFF_CLI_RUN && cli->command == NULL)
    return fail(err, errlen, "missing command (backoff [OPTIONS] -- COMMAND "
                             "[ARG...])");
  if (cli->mode == BACKOFF_CLI_LIST && cli->command != NULL)
    return fail(err, errlen, "--list-strategies takes no command");
  return 0;
}
