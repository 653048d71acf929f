/* SPDX-License-Identifier: MIT */
/* The backoff command's parsers (tools/cli_parse.c), called directly. */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "check_common.h"
#include "cli.h"
#include "cli_parse.h"

START_TEST(durations_accepted) {
  static const struct {
    const char *s;
    double want;
  } ok[] = {{"3", 3},        {"0", 0},
            {"0.25", 0.25},  {".5", 0.5},
            {"250ms", 0.25}, {"1.5s", 1.5},
            {"2m", 120},     {"1h", 3600},
            {"500us", 5e-4}, {"1000000000", 1e9},
            {"007s", 7}};
  size_t i;
  for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    double d = -1;
    ck_assert_msg(backoff_cli_parse_duration(ok[i].s, &d) == 0, "%s", ok[i].s);
    ck_assert_msg(fabs(d - ok[i].want) <= 1e-12 * ok[i].want, "%s: %g",
                  ok[i].s, d);
  }
}
END_TEST

START_TEST(durations_refused) {
  static const char *const bad[] = {
      "", "-1", "+1", "nan", "NaN", "inf", "infinity", "1e3", "0x10", " 1",
      "1 ", "5.", ".", "s", "1ss", "1sec", "1 s", "1.5.5", "1,5", "2M",
      "1000000001", "277778h", "99999999999999999999999999999999999999h",
      /* one string of 79 digits, written in two pieces */
      ("1234567890123456789012345678901234567890123456789012345678901234567890"
       "123456789")};
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    double d = -1;
    ck_assert_msg(backoff_cli_parse_duration(bad[i], &d) == -1, "'%s'",
                  bad[i]);
    ck_assert(d == 0);
  }
  ck_assert_int_eq(backoff_cli_parse_duration(NULL, NULL), -1);
}
END_TEST

START_TEST(codes) {
  backoff_cli_codes_t set;
  int list[256];
  ck_assert_int_eq(backoff_cli_parse_codes("1,75,100-110,255,0", &set), 0);
  ck_assert_uint_eq(backoff_cli_codes_list(&set, list), 15);
  ck_assert(backoff_cli_codes_has(&set, 0) && backoff_cli_codes_has(&set, 1));
  ck_assert(backoff_cli_codes_has(&set, 100) &&
            backoff_cli_codes_has(&set, 110));
  ck_assert(!backoff_cli_codes_has(&set, 99) &&
            !backoff_cli_codes_has(&set, 111));
  ck_assert(!backoff_cli_codes_has(&set, -1) &&
            !backoff_cli_codes_has(&set, 256));
  ck_assert_int_eq(list[0], 0);
  ck_assert_int_eq(list[14], 255);
  ck_assert_int_eq(backoff_cli_parse_codes("7-7", &set), 0);
  ck_assert_uint_eq(backoff_cli_codes_list(&set, list), 1);
}
END_TEST

START_TEST(codes_refused) {
  static const char *const bad[] = {
      "",   ",", "1,", ",1",   "1,,2",  "256",  "-1",  "5-3",
      "1-", "-", "a",  "1 ,2", "1-2-3", "0256", "1;2", "1-256"};
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    backoff_cli_codes_t set;
    size_t j;
    memset(&set, 0xff, sizeof(set));
    ck_assert_msg(backoff_cli_parse_codes(bad[i], &set) == -1, "'%s'", bad[i]);
    for (j = 0; j < sizeof(set.bits); j++)
      ck_assert(set.bits[j] == 0);
  }
}
END_TEST

static int parse(backoff_cli_t *cli, char *err, ...) {
  static char *argv[32]; /* cli.command points into it */
  int argc = 0;
  va_list ap;
  va_start(ap, err);
  argv[argc++] = (char *)"backoff";
  while ((argv[argc] = va_arg(ap, char *)) != NULL)
    argc++;
  va_end(ap);
  return backoff_cli_parse_args(argc, argv, cli, err, 200);
}

