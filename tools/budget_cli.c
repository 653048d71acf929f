/* SPDX-License-Identifier: MIT */
/* The backoff command's shared retry budget: --budget SPEC with
 * --budget-param NAME=VALUE (the fields of backoff_budget_options_t), and
 * --budget-status SPEC. The budget stays open until the command exits:
 * closing a Redis budget sends this process's uncounted successes and
 * gives its lease back, so it is closed by an atexit handler. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/seam/backoff_seam.h"
#include "budget_cli.h"

static backoff_budget_t *open_budget;
static int timeout_codes[256];

static void close_budget(void) {
  backoff_budget_free(open_budget);
  open_budget = NULL;
}

/* The seam's strict grammar, as every other number backoff reads: whole
 * decimal strings, no hex, no silent underflow to 0. */
static int whole(const char *s, unsigned int *out) {
  unsigned long long v;
  if (backoff__parse_uint(s, strlen(s), UINT_MAX, &v) != 0)
    return -1;
  *out = (unsigned int)v;
  return 0;
}

static int real(const char *s, double *out) {
  return backoff__parse_double(s, strlen(s), out) == 0 && *out >= 0 ? 0 : -1;
}

static int set_kind(backoff_budget_options_t *o, const char *v) {
  if (strcmp(v, "token-bucket") == 0)
    o->kind = BACKOFF_BUDGET_TOKEN_BUCKET;
  else if (strcmp(v, "ratio") == 0)
    o->kind = BACKOFF_BUDGET_RATIO;
  else
    return -1;
  return 0;
}

static int set_codes(backoff_budget_options_t *o, const char *v) {
  backoff_cli_codes_t set;
  if (backoff_cli_parse_codes(v, &set) != 0)
    return -1;
  o->timeout_codes_count = backoff_cli_codes_list(&set, timeout_codes);
  o->timeout_codes = timeout_codes;
  return 0;
}

static int set_flag(backoff_budget_options_t *o, const char *v,
                    unsigned int flag) {
  unsigned int on;
  if (whole(v, &on) != 0 || on > 1)
    return -1;
  o->flags = on ? o->flags | flag : o->flags & ~flag;
  return 0;
}

#define FIELD(field, type)                                                    \
  {#field, offsetof(backoff_budget_options_t, field), type,                   \
   type == 'u' ? "a whole number" : "a number"},
#define SPECIAL(name, type, expect) {#name, 0, type, expect},
static const struct {
  const char *name;
  size_t offset;
  char type;
  const char *expect;
} params[] = {BACKOFF_CLI_BUDGET_PARAMS(FIELD, SPECIAL)};
#undef FIELD
#undef SPECIAL
#define NPARAMS (sizeof(params) / sizeof(params[0]))

static int set_param(backoff_budget_options_t *o, const char *item, char *err,
                     size_t errlen) {
  const char *eq = strchr(item, '=');
  const char *v = eq + 1;
  size_t i, n = (size_t)(eq - item);
  int bad = -1;

  for (i = 0; i < NPARAMS; i++) {
    void *field = (char *)o + params[i].offset;
    if (strlen(params[i].name) != n || memcmp(params[i].name, item, n) != 0)
      continue;
    switch (params[i].type) {
    case 'u':
      bad = whole(v, field);
      break;
    case 'd':
      bad = real(v, field);
      break;
    case 'k':
      bad = set_kind(o, v);
      break;
    case 'c':
      bad = set_codes(o, v);
      break;
    default:
      bad = set_flag(o, v, BACKOFF_BUDGET_GROUP);
      break;
    }
    if (bad != 0)
      snprintf(err, errlen, "--budget-param '%s': expected %s", item,
               params[i].expect);
    return bad;
  }
  {
    int used = snprintf(err, errlen,
                        "--budget-param '%s': unknown budget parameter "
                        "'%.*s' (known:",
                        item, (int)n, item);
    for (i = 0; i < NPARAMS && used >= 0 && (size_t)used < errlen; i++)
      used += snprintf(err + used, errlen - (size_t)used, "%s %s",
                       i ? "," : "", params[i].name);
    if (used >= 0 && (size_t)used < errlen)
      snprintf(err + used, errlen - (size_t)used, ")");
  }
  return -1;
}

int backoff_cli_budget_options(const backoff_cli_t *cli,
                               backoff_budget_options_t *o, char *err,
                               size_t errlen) {
  size_t i;

  memset(o, 0, sizeof(*o));
  if (cli->nbudget_params > 0 && cli->budget == NULL) {
    snprintf(err, errlen, "--budget-param needs --budget SPEC");
    return -1;
  }
  for (i = 0; i < cli->nbudget_params; i++)
    if (set_param(o, cli->budget_params[i], err, errlen) != 0)
      return -1;
  return 0;
}

int backoff_cli_budget_open(const backoff_cli_t *cli, backoff_budget_t **out,
                            char *err, size_t errlen) {
  backoff_budget_options_t o;
  int rc;

  *out = NULL;
  if (backoff_cli_budget_options(cli, &o, err, errlen) != 0)
    return -1;
  if (cli->budget == NULL)
    return 0;
  if ((rc = backoff_budget_open(&open_budget, cli->budget, &o)) != 0) {
    snprintf(err, errlen, "--budget: %s", backoff_last_error());
    return rc;
  }
  atexit(close_budget);
  *out = open_budget;
  return 0;
}

/* The spec without its user information: a password is never printed. */
static void print_spec(FILE *out, const char *spec) {
  const char *auth = strstr(spec, "://"), *at;

  if (auth == NULL) {
    fprintf(out, "budget: %s\n", spec);
    return;
  }
  auth += 3;
  /* As the URL parser reads it: the last '@' ends the user information
   * (a password may hold a '/'). */
  at = strrchr(auth, '@');
  fprintf(out, "budget: %.*s%s\n", (int)(auth - spec), spec,
          at != NULL ? at + 1 : auth);
}

int backoff_cli_budget_status(const backoff_cli_t *cli, FILE *out, char *err,
                              size_t errlen) {
  backoff_budget_options_t o;
  backoff_budget_t *b = NULL;
  int rc;

  if (backoff_cli_budget_options(cli, &o, err, errlen) != 0)
    return -1;
  o.flags |= BACKOFF_BUDGET_ATTACH;
  if ((rc = backoff_budget_open(&b, cli->budget, &o)) != 0) {
    snprintf(err, errlen, "--budget-status: %s", backoff_last_error());
    return rc;
  }
  backoff_budget_settings(b, &o);
  print_spec(out, cli->budget);
  if (o.kind == BACKOFF_BUDGET_RATIO)
    fprintf(out, "kind: ratio\nmax_tokens: %.3f\ntoken_ratio: %.3f\n",
            o.max_tokens, o.token_ratio);
  else
    fprintf(out,
            "kind: token-bucket\ncapacity: %u\nretry_cost: %u\n"
            "timeout_cost: %u\nsuccess_refund: %u\n",
            o.capacity, o.retry_cost, o.timeout_cost, o.success_refund);
  fprintf(out, "tokens: %.3f\n", backoff_budget_tokens(b));
  backoff_budget_free(b);
  return 0;
}
