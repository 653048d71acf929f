/* SPDX-License-Identifier: MIT */
/* backoff: run a command, and while it fails, retry it with backoff.
 *
 * The retry rules are the library's: this file feeds each attempt's status
 * to a backoff_schedule_t and waits with backoff_sleep() on a cancel token
 * that the signal handlers trigger. Parsing lives in cli_parse.c, process
 * handling in child.c, the previews in preview.c. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "backoff.h"
#include "child.h"
#include "cli.h"
#include "cli_parse.h"

/* Exit statuses of backoff itself (the command's own pass through). */
enum {
  EXIT_USAGE = 2,      /* bad usage or configuration; nothing was run */
  EXIT_TIMEDOUT = 124, /* the last attempt hit --timeout (as timeout(1)) */
  EXIT_INTERNAL = 125, /* backoff itself failed while running */
  EXIT_NOEXEC = 126,   /* the command was found but could not be run */
  EXIT_NOTFOUND = 127  /* the command was not found */
};

static const char help_text[] =
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
    "    COMMAND is looked up in PATH and inherits stdin, stdout, stderr\n"
    "    and the environment untouched. Options end at '--' or at the\n"
    "    first argument that is not an option. Delays come from\n"
    "    libbackoff: base delay -> jitter -> scale -> minimum -> cap.\n"
    "\n"
    "    DURATION is a decimal number of seconds with an optional unit:\n"
    "    250ms, 1.5s, 2m, 1h, 500us, or plain 3. CODES is a list of exit\n"
    "    statuses 0-255 and ranges: 1,75,100-110.\n"
    "\n"
    "STRATEGY\n"
    "    -s, --strategy NAME|PATH\n"
    "        exponential (default), fibonacci, linear, polynomial, fixed,\n"
    "        any strategy_NAME plugin on the search path, or a plugin file\n"
    "        given by a path containing '/'.\n"
    "    -p, --param NAME=VALUE\n"
    "        a strategy parameter, e.g. exponent=3 or sequence=1,2,5;\n"
    "        repeatable. --list-strategies shows what each one accepts.\n"
    "    --scale-factor X\n"
    "        multiply every delay by X > 0 (default 1).\n"
    "    --minimum DURATION\n"
    "        never wait less than this between attempts (default 0).\n"
    "    --cap DURATION\n"
    "        never wait more than this between attempts (default: no cap).\n"
    "    -j, --jitter none|additive|full|equal|proportional\n"
    "        randomness added to each delay (default additive: + U[0,1) s).\n"
    "    --jitter-factor F\n"
    "        spread of proportional jitter, 0 < F <= 1 (default 0.5).\n"
    "    --seed N\n"
    "        seed the jitter, so that delays (and --schedule) repeat.\n"
    "\n"
    "WHEN TO STOP\n"
    "    -n, --max-tries N\n"
    "        run COMMAND at most N times, N >= 1 (default\n"
    "        $BACKOFF_DEFAULT_TRIES, else 3).\n"
    "    -d, --max-delay DURATION|none\n"
    "        total time budget from the first start: no attempt starts and\n"
    "        no wait begins that would end after it (default\n"
    "        $BACKOFF_DEFAULT_DELAY, else none).\n"
    "    -r, --retry-on CODES\n"
    "        retry only these exit statuses (default: every non-zero one).\n"
    "    -x, --stop-on CODES\n"
    "        never retry these exit statuses (wins over --retry-on).\n"
    "        Both repeat (the lists add up). For them, an attempt killed by\n"
    "        signal N counts as status 128+N and a timed-out attempt as 124,\n"
    "        as the shell and timeout(1) report them.\n"
    "    -t, --timeout DURATION\n"
    "        limit on each attempt: COMMAND is sent SIGTERM, then SIGKILL\n"
    "        if it is still running --kill-after later. The attempt counts\n"
    "        as failed with status 124.\n"
    "    -k, --kill-after DURATION\n"
    "        grace period between that SIGTERM and SIGKILL (default 2s; 0\n"
    "        sends SIGKILL at once).\n"
    "\n"
    "OUTPUT\n"
    "    -q, --quiet\n"
    "        print nothing but errors.\n"
    "    -v, --verbose\n"
    "        also print the settings, successes and why retrying stopped.\n"
    "    By default each failed attempt prints one line on stderr:\n"
    "        backoff: attempt 2/5 failed (exit 1); retrying in 2.31s "
    "[exponential]\n"
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
    "    -l, --list-strategies\n"
    "        list every strategy on the search path: name, file,\n"
    "        description and parameters.\n"
    "    -h, --help\n"
    "        print this help.\n"
    "    -V, --version\n"
    "        print the version of backoff and libbackoff.\n"
    "\n"
    "SIGNALS\n"
    "    SIGINT, SIGTERM and SIGHUP received by backoff are passed to the\n"
    "    running COMMAND (a terminal's Ctrl-C already reaches it and is not\n"
    "    sent twice) and stop further retries; a wait between attempts\n"
    "    ends at once. Signals go to COMMAND's process only, not to its own\n"
    "    children. If the signal arrived between attempts, or COMMAND died\n"
    "    of it, backoff then ends by the same signal.\n"
    "\n"
    "EXIT STATUS\n"
    "    0        COMMAND succeeded (on some attempt)\n"
    "    N        COMMAND's exit status on its last attempt\n"
    "    2        bad usage or configuration (unknown option, bad value,\n"
    "             unknown strategy or parameter, bad BACKOFF_DEFAULT_*);\n"
    "             one line on stderr, COMMAND not run\n"
    "    124      the last attempt was stopped by --timeout\n"
    "    125      backoff itself failed while running\n"
    "    126      COMMAND was found but could not be run (not retried)\n"
    "    127      COMMAND was not found (not retried)\n"
    "    128+N    the last attempt was killed by signal N\n"
    "\n"
    "ENVIRONMENT\n"
    "    BACKOFF_DEFAULT_TRIES, BACKOFF_DEFAULT_DELAY\n"
    "        defaults for --max-tries and --max-delay (seconds).\n"
    "    BACKOFF_PLUGIN_PATH\n"
    "        colon-separated absolute directories searched for\n"
    "        strategy_NAME plugins before the installed ones.\n"
    "\n"
    "EXAMPLES\n"
    "    backoff -n 5 -- curl -fsS https://example.org/\n"
    "    backoff -s fibonacci --max-delay 2m --retry-on 75 -- make upload\n"
    "    backoff -s fixed -p sequence=1,5,30 --timeout 10s -- ./probe\n"
    "    backoff -s polynomial -p exponent=2 -n 8 --seed 1 --schedule\n";

