/* SPDX-License-Identifier: MIT */
/* The backoff command's --budget, --budget-param and --budget-status. */
#ifndef BACKOFF_BUDGET_CLI_H
#define BACKOFF_BUDGET_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "backoff.h"
#include "cli_parse.h"

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