START_TEST(args_forms) {
  backoff_cli_t cli;
  char err[200];

  ck_assert_int_eq(parse(&cli, err, "-n5", "-qs", "fibonacci",
                         "--max-delay=2m", "--param", "exponent=3", "-p",
                         "sequence=1,2", "--retry-on", "1", "--retry-on",
                         "3-4", "ls", "-l", (char *)NULL),
                   0);
  ck_assert_uint_eq(cli.core.max_tries, 5);
  ck_assert_int_eq(cli.verbosity, -1);
  ck_assert_str_eq(cli.strategy, "fibonacci");
  ck_assert(cli.core.max_delay == 120);
  ck_assert_uint_eq(cli.nparams, 2);
  ck_assert_str_eq(cli.params[1], "sequence=1,2");
  ck_assert(backoff_cli_codes_has(&cli.retry_on, 1) &&
            backoff_cli_codes_has(&cli.retry_on, 4) &&
            !backoff_cli_codes_has(&cli.retry_on, 2));
  ck_assert_int_eq(cli.command_argc, 2);
  ck_assert_str_eq(cli.command[0], "ls");
  ck_assert_str_eq(cli.command[1], "-l");
  ck_assert(cli.command[2] == NULL);
  ck_assert(cli.kill_after == BACKOFF_CLI_KILL_AFTER);

  /* After "--" everything is the command, options included. */
  ck_assert_int_eq(parse(&cli, err, "--", "-n", "--help", (char *)NULL), 0);
  ck_assert_str_eq(cli.command[0], "-n");
  ck_assert_uint_eq(cli.core.max_tries, 0);

  ck_assert_int_eq(parse(&cli, err, "--max-delay", "none", "--seed",
                         "18446744073709551615", "--schedule", "--format",
                         "tsv", (char *)NULL),
                   0);
  ck_assert(isinf(cli.core.max_delay));
  ck_assert((cli.core.flags & BACKOFF_SEEDED) && cli.core.seed == UINT64_MAX);
  ck_assert_int_eq(cli.mode, BACKOFF_CLI_SCHEDULE);
  ck_assert_int_eq(cli.format, BACKOFF_CLI_TSV);
}
END_TEST

START_TEST(args_help_version) {
  backoff_cli_t cli;
  char err[200];
  ck_assert_int_eq(parse(&cli, err, "-n", "3", "--help", (char *)NULL), 1);
  ck_assert_int_eq(cli.mode, BACKOFF_CLI_HELP);
  ck_assert_int_eq(parse(&cli, err, "-V", (char *)NULL), 1);
  ck_assert_int_eq(cli.mode, BACKOFF_CLI_VERSION);
  ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(args_errors) {
  static const char *const bad[][4] = {
      {"--nope", "x", NULL},
      {"-Z", "x", NULL},
      {"-n", NULL},
      {"--max-tries", "0", "x", NULL},
      {"--quiet=1", "x", NULL},
      {"-q", "-v", "x", NULL},
      {"--strategy", "A", "x", NULL},
      {"--param", "x", "x", NULL},
      {"--format", "tsv", NULL},
      {"--timeout", "0", "x", NULL},
      {"-n", "3", NULL},
      {"--list-strategies", "x", NULL},
      /* found by fuzz_cli_args: control characters echoed raw */
      {"--help\n", "x", NULL},
      {"--strategy", "a\033[2J", "x", NULL}};
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *argv[6] = {(char *)"backoff"};
    backoff_cli_t cli;
    char err[200];
    int argc = 1;
    while (bad[i][argc - 1] != NULL) {
      argv[argc] = (char *)bad[i][argc - 1];
      argc++;
    }
    argv[argc] = NULL;
    ck_assert_msg(backoff_cli_parse_args(argc, argv, &cli, err, sizeof(err)) ==
                      -1,
                  "case %zu", i);
    ck_assert_msg(err[0] != '\0' && strchr(err, '\n') == NULL &&
                      strchr(err, '\033') == NULL,
                  "case %zu: %s", i, err);
  }
}
END_TEST

/* A long pattern is quoted in part: the reason it is refused still fits
 * a 256-byte message. */
START_TEST(args_long_pattern) {
  static const char *const tails[] = {"", "{0,9000}"};
  char pat[5000], err[256];
  size_t i;
  for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
    char *argv[] = {(char *)"backoff", (char *)"--retry-if-output", pat,
                    (char *)"true", NULL};
    backoff_cli_t cli;
    memset(pat, 'a', 300);
    strcpy(pat + 300, tails[i]);
    if (i == 0) { /* longer than the matcher takes */
      memset(pat, 'a', sizeof(pat) - 1);
      pat[sizeof(pat) - 1] = '\0';
    }
    ck_assert_int_eq(backoff_cli_parse_args(4, argv, &cli, err, sizeof(err)),
                     -1);
    ck_assert_msg(strstr(err, i == 0 ? "longer than" : "too large") != NULL &&
                      strstr(err, "...") != NULL,
                  "case %zu: %s", i, err);
  }
}
END_TEST

START_TEST(signals) {
  static const struct {
    const char *s;
    int want;
  } ok[] = {{"TERM", SIGTERM},  {"SIGTERM", SIGTERM}, {"term", SIGTERM},
            {"sigint", SIGINT}, {"15", 15},           {"KILL", SIGKILL},
            {"HUP", SIGHUP},    {"QUIT", SIGQUIT},    {"USR1", SIGUSR1}};
  static const char *const bad[] = {
      "",  "BOGUS", "SIG", "STOP", "SIGTSTP", "ttin",    "TTOU",
      "0", "-15",   "15x", " 15",  "999",     "SIGTERM "};
  size_t i;
  int sig;
  for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    ck_assert_msg(backoff_cli_parse_signal(ok[i].s, &sig) == 0, "%s", ok[i].s);
    ck_assert_int_eq(sig, ok[i].want);
  }
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    sig = 99;
    ck_assert_msg(backoff_cli_parse_signal(bad[i], &sig) == -1, "%s", bad[i]);
    ck_assert_int_eq(sig, 0);
  }
  ck_assert_str_eq(backoff_cli_signal_name(SIGHUP), "SIGHUP");
  ck_assert_ptr_null(backoff_cli_signal_name(0));
}
END_TEST

