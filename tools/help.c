/* SPDX-License-Identifier: MIT */
/* backoff --help. The lines of the core settings (--max-tries, --jitter,
 * ...) are printed from the library's settings table, so that their
 * names, placeholders, descriptions and defaults cannot drift from what
 * the parser accepts; the command's own options are written out here.
 * tests/cli/manpage.sh checks that doc/backoff.1 names the same options. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../lib/seam/backoff_seam.h"
#include "budget_cli.h"
#include "cli.h"

static const char head[] =
    "NAME\n"
    "    backoff - run a command, and while it fails, retry it with backoff\n"
    "\n"
    "SYNOPSIS\n"
    "    backoff [OPTIONS] [--] COMMAND [ARG...]\n"
    "    backoff [OPTIONS] --schedule [--format table|tsv]\n"
    "    backoff --list-strategies | --help | --version\n"
    "\n"
    "DESCRIPTION\n"
    "    Runs COMMAND. While it exits with a retryable non-zero status,\n"
    "    waits as the strategy says and runs it again, until it succeeds,\n"
    "    the tries or the time budget run out, or backoff is told to stop.\n"
    "    COMMAND is looked up in PATH (a script without #! runs with\n"
    "    /bin/sh) and runs in a process group of its own; every attempt\n"
    "    reads the same stdin (see --stdin). Options end at '--' or at the\n"
    "    first argument that is not an option. Delays come from\n"
    "    libbackoff: base delay -> jitter -> scale -> minimum -> cap.\n"
    "\n"
    "    DURATION is a decimal number of seconds with an optional unit:\n"
    "    250ms, 1.5s, 2m, 1h, 500us, or plain 3. CODES is a list of exit\n"
    "    statuses 0-255 and ranges: 1,75,100-110. SIZE is bytes with an\n"
    "    optional k, M, G or T (powers of 1024). ERE is a POSIX extended\n"
    "    regular expression.\n"
    "\n"
    "STRATEGY\n"
    "    -s, --strategy NAME|PATH\n"
    "        exponential (default), fibonacci, linear, polynomial, fixed,\n"
    "        decorrelated, any strategy_NAME plugin on the search path, or\n"
    "        a plugin file given by a path containing '/'.\n"
    "    -p, --param NAME=VALUE\n"
    "        a strategy parameter, e.g. exponent=3 or sequence=1,2,5;\n"
    "        repeatable. --list-strategies shows what each one accepts.\n";

static const char stop_head[] = "\nWHEN TO STOP\n";

static const char middle[] =
    "    -r, --retry-on CODES\n"
    "        retry only these exit statuses (default: every non-zero one).\n"
    "    -x, --stop-on CODES\n"
    "        never retry these exit statuses (wins over --retry-on).\n"
    "        Both repeat (the lists add up). For them, an attempt killed by\n"
    "        signal N counts as status 128+N and a timed-out attempt as 124\n"
    "        (137 if it needed SIGKILL), as the shell and timeout(1) say.\n"
    "    --retry-if-output ERE\n"
    "        retry a failed attempt only if a line of its output matched.\n"
    "    --stop-if-output ERE\n"
    "        never retry a failed attempt a line of whose output matched.\n"
    "    --fail-if-output ERE\n"
    "        an exit 0 a line of whose output matched is a failure (1).\n"
    "        With these three, COMMAND's stdout and stderr go through a\n"
    "        pipe (not a terminal) and are matched line by line as they\n"
    "        stream through.\n"
    "    --budget SPEC\n"
    "        a retry budget shared with every process using SPEC:\n"
    "        shm:NAME (this host) or "
    "redis://[[user]:password@]host[:port]/KEY\n"
    "        (a fleet). A retry the budget refuses stops the run.\n"
    "    --budget-param NAME=VALUE\n";

static const char middle_run[] =
    "\n"
    "RUNNING THE COMMAND\n"
    "    -t, --timeout DURATION\n"
    "        limit on each attempt: its process group is sent --signal,\n"
    "        then SIGKILL if any of it is still running --kill-after\n"
    "        later; the next attempt starts once the group is gone. The\n"
    "        attempt fails with status 124, or 137 if SIGKILL was needed.\n"
    "    -k, --kill-after DURATION\n"
    "        grace period before that SIGKILL (default 2s; 0 sends it at\n"
    "        once).\n"
    "    --signal SIG\n"
    "        the signal --timeout sends first: a name (TERM, SIGINT, ...)\n"
    "        or a number (default TERM), as timeout -s.\n"
    "    --foreground\n"
    "        run COMMAND in backoff's own process group, so that it can\n"
    "        use the terminal; then --timeout and forwarded signals reach\n"
    "        only COMMAND's own process, not its children. Without it, an\n"
    "        attempt that reads the terminal is stopped (SIGTTIN), killed,\n"
    "        and not retried.\n"
    "    --stdin keep|pass|null\n"
    "        keep (default): every attempt reads the same input. A file is\n"
    "        rewound to where it stood; a pipe or socket is copied as\n"
    "        COMMAND reads it (memory, then an unlinked file in $TMPDIR)\n"
    "        and the copy replayed to a retry. A terminal is passed as it\n"
    "        is. pass: COMMAND gets backoff's stdin as it is left (a retry\n"
    "        reads on from where the last attempt stopped). null:\n"
    "        /dev/null.\n"
    "    --stdin-limit SIZE\n"
    "        most input (and --hold-output output) kept for retries\n"
    "        (default 64M). Past it the attempt still gets all of it, but\n"
    "        no retry is made; one line says so.\n"
    "    --hold-output\n"
    "        hold each attempt's stdout and write only the last attempt's,\n"
    "        so a pipeline never sees half an answer. Without it and\n"
    "        without the --*-if-output options, output is not touched.\n"
    "\n"
    "OUTPUT\n"
    "    -q, --quiet\n"
    "        print nothing but errors.\n"
    "    -v, --verbose\n"
    "        also print the settings, successes and why retrying stopped.\n"
    "    --report FILE\n"
    "        when backoff ends, write one JSON object to FILE: each attempt\n"
    "        (start offset, duration, status, exit status or signal, timed\n"
    "        out), each delay, why retrying stopped, totals. FILE is\n"
    "        created first: a path that cannot be is bad usage.\n"
    "    By default each failed attempt prints one line on stderr:\n"
    "        backoff: attempt 2/5 failed (exit 1); retrying in 2.31s "
    "[exponential]\n";

static const char tail[] =
    "\n"
    "OTHER MODES\n"
    "    --schedule\n"
    "        print the delays these options produce and run nothing (a\n"
    "        COMMAND, if given, is ignored): a table with a bar chart and\n"
    "        cumulative time, showing where --max-delay cuts it, taking\n"
    "        each attempt as instant. With --seed it shows exactly the\n"
    "        delays a run with the same options and seed waits.\n"
    "    --format table|tsv\n"
    "        with --schedule: tsv prints the header line retry, delay,\n"
    "        total (tab-separated; seconds) and one line per retry.\n"
    "    --budget-status SPEC\n"
    "        print the shared budget's kind, settings and tokens.\n"
    "    -l, --list-strategies\n"
    "        list every strategy on the search path: name, file,\n"
    "        description and parameters.\n"
    "    -h, --help\n"
    "        print this help.\n"
    "    -V, --version\n"
    "        print the version of backoff and libbackoff.\n"
    "\n"
    "SIGNALS\n"
    "    SIGINT, SIGTERM, SIGHUP and SIGQUIT received by backoff are sent\n"
    "    once to the running attempt's process group and stop further\n"
    "    retries (what is left of the group after its first process ended\n"
    "    gets SIGKILL after --kill-after); a wait between attempts ends at\n"
    "    once, and a signal that arrives while the next attempt is being\n"
    "    started reaches it. One that was ignored when backoff started\n"
    "    stays ignored (nohup). If backoff itself is killed, the attempt's\n"
    "    group gets SIGKILL. COMMAND starts with the signal mask and\n"
    "    ignored signals backoff was started with. A closed or broken\n"
    "    stderr never stops backoff.\n"
    "\n"
    "EXIT STATUS\n"
    "    0        COMMAND succeeded (on some attempt)\n"
    "    N        COMMAND's exit status on its last attempt\n"
    "    2        bad usage or configuration (unknown option, bad value,\n"
    "             unknown strategy or parameter, bad BACKOFF_DEFAULT_*,\n"
    "             a --report file that cannot be created); one line on\n"
    "             stderr, COMMAND not run\n"
    "    124      the last attempt was stopped by --timeout\n"
    "    125      backoff itself failed while running\n"
    "    126      COMMAND was found but could not be run (not retried)\n"
    "    127      COMMAND was not found (not retried)\n"
    "    128+N    the last attempt was killed by signal N (137: --timeout\n"
    "             needed SIGKILL), or backoff was stopped by signal N\n"
    "             between attempts (it then ends by that signal)\n"
    "\n"
    "ENVIRONMENT\n"
    "    BACKOFF_DEFAULT_TRIES, BACKOFF_DEFAULT_DELAY\n"
    "        defaults for --max-tries and --max-delay (seconds).\n"
    "    BACKOFF_PLUGIN_PATH\n"
    "        colon-separated absolute directories searched for\n"
    "        strategy_NAME plugins before the installed ones.\n"
    "    TMPDIR\n"
    "        where copies of stdin and held output spill (default /tmp).\n"
    "\n"
    "EXAMPLES\n"
    "    backoff -n 5 -- curl -fsS https://example.org/\n"
    "    backoff -s fibonacci --max-delay 2m --retry-on 75 -- make upload\n"
    "    backoff -s fixed -p sequence=1,5,30 --timeout 10s -- ./probe\n"
    "    backoff --hold-output -n 4 -- curl -fsS https://example.org/ | jq .\n"
    "    backoff -s polynomial -p exponent=2 -n 8 --seed 1 --schedule\n";

/* Words of text, wrapped to 72 columns and indented by 8. */
static void wrapped(FILE *out, const char *text) {
  const char *p = text;
  size_t col = 0;

  while (*p != '\0') {
    size_t n = strcspn(p, " ");
    if (col > 0 && col + 1 + n > 72) {
      fputc('\n', out);
      col = 0;
    }
    fputs(col == 0 ? "        " : " ", out);
    fwrite(p, 1, n, out);
    col += (col == 0 ? 8 : 1) + n;
    p += n;
    p += strspn(p, " ");
  }
  fputc('\n', out);
}

