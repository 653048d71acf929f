/* SPDX-License-Identifier: MIT */
/* The backoff command's pieces between parsing (cli_parse.h) and process
 * handling (child.h): options for the library, the schedule preview and
 * the strategy listing. */
#ifndef BACKOFF_CLI_H
#define BACKOFF_CLI_H

#include <stdio.h>

#include "backoff.h"
#include "cli_parse.h"

/* The library options a command line stands for, with the storage they
 * point into. */
typedef struct {
  backoff_options_t o;
  char *params; /* the --param values joined with ',' (malloc), or NULL */
  int retry_on[256], stop_on[256];
} backoff_cli_options_t;

/* backoff_cli_options: fill *out from cli. Unset values stay 0 so the
 * library applies its defaults (BACKOFF_DEFAULT_TRIES, ...). Returns 0, or
 * -1 when out of memory. */
int backoff_cli_options(const backoff_cli_t *cli, backoff_cli_options_t *out);
void backoff_cli_options_free(backoff_cli_options_t *out);

/* backoff_cli_schedule: print the delays of cli's options (--schedule) as
 * a table or TSV. It drives a real backoff_schedule_t with a fake clock
 * that advances by each delay, so max-tries and max-delay cut the preview
 * exactly where the library would. Returns 0, or a negative BACKOFF_E*
 * code: a build error (bad options) when *build_error is set to 1, a
 * failure while computing delays otherwise. */
int backoff_cli_schedule(const backoff_cli_t *cli, FILE *out,
                         int *build_error);

/* backoff_cli_list: print every strategy on the search path with its file,
 * description and parameters. Returns 0, or 1 when none was found or one
 * could not be loaded (after listing the others). */
int backoff_cli_list(FILE *out);

/* backoff_cli_help: print --help (the core settings' lines from the
 * library's settings table). */
void backoff_cli_help(FILE *out);

/* backoff_cli_seconds: "2.31s", or "5ms" under 10 ms, into buf. */
const char *backoff_cli_seconds(double s, char *buf, size_t size);

#endif /* BACKOFF_CLI_H */
