/* SPDX-License-Identifier: MIT */
/* --report FILE: one JSON object describing the whole run, written when
 * backoff ends: every attempt (start offset from the first start,
 * duration, exit status or signal, timed out), every delay, why retrying
 * stopped, the exit status and totals. Encoded with jansson; a build
 * without it refuses --report. */
#ifndef BACKOFF_CLI_REPORT_H
#define BACKOFF_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "child.h"

typedef struct backoff_cli_report_s backoff_cli_report_t;

/* backoff_cli_report_open: create (truncate) path now, so that a path
 * that cannot be written is bad usage before anything runs. Returns 0,
 * or -1 with a one-line message in err. */
int backoff_cli_report_open(backoff_cli_report_t **out, const char *path,
                            char *const argv[], char *err, size_t errlen);

/* One attempt: the child's result and the status the schedule got. All
 * calls accept a NULL report and do nothing. */
void backoff_cli_report_attempt(backoff_cli_report_t *r,
                                const backoff_child_result_t *res, int rc,
                                uint64_t t0);
void backoff_cli_report_delay(backoff_cli_report_t *r, double delay);

/* backoff_cli_report_finish: write the object and close the file.
 * stop: backoff_stop_name(); stop_signal: 0 or the signal that stopped
 * backoff. Returns 0, or -1 with a message in err (the run's exit status
 * does not change). Frees r. */
int backoff_cli_report_finish(backoff_cli_report_t *r, const char *stop,
                              int stop_signal, const char *refused, int status,
                              uint64_t t0, char *err, size_t errlen);

#endif /* BACKOFF_CLI_REPORT_H */