static int verbosity;
static const char *strategy_label;

static void usage_error(const char *msg) {
  fprintf(stderr, "backoff: %s; try 'backoff --help'\n", msg);
  exit(EXIT_USAGE);
}

/* The library's detailed message on one line. */
static const char *lib_message(int rc) {
  static char buf[512];
  const char *m = backoff_last_error();
  size_t i;

  snprintf(buf, sizeof(buf), "%s", m[0] ? m : backoff_strerror(rc));
  for (i = 0; buf[i] != '\0'; i++)
    if (buf[i] == '\n' || buf[i] == '\r')
      buf[i] = ' ';
  return buf;
}

/* What one attempt did, as the schedule and the user see it. */
typedef struct {
  int rc;      /* status fed to the schedule, 0..255 */
  int signal;  /* killed by this signal, or 0 */
  char what[64];
} outcome_t;

static void describe(const backoff_child_result_t *r, double timeout,
                     outcome_t *out) {
  char sb[24], tb[32];

  out->signal = 0;
  if (r->spawn_errno != 0) {
    out->rc = r->spawn_errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
    snprintf(out->what, sizeof(out->what), "could not run: %s",
             strerror(r->spawn_errno));
  } else if (r->timed_out) {
    out->rc = EXIT_TIMEDOUT;
    snprintf(out->what, sizeof(out->what), "timed out after %s%s",
             backoff_cli_seconds(timeout, tb, sizeof(tb)),
             r->killed ? ", SIGKILL" : "");
  } else if (WIFSIGNALED(r->status)) {
    out->signal = WTERMSIG(r->status);
    out->rc = 128 + out->signal;
    snprintf(out->what, sizeof(out->what), "killed by %s",
             backoff_child_signame(out->signal, sb, sizeof(sb)));
  } else {
    out->rc = WEXITSTATUS(r->status);
    snprintf(out->what, sizeof(out->what), "exit %d", out->rc);
  }
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("backoff: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* Why no retry follows a failed attempt, for the progress line. */
static const char *stop_text(int stop, const outcome_t *o, double max_delay,
                             char *buf, size_t size) {
  char db[32], sb[24];

  switch (stop) {
  case BACKOFF_STOP_EXHAUSTED:
    return "giving up: no tries left";
  case BACKOFF_STOP_DEADLINE:
    snprintf(buf, size, "giving up: the next retry would end past max delay %s",
             backoff_cli_seconds(max_delay, db, sizeof(db)));
    return buf;
  case BACKOFF_STOP_NOT_RETRYABLE:
    snprintf(buf, size, "not retrying: status %d is not retryable", o->rc);
    return buf;
  case BACKOFF_STOP_CANCELLED:
    snprintf(buf, size, "not retrying: %s received",
             backoff_child_signame(backoff_child_stop_signal(), sb,
                                   sizeof(sb)));
    return buf;
  default:
    snprintf(buf, size, "not retrying: %s",
             backoff_stop_name((backoff_stop_t)stop));
    return buf;
  }
}

static int run(const backoff_cli_t *cli) {
  static backoff_cancel_t token = BACKOFF_CANCEL_INIT;
  backoff_cli_options_t opts;
  backoff_policy_t *policy = NULL;
  backoff_schedule_t s;
  backoff_report_t report;
  outcome_t last = {0, 0, ""};
  unsigned int max_tries;
  double max_delay;
  int rc, stop = 0, attempt_failed = 0;
  char b1[32], b2[256];

  if (backoff_cli_options(cli, &opts) != 0) {
    say("out of memory");
    return EXIT_INTERNAL;
  }
  opts.o.cancel = &token;
  if ((rc = backoff_policy_new(&policy, &opts.o)) != 0) {
    say("%s", lib_message(rc));
    backoff_cli_options_free(&opts);
    return EXIT_USAGE;
  }
  backoff_cli_options_free(&opts); /* the policy keeps its own copies */
  max_tries = backoff_policy_max_tries(policy);
  max_delay = backoff_policy_max_delay(policy);
  strategy_label = backoff_strategy_name(backoff_policy_strategy(policy));
  if (verbosity > 0) {
    const backoff_strategy_t *st = backoff_policy_strategy(policy);
    say("strategy %s (%s), up to %u tries, max delay %s", strategy_label,
        backoff_strategy_path(st), max_tries,
        max_delay > 0 ? backoff_cli_seconds(max_delay, b1, sizeof(b1))
                      : "none");
  }
  if (backoff_child_setup(&token) != 0) {
    say("cannot set up signal handling: %s", strerror(errno));
    backoff_policy_free(policy);
    return EXIT_INTERNAL;
  }

  backoff_schedule_init(&s, policy);
  for (;;) {
    backoff_child_result_t r;
    unsigned int attempt;
    double delay;
    int w;

    if ((stop = backoff_schedule_begin(&s)) != 0)
      break;
    attempt = backoff_schedule_attempts(&s);
    fflush(NULL);
    if (backoff_child_run(cli->command, cli->timeout, cli->kill_after, &r) !=
        0) {
      say("waiting for '%s': %s", cli->command[0], strerror(errno));
      backoff_policy_free(policy);
      return EXIT_INTERNAL;
    }
    describe(&r, cli->timeout, &last);
    if (r.spawn_errno != 0) {
      /* Like the shell: 127 / 126, and retrying cannot help. */
      say("cannot run '%s': %s", cli->command[0], strerror(r.spawn_errno));
      backoff_schedule_permanent(&s);
    }
    rc = backoff_schedule_next(&s, last.rc, &delay);
    if (rc < 0) {
      say("%s", lib_message(rc));
      backoff_policy_free(policy);
      return EXIT_INTERNAL;
    }
    if (rc > 0) {
      stop = rc;
      attempt_failed = stop != BACKOFF_STOP_SUCCESS;
      if (stop == BACKOFF_STOP_SUCCESS) {
        if (verbosity > 0)
          say("attempt %u/%u succeeded", attempt, max_tries);
      } else if (verbosity >= 0 && stop != BACKOFF_STOP_PERMANENT) {
        say("attempt %u/%u failed (%s); %s", attempt, max_tries, last.what,
            stop_text(stop, &last, max_delay, b2, sizeof(b2)));
      }
      break;
    }
    if (verbosity >= 0)
      say("attempt %u/%u failed (%s); retrying in %s [%s]", attempt,
          max_tries, last.what, backoff_cli_seconds(delay, b1, sizeof(b1)),
          strategy_label);
    /* To the instant the schedule checked against --max-delay: the
     * progress line above may have blocked on a slow stderr. */
    w = backoff_sleep_until(backoff_schedule_wake_ns(&s), &token);
    if (w < 0) {
      say("%s", lib_message(w));
      backoff_policy_free(policy);
      return EXIT_INTERNAL;
    }
    /* w == 1 (cancelled): the next begin() reports it. */
  }

  if (!attempt_failed && stop != BACKOFF_STOP_SUCCESS && verbosity >= 0) {
    /* Stopped between attempts: a signal during the wait, or the time
     * budget gone before the next start. */
    if (stop == BACKOFF_STOP_CANCELLED)
      say("%s received; no more retries",
          backoff_child_signame(backoff_child_stop_signal(), b1, sizeof(b1)));
    else
      say("giving up before attempt %u: %s", backoff_schedule_attempts(&s) + 1,
          stop == BACKOFF_STOP_DEADLINE ? "max delay reached"
                                        : backoff_stop_name(stop));
  }
  backoff_schedule_report(&s, &report);
  if (verbosity > 0)
    say("stopped (%s) after %u %s; waited %.2fs, %.2fs in all",
        backoff_stop_name(report.stop), report.attempts,
        report.attempts == 1 ? "attempt" : "attempts", report.slept,
        report.elapsed);
  backoff_policy_free(policy);

  if (stop == BACKOFF_STOP_SUCCESS)
    return 0;
  {
    const int sig = backoff_child_stop_signal();
    /* Told to stop: end the way the signal would have ended us, so a
     * calling shell (or make) sees it and stops too. */
    if (sig != 0 && (!attempt_failed || last.signal == sig))
      backoff_child_die_by(sig);
  }
  return last.rc;
}

int main(int argc, char **argv) {
  backoff_cli_t cli;
  char err[256];
  int rc, build_error;

  rc = backoff_cli_parse_args(argc, argv, &cli, err, sizeof(err));
  if (rc < 0)
    usage_error(err);
  verbosity = cli.verbosity;
  switch (cli.mode) {
  case BACKOFF_CLI_HELP:
    fputs(help_text, stdout);
    return fflush(stdout) == 0 ? 0 : EXIT_INTERNAL;
  case BACKOFF_CLI_VERSION:
    printf("backoff (libbackoff) %s\n", backoff_version_string());
    return fflush(stdout) == 0 ? 0 : EXIT_INTERNAL;
  case BACKOFF_CLI_LIST:
    rc = backoff_cli_list(stdout);
    return fflush(stdout) == 0 ? rc : EXIT_INTERNAL;
  case BACKOFF_CLI_SCHEDULE:
    rc = backoff_cli_schedule(&cli, stdout, &build_error);
    if (rc != 0) {
      fflush(stdout);
      say("%s", lib_message(rc));
      return build_error ? EXIT_USAGE : EXIT_INTERNAL;
    }
    return fflush(stdout) == 0 ? 0 : EXIT_INTERNAL;
  case BACKOFF_CLI_RUN:
    break;
  }
  return run(&cli);
}