static void settings(FILE *out, size_t from, size_t to) {
  size_t i;
  for (i = from; i < to; i++) {
    const backoff__setting_t *st = &backoff__settings[i];
    char text[512];

    if (st->sflag != 0)
      fprintf(out, "    -%c, --%s %s\n", st->sflag, st->lflag, st->metavar);
    else
      fprintf(out, "    --%s %s\n", st->lflag, st->metavar);
    snprintf(text, sizeof(text), "%s (default: %s).", st->help, st->zero);
    wrapped(out, text);
  }
}

/* --budget-param's settings, from budget_cli.h's list. */
static void budget_params(FILE *out) {
#define FIELD(name, type) " " #name ","
#define SPECIAL(name, type, expect) " " #name " (" expect "),"
  static const char names[] = BACKOFF_CLI_BUDGET_PARAMS(FIELD, SPECIAL);
#undef FIELD
#undef SPECIAL
  char text[512];

  /* names ends with a comma: its last one closes the sentence instead */
  snprintf(text, sizeof(text),
           "a budget setting, repeatable:%.*s (see backoff_budget_open(3)).",
           (int)sizeof(names) - 2, names);
  wrapped(out, text);
}

void backoff_cli_help(FILE *out) {
  fputs(head, out);
  settings(out, 0, BACKOFF__SET_PIPELINE_COUNT);
  fputs(stop_head, out);
  settings(out, BACKOFF__SET_PIPELINE_COUNT, BACKOFF__SET_COUNT);
  fputs(middle, out);
  budget_params(out);
  fputs(middle_run, out);
  fputs(tail, out);
}