START_TEST(sizes) {
  static const struct {
    const char *s;
    uint64_t want;
  } ok[] = {{"0", 0},
            {"1024", 1024},
            {"64k", 65536},
            {"64K", 65536},
            {"64M", 64u << 20},
            {"1G", 1u << 30},
            {"2T", (uint64_t)2 << 40}};
  static const char *const bad[] = {"",
                                    "k",
                                    "-1",
                                    "1.5M",
                                    "64MB",
                                    "64 M",
                                    "1P",
                                    "99999999999999999999",
                                    "9999999999999999T"};
  size_t i;
  uint64_t v;
  for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    ck_assert_msg(backoff_cli_parse_size(ok[i].s, &v) == 0, "%s", ok[i].s);
    ck_assert_uint_eq(v, ok[i].want);
  }
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    v = 7;
    ck_assert_msg(backoff_cli_parse_size(bad[i], &v) == -1, "%s", bad[i]);
    ck_assert_uint_eq(v, 0);
  }
}
END_TEST

START_TEST(args_supervision) {
  char *argv[] = {"backoff",       "--signal",
                  "INT",           "--foreground",
                  "--stdin",       "null",
                  "--stdin-limit", "1M",
                  "--hold-output", "--retry-if-output",
                  "again|later",   "--report",
                  "r.json",        "--",
                  "true",          NULL};
  backoff_cli_t cli;
  char err[128];

  ck_assert_int_eq(backoff_cli_parse_args(15, argv, &cli, err, sizeof(err)),
                   0);
  ck_assert_int_eq(cli.term_signal, SIGINT);
  ck_assert_int_eq(cli.foreground, 1);
  ck_assert_int_eq(cli.stdin_mode, BACKOFF_CLI_STDIN_NULL);
  ck_assert_uint_eq(cli.stdin_limit, 1u << 20);
  ck_assert_int_eq(cli.hold_output, 1);
  ck_assert_str_eq(cli.retry_if_output, "again|later");
  ck_assert_str_eq(cli.report, "r.json");
  ck_assert_str_eq(cli.command[0], "true");

  /* The defaults: TERM, keep, 64M, nothing held. */
  ck_assert_int_eq(
      backoff_cli_parse_args(3, argv + 12, &cli, err, sizeof(err)), 0);
  ck_assert_int_eq(cli.term_signal, SIGTERM);
  ck_assert_int_eq(cli.stdin_mode, BACKOFF_CLI_STDIN_KEEP);
  ck_assert_uint_eq(cli.stdin_limit, BACKOFF_CLI_STDIN_LIMIT);
  ck_assert_int_eq(cli.hold_output, 0);
}
END_TEST

/* Every option the parser knows is in --help, with its short form. */
START_TEST(help_lists_every_option) {
  const char *names[64];
  char shorts[64], *text = NULL, want[64];
  size_t size = 0, n, i;
  FILE *f = open_memstream(&text, &size);

  ck_assert_ptr_nonnull(f);
  backoff_cli_help(f);
  ck_assert_int_eq(fclose(f), 0);
  n = backoff_cli_option_names(names, shorts);
  ck_assert_uint_ge(n, 25);
  for (i = 0; i < n; i++) {
    if (shorts[i] != 0)
      snprintf(want, sizeof(want), "    -%c, --%s", shorts[i], names[i]);
    else
      snprintf(want, sizeof(want), "    --%s", names[i]);
    ck_assert_msg(strstr(text, want) != NULL, "--help lacks '%s'", want);
  }
  free(text);
}
END_TEST

START_TEST(args_tiny_error_buffer) {
  backoff_cli_t cli;
  char err[8];
  char *argv[] = {(char *)"backoff", (char *)"--max-tries", (char *)"many",
                  NULL};
  ck_assert_int_eq(backoff_cli_parse_args(3, argv, &cli, err, sizeof(err)),
                   -1);
  ck_assert_uint_eq(strlen(err), 7);
  ck_assert_int_eq(backoff_cli_parse_args(3, argv, &cli, NULL, 0), -1);
  ck_assert_int_eq(backoff_cli_parse_args(0, NULL, &cli, NULL, 0), -1);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("cli_parse");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, durations_accepted);
  tcase_add_test(tc, durations_refused);
  tcase_add_test(tc, codes);
  tcase_add_test(tc, codes_refused);
  tcase_add_test(tc, args_forms);
  tcase_add_test(tc, args_help_version);
  tcase_add_test(tc, args_errors);
  tcase_add_test(tc, args_long_pattern);
  tcase_add_test(tc, args_tiny_error_buffer);
  tcase_add_test(tc, signals);
  tcase_add_test(tc, help_lists_every_option);
  tcase_add_test(tc, sizes);
  tcase_add_test(tc, args_supervision);
  suite_add_tcase(s, tc);
  return s;
}
