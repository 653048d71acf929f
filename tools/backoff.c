/* SPDX-License-Identifier: MIT */
/* backoff: run a command, and while it fails, retry it with backoff.
 *
 * The retry rules are the library's: this file feeds each attempt's status
 * to a backoff_schedule_t and waits for its wake-up in child.c, which reads
 * the stop signals from a signalfd while it waits. Parsing lives in
 * cli_parse.c, process handling in child.c, stdin in feed.c, the output
 * predicates and --hold-output in taps.c, the previews in preview.c. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "backoff.h"
#include "budget_cli.h"
#include "child.h"
#include "cli.h"
#include "cli_parse.h"
#include "feed.h"
#include "report.h"
#include "taps.h"

/* Exit statuses of backoff itself (the command's own pass through). */
enum {
  EXIT_USAGE = 2,      /* bad usage or configuration; nothing was run */
  EXIT_TIMEDOUT = 124, /* the last attempt hit --timeout (as timeout(1)) */
  EXIT_TIMEDOUT_KILLED = 137, /* ... and needed SIGKILL (128 + 9) */
  EXIT_INTERNAL = 125,        /* backoff itself failed while running */
  EXIT_NOEXEC = 126,          /* the command was found but could not be run */
  EXIT_NOTFOUND = 127         /* the command was not found */
};

static int verbosity;

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

