/* SPDX-License-Identifier: MIT */
/* The backoff command's argument parsing: pure functions, no I/O, no
 * exit(), no global state, so tests and fuzzers can call them any number of
 * times. Errors come back as -1 with a one-line message in the caller's
 * buffer. Internal to the program (not part of libbackoff). */
#ifndef BACKOFF_CLI_PARSE_H
#define BACKOFF_CLI_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "backoff.h"

/* backoff_cli_parse_duration: "250ms", "1.5s", "2m", "1h" or plain seconds
 * ("3", "0.25") into seconds. Decimal only; units us, ms, s, m, h. Rejects
 * empty strings, signs, NaN, infinities, hex, whitespace, unknown or
 * trailing suffixes, and anything above BACKOFF_DELAY_MAX (1e9 s).
 * Returns 0, or -1 with *seconds = 0. */
int backoff_cli_parse_duration(const char *s, double *seconds);

/* A set of exit codes 0..255: bit c of bits[c / 8] is (c % 8). */
typedef struct {
  unsigned char bits[32];
} backoff_cli_codes_t;

/* backoff_cli_parse_codes: "1,75,100-110" into *set (cleared first): a
 * comma-separated list of codes and inclusive ranges lo-hi (lo <= hi), each
 * 0..255, decimal digits only. Empty items, spaces and junk are refused.
 * Returns 0, or -1 (the set is then empty). */
int backoff_cli_parse_codes(const char *s, backoff_cli_codes_t *set);

/* backoff_cli_codes_has: 1 when code (any int) is in the set. */
int backoff_cli_codes_has(const backoff_cli_codes_t *set, int code);

/* backoff_cli_codes_list: write the set's codes in ascending order to
 * out[0..] (room for 256) and return how many. */
size_t backoff_cli_codes_list(const backoff_cli_codes_t *set, int *out);

#define BACKOFF_CLI_PARAMS_MAX 32  /* --param options */
#define BACKOFF_CLI_KILL_AFTER 2.0 /* default grace before SIGKILL, s */
#define BACKOFF_CLI_STDIN_LIMIT ((uint64_t)64 << 20) /* --stdin-limit */

/* backoff_cli_parse_signal: "TERM", "SIGTERM", "term" or "15" into *sig.
 * STOP, TSTP, TTIN and TTOU are refused (a stopped group never ends), as
 * are 0 and numbers above SIGRTMAX. Returns 0, or -1 with *sig = 0. */
int backoff_cli_parse_signal(const char *s, int *sig);

/* backoff_cli_signal_name: "SIGTERM" for 15, NULL for an unnamed one. */
const char *backoff_cli_signal_name(int sig);

/* backoff_cli_parse_size: "1048576", "64k", "64M", "1G", "2T" (powers of
 * 1024, k or K, m or M...) into *bytes. Returns 0, or -1 with *bytes = 0. */
int backoff_cli_parse_size(const char *s, uint64_t *bytes);

/* What each attempt gets as stdin (--stdin). */
typedef enum {
  BACKOFF_CLI_STDIN_KEEP = 0, /* the same input for every attempt */
  BACKOFF_CLI_STDIN_PASS,     /* backoff's stdin, as it is left */
  BACKOFF_CLI_STDIN_NULL      /* /dev/null */
} backoff_cli_stdin_t;

typedef enum {
  BACKOFF_CLI_RUN = 0,      /* run COMMAND with retries */
  BACKOFF_CLI_SCHEDULE,     /* --schedule */
  BACKOFF_CLI_LIST,         /* --list-strategies */
  BACKOFF_CLI_HELP,         /* --help */
  BACKOFF_CLI_VERSION,      /* --version */
  BACKOFF_CLI_BUDGET_STATUS /* --budget-status SPEC */
} backoff_cli_mode_t;

typedef enum { BACKOFF_CLI_TABLE = 0, BACKOFF_CLI_TSV } backoff_cli_format_t;

/* Every parsed option. A zero field means "not given": the library's
 * defaults (and BACKOFF_DEFAULT_TRIES / BACKOFF_DEFAULT_DELAY) apply. */
typedef struct backoff_cli_s {
  backoff_cli_mode_t mode;
  backoff_cli_format_t format;
  const char *strategy;                       /* NULL: exponential */
  const char *params[BACKOFF_CLI_PARAMS_MAX]; /* "name=value", in order */
  size_t nparams;
  backoff_options_t core; /* the core settings given (the settings
                             table's fields; BACKOFF_SEEDED with --seed) */
  int have_retry_on, have_stop_on;
  backoff_cli_codes_t retry_on, stop_on;
  double timeout;                 /* 0: none */
  double kill_after;              /* grace before SIGKILL */
  int term_signal;                /* --signal (SIGTERM) */
  int foreground;                 /* --foreground */
  backoff_cli_stdin_t stdin_mode; /* --stdin */
  uint64_t stdin_limit;           /* --stdin-limit, bytes */
  int hold_output;                /* --hold-output */
  const char *retry_if_output;    /* EREs, or NULL */
  const char *stop_if_output;
  const char *fail_if_output;
  const char *report; /* --report FILE, or NULL */
  const char *budget; /* --budget SPEC, or NULL */
  const char *budget_params[BACKOFF_CLI_PARAMS_MAX]; /* "name=value" */
  size_t nbudget_params;
  int format_given;
  int verbosity;  /* -1 quiet, 0, 1 verbose */
  char **command; /* NULL-terminated, or NULL */
  int command_argc;
} backoff_cli_t;

/* backoff_cli_parse_args: parse argv[1..argc-1] into *cli (cleared first).
 * argv[argc] must be NULL, as main()'s is: the command is passed on as is.
 * Options end at "--" or at the first argument that is not an option; the
 * rest is the command (cli->command points into argv).
 * Returns 0 when there is something to do, 1 for --help / --version
 * (cli->mode says which; nothing is an error), -1 for bad usage with a
 * one-line message (no "backoff: " prefix, no newline) in err. */
int backoff_cli_parse_args(int argc, char **argv, backoff_cli_t *cli,
                           char *err, size_t errlen);

/* backoff_cli_option_names: every long option's name into names[i] and
 * its short form (or 0) into shorts[i]; returns how many (room for 64). */
size_t backoff_cli_option_names(const char **names, char *shorts);

#endif /* BACKOFF_CLI_PARSE_H */
