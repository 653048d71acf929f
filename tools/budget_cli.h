/* SPDX-License-Identifier: MIT */
/* The backoff command's --budget, --budget-param and --budget-status. */
#ifndef BACKOFF_BUDGET_CLI_H
#define BACKOFF_BUDGET_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "backoff.h"
#include "cli_parse.h"

/* The settings --budget-param takes, in --help's order: FIELD ones are
 * backoff_budget_options_t fields ('u' unsigned, 'd' double), SPECIAL ones
 * are read by a function of their own. The parser, its messages and
 * --help all derive from this one list. */
#define BACKOFF_CLI_BUDGET_PARAMS(FIELD, SPECIAL)                             \
  SPECIAL(kind, 'k', "token-bucket or ratio")                                 \
  FIELD(capacity, 'u')                                                        \
  FIELD(retry_cost, 'u')                                                      \
  FIELD(timeout_cost, 'u')                                                    \
  FIELD(success_refund, 'u')                                                  \
  SPECIAL(timeout_codes, 'c', "exit codes, e.g. 124,137")                     \
  FIELD(max_tokens, 'd')                                                      \
  FIELD(token_ratio, 'd')                                                     \
  SPECIAL(group, 'g', "0 or 1")                                               \
  FIELD(timeout_ms, 'u')                                                      \
  FIELD(flush_ms, 'u')                                                        \
  FIELD(lease, 'u')

/* backoff_cli_budget_options: *o from the --budget-param values. 0, or -1
 * with a one-line message in err (an unknown name, a bad value). */
int backoff_cli_budget_options(const backoff_cli_t *cli,
                               backoff_budget_options_t *o, char *err,
                               size_t errlen);

/* backoff_cli_budget_open: open --budget (none given: *out NULL, 0); it
 * stays open until exit. 0, or a non-zero code with a message in err. */
int backoff_cli_budget_open(const backoff_cli_t *cli, backoff_budget_t **out,
                            char *err, size_t errlen);

/* backoff_cli_budget_status: print --budget-status's budget: kind,
 * settings, tokens. 0, or non-zero with a message in err. */
int backoff_cli_budget_status(const backoff_cli_t *cli, FILE *out, char *err,
                              size_t errlen);

#endif /* BACKOFF_BUDGET_CLI_H */