static void vsay(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
static void vsay(const char *fmt, va_list ap) {
  fputs("backoff: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  /* A closed or broken stderr (EPIPE: SIGPIPE is ignored) changes
   * nothing: progress lines are not worth stopping for. */
  fflush(stderr);
  clearerr(stderr);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay(fmt, ap);
  va_end(ap);
}

/* An internal failure: said, and -1 for the caller to end with 125. */
static int internal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int internal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay(fmt, ap);
  va_end(ap);
  return -1;
}

/* What one attempt did, as the schedule and the user see it. */
typedef struct {
  int rc;     /* status fed to the schedule, 0..255 */
  int signal; /* killed by this signal, or 0 */
  char what[80];
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
    out->rc = r->killed ? EXIT_TIMEDOUT_KILLED : EXIT_TIMEDOUT;
    snprintf(out->what, sizeof(out->what), "timed out after %s%s",
             backoff_cli_seconds(timeout, tb, sizeof(tb)),
             r->killed ? ", SIGKILL" : "");
  } else if (r->tty_stop != 0) {
    out->rc = 128 + SIGKILL;
    snprintf(out->what, sizeof(out->what), "stopped by %s to use the terminal",
             backoff_child_signame(r->tty_stop, sb, sizeof(sb)));
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

/* One run of the command with retries. */
typedef struct {
  const backoff_cli_t *cli;
  backoff_policy_t *policy;
  backoff_schedule_t s;
  backoff_child_conf_t conf;
  backoff_feed_t feed;
  backoff_taps_t taps;
  int nfeed;                    /* pollfds of the feed, before the taps' */
  backoff_cli_report_t *report; /* --report, or NULL */
  uint64_t t0;                  /* when backoff began running */
  const char *label;            /* the strategy's name */
  unsigned int max_tries;
  double max_delay;
  outcome_t last;
  int stop;            /* BACKOFF_STOP_*, once decided */
  int attempt_failed;  /* the loop ended on a failed attempt */
  const char *refused; /* why a retry is impossible (stdin, output) */
} session_t;

/* Why no retry follows a failed attempt, for the progress line. */
static const char *stop_text(const session_t *ss, char *buf, size_t size) {
  char db[32], sb[24];

  switch (ss->stop) {
  case BACKOFF_STOP_EXHAUSTED:
    return "giving up: no tries left";
  case BACKOFF_STOP_DEADLINE:
    snprintf(buf, size,
             "giving up: the next retry would end past max delay %s",
             backoff_cli_seconds(ss->max_delay, db, sizeof(db)));
    return buf;
  case BACKOFF_STOP_NOT_RETRYABLE:
    snprintf(buf, size, "not retrying: status %d is not retryable",
             ss->last.rc);
    return buf;
  case BACKOFF_STOP_CANCELLED:
    snprintf(
        buf, size, "not retrying: %s received",
        backoff_child_signame(backoff_child_stop_signal(), sb, sizeof(sb)));
    return buf;
  case BACKOFF_STOP_PERMANENT:
    snprintf(buf, size, "not retrying: %s",
             ss->refused ? ss->refused : "permanent failure");
    return buf;
  default:
    snprintf(buf, size, "not retrying: %s",
             backoff_stop_name((backoff_stop_t)ss->stop));
    return buf;
  }
}

/* --budget: open before the run, closed at exit (tools/budget_cli.c). */
static backoff_budget_t *cli_budget;

/* Builds the policy from the options. Returns 0 or an exit status. */
static int session_open(session_t *ss, const backoff_cli_t *cli,
                        backoff_cancel_t *token) {
  backoff_cli_options_t opts;
  char b1[32];
  int rc;

  if (backoff_cli_options(cli, &opts) != 0) {
    say("out of memory");
    return EXIT_INTERNAL;
  }
  opts.o.cancel = token;
  opts.o.budget = cli_budget;
  rc = backoff_policy_new(&ss->policy, &opts.o);
  backoff_cli_options_free(&opts); /* the policy keeps its own copies */
  if (rc != 0) {
    say("%s", lib_message(rc));
    return EXIT_USAGE;
  }
  ss->max_tries = backoff_policy_max_tries(ss->policy);
  ss->max_delay = backoff_policy_max_delay(ss->policy);
  ss->label = backoff_strategy_name(backoff_policy_strategy(ss->policy));
  if (verbosity > 0)
    say("strategy %s (%s), up to %u tries, max delay %s", ss->label,
        backoff_strategy_path(backoff_policy_strategy(ss->policy)),
        ss->max_tries,
        ss->max_delay > 0 ? backoff_cli_seconds(ss->max_delay, b1, sizeof(b1))
                          : "none");
  ss->conf.timeout = cli->timeout;
  ss->conf.kill_after = cli->kill_after;
  ss->conf.term_signal = cli->term_signal;
  ss->conf.foreground = cli->foreground;
  backoff_schedule_init(&ss->s, ss->policy);
  return 0;
}

/* The progress line after a failed attempt that ends the run. */
static void say_stopped(const session_t *ss, unsigned int attempt) {
  char b[256];
  if (ss->stop == BACKOFF_STOP_SUCCESS) {
    if (verbosity > 0)
      say("attempt %u/%u succeeded", attempt, ss->max_tries);
  } else if (verbosity >= 0 &&
             (ss->stop != BACKOFF_STOP_PERMANENT || ss->refused != NULL)) {
    say("attempt %u/%u failed (%s); %s", attempt, ss->max_tries, ss->last.what,
        stop_text(ss, b, sizeof(b)));
  }
}

/* The attempt's poll loop serves the stdin feed and the output taps. */
static int io_add(void *ctx, struct pollfd *pfd) {
  session_t *ss = ctx;
  ss->nfeed = backoff_feed_add(&ss->feed, pfd);
  return ss->nfeed + backoff_taps_add(&ss->taps, pfd + ss->nfeed);
}
static void io_done(void *ctx, const struct pollfd *pfd, int n) {
  session_t *ss = ctx;
  if (ss->nfeed > 0)
    backoff_feed_done(&ss->feed, pfd, ss->nfeed);
  if (n > ss->nfeed)
    backoff_taps_done(&ss->taps, pfd + ss->nfeed, n - ss->nfeed);
}
static int io_pending(void *ctx) {
  session_t *ss = ctx;
  return backoff_taps_pending(&ss->taps);
}
static void io_of(session_t *ss, backoff_child_io_t *io) {
  io->add = io_add;
  io->done = io_done;
  io->pending = io_pending;
  io->ctx = ss;
}

/* What the output predicates, the stdin copy and the held output say of
 * the attempt that ended: ss->last.rc may become a failure, and a retry
 * may become impossible (ss->refused). */
static void judge_output(session_t *ss) {
  const backoff_taps_t *t = &ss->taps;

  if (ss->last.rc == 0 && t->matched[BACKOFF_TAP_FAIL]) {
    ss->last.rc = 1;
    snprintf(ss->last.what, sizeof(ss->last.what),
             "exit 0, but the output matched --fail-if-output");
  }
  if (ss->last.rc == 0)
    return;
  if (t->matched[BACKOFF_TAP_STOP])
    ss->refused = "its output matched --stop-if-output";
  else if (t->have[BACKOFF_TAP_RETRY] && !t->matched[BACKOFF_TAP_RETRY])
    ss->refused = "its output did not match --retry-if-output";
  else if ((ss->refused = backoff_feed_refusal(&ss->feed)) == NULL)
    ss->refused = t->lost;
  if (ss->refused != NULL)
    backoff_schedule_permanent(&ss->s);
}

/* The wait before the next attempt. A stop signal may cut it short: the
 * report says what was really waited. */
static int wait_next(session_t *ss, double delay) {
  const uint64_t from = backoff_clock_ns();
  const int rc = backoff_child_sleep_until(backoff_schedule_wake_ns(&ss->s));
  double waited;

  if (rc < 0)
    return internal("waiting: %s", strerror(errno));
  waited = (double)(backoff_clock_ns() - from) / 1e9;
  backoff_cli_report_delay(ss->report,
                           rc > 0 && waited < delay ? waited : delay);
  return 0;
}

/* Runs one attempt and decides what follows. Returns 0 to go on, 1 when
 * retrying stops (ss->stop says why), -1 on an internal failure (said). */
static int attempt_once(session_t *ss) {
  backoff_child_result_t r;
  backoff_child_fds_t fds = {{-1, -1, -1}};
  backoff_child_io_t io;
  unsigned int attempt;
  double delay;
  char b1[32];
  int rc;

  /* A stop signal received since the last look: no new attempt (it
   * cancelled the token, which begin() reports). */
  (void)backoff_child_poll_signals();
  if ((ss->stop = backoff_schedule_begin(&ss->s)) != 0)
    return 1;
  attempt = backoff_schedule_attempts(&ss->s);
  fflush(NULL);
  ss->taps.deadline_ns =
      ss->cli->timeout > 0
          ? backoff_clock_ns() + (uint64_t)(ss->cli->timeout * 1e9)
          : UINT64_MAX;
  if (backoff_feed_begin(&ss->feed, &fds.fd[0]) != 0 ||
      backoff_taps_begin(&ss->taps, &fds.fd[1], &fds.fd[2]) != 0)
    return internal("cannot set up the attempt's input or output: %s",
                    strerror(errno));
  io_of(ss, &io);
  rc = backoff_child_run(ss->cli->command, &ss->conf, &fds, &io, &r);
  backoff_feed_end(&ss->feed);
  backoff_taps_end(&ss->taps);
  ss->taps.deadline_ns = UINT64_MAX; /* the last answer is waited for */
  if (rc != 0)
    return internal("waiting for '%s': %s", ss->cli->command[0],
                    strerror(errno));
  describe(&r, ss->cli->timeout, &ss->last);
  if (r.spawn_errno != 0) {
    /* Like the shell: 127 / 126, and retrying cannot help. */
    say("cannot run '%s': %s", ss->cli->command[0], strerror(r.spawn_errno));
    backoff_schedule_permanent(&ss->s);
  } else if (r.tty_stop != 0) {
    ss->refused = "it needs the terminal: run backoff with --foreground";
    backoff_schedule_permanent(&ss->s);
  } else {
    judge_output(ss);
  }
  backoff_cli_report_attempt(ss->report, &r, ss->last.rc, ss->t0);
  rc = backoff_schedule_next(&ss->s, ss->last.rc, &delay);
  if (rc < 0)
    return internal("%s", lib_message(rc));
  if (rc > 0) {
    ss->stop = rc;
    ss->attempt_failed = rc != BACKOFF_STOP_SUCCESS;
    say_stopped(ss, attempt);
    return 1;
  }
  backoff_taps_drop(&ss->taps); /* only the last attempt's is shown */
  if (verbosity >= 0)
    say("attempt %u/%u failed (%s); retrying in %s [%s]", attempt,
        ss->max_tries, ss->last.what,
        backoff_cli_seconds(delay, b1, sizeof(b1)), ss->label);
  /* To the instant the schedule checked against --max-delay: the
   * progress line above may have blocked on a slow stderr. */
  return wait_next(ss, delay); /* a stop signal: the next round sees it */
}

/* After the loop: the last words and the exit status. */
static int session_end(session_t *ss) {
  backoff_report_t report;
  char b1[32];
  int sig;

  if (!ss->attempt_failed && ss->stop != BACKOFF_STOP_SUCCESS &&
      verbosity >= 0) {
    /* Stopped between attempts: a signal during the wait, or the time
     * budget gone before the next start. */
    if (ss->stop == BACKOFF_STOP_CANCELLED)
      say("%s received; no more retries",
          backoff_child_signame(backoff_child_stop_signal(), b1, sizeof(b1)));
    else
      say("giving up before attempt %u: %s",
          backoff_schedule_attempts(&ss->s) + 1,
          ss->stop == BACKOFF_STOP_DEADLINE ? "max delay reached"
                                            : backoff_stop_name(ss->stop));
  }
  backoff_schedule_report(&ss->s, &report);
  if (verbosity > 0)
    say("stopped (%s) after %u %s; waited %.2fs, %.2fs in all",
        backoff_stop_name(report.stop), report.attempts,
        report.attempts == 1 ? "attempt" : "attempts", report.slept,
        report.elapsed);
  if (ss->stop == BACKOFF_STOP_SUCCESS)
    return 0;
  /* Told to stop: end the way the signal would have ended us, so a
   * calling shell (or make) sees it and stops too; but a command that
   * handled the signal and exited has the last word, as with timeout(1). */
  sig = backoff_child_stop_signal();
  if (sig != 0 && (!ss->attempt_failed || ss->last.signal == sig))
    return 128 + sig;
  return ss->last.rc;
}

static int run(const backoff_cli_t *cli) {
  static backoff_cancel_t token = BACKOFF_CANCEL_INIT;
  session_t ss;
  char err[256];
  int rc = 0, status = EXIT_INTERNAL, released;

  memset(&ss, 0, sizeof(ss));
  ss.cli = cli;
  ss.t0 = backoff_clock_ns();
  /* A bad strategy or parameter is bad usage found before anything else
   * happens: no guardian started, no report file truncated. */
  if ((status = session_open(&ss, cli, &token)) != 0)
    return status;
  if (backoff_child_setup(&token, !cli->foreground) != 0) {
    say("cannot set up signal handling: %s", strerror(errno));
    status = EXIT_INTERNAL;
    goto fail_setup;
  }
  if (backoff_taps_open(&ss.taps, cli, err, sizeof(err)) != 0) {
    say("%s", err);
    status = EXIT_USAGE;
    goto fail_setup;
  }
  if (cli->report != NULL &&
      backoff_cli_report_open(&ss.report, cli->report, cli->command, err,
                              sizeof(err)) != 0) {
    say("%s", err);
    status = EXIT_USAGE;
    goto fail_report;
  }
  status = EXIT_INTERNAL;
  if (backoff_feed_open(&ss.feed, cli->stdin_mode, cli->stdin_limit) != 0) {
    say("cannot set up stdin: %s", strerror(errno));
    goto fail_feed;
  }
  while ((rc = attempt_once(&ss)) == 0)
    ;
  /* The last attempt's held output; cut short by a stop signal, the run
   * ends as the signal says even though the command succeeded. */
  released = backoff_taps_release(&ss.taps);
  status = rc < 0 ? EXIT_INTERNAL : session_end(&ss);
  if (released != 0 && status == 0 && backoff_child_stop_signal() != 0)
    status = 128 + backoff_child_stop_signal();
  backoff_feed_close(&ss.feed);
fail_feed:
  /* A report that cannot be written is said; the status stays. */
  if (backoff_cli_report_finish(ss.report,
                                rc < 0 ? "error" : backoff_stop_name(ss.stop),
                                backoff_child_stop_signal(), ss.refused,
                                status, ss.t0, err, sizeof(err)) != 0)
    say("%s", err);
fail_report:
  backoff_taps_close(&ss.taps);
fail_setup:
  backoff_policy_free(ss.policy);
  return status;
}

int main(int argc, char **argv) {
  backoff_cli_t cli;
  char err[256];
  int rc, build_error;

  backoff_child_record_start(); /* before anything changes a signal */
  /* From here on a closed stderr fails a write instead of killing backoff:
   * a usage error must still exit 2 (the command gets the recorded
   * disposition back). */
  (void)signal(SIGPIPE, SIG_IGN);
  rc = backoff_cli_parse_args(argc, argv, &cli, err, sizeof(err));
  if (rc < 0)
    usage_error(err);
  verbosity = cli.verbosity;
  switch (cli.mode) {
  case BACKOFF_CLI_HELP:
    backoff_cli_help(stdout);
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
  case BACKOFF_CLI_BUDGET_STATUS:
    if (backoff_cli_budget_status(&cli, stdout, err, sizeof(err)) != 0)
      usage_error(err);
    return fflush(stdout) == 0 ? 0 : EXIT_INTERNAL;
  case BACKOFF_CLI_RUN:
    break;
  }
  /* Before the budget: its socket must not take a closed fd 0-2, nor its
   * thread the signals backoff reads. */
  if (backoff_child_prepare() != 0) {
    say("cannot set up signal handling: %s", strerror(errno));
    return EXIT_INTERNAL;
  }
  if (backoff_cli_budget_open(&cli, &cli_budget, err, sizeof(err)) != 0)
    usage_error(err);
  rc = run(&cli);
  fflush(NULL);
  if (rc > 128 && rc - 128 == backoff_child_stop_signal())
    backoff_child_die_by(rc - 128);
  return rc;
}
