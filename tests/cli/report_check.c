/* SPDX-License-Identifier: MIT */
/* Parses a backoff --report file back with jansson and prints what it
 * says, one fact a line, for tests/cli/report.sh to compare:
 *   attempts N / delays N / stop REASON / signal NAME|- / exit STATUS
 *   attempt I status S exit E|- signal NAME|- timed_out 0|1 killed 0|1
 * It also checks the types and that offsets and durations make sense
 * (each start at or after the previous one's end plus its delay). Exit 1
 * with a message on stderr when the file is not such a report. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>

static int bad(const char *what) {
  fprintf(stderr, "report_check: %s\n", what);
  return 1;
}

static const char *str_or_dash(json_t *v) {
  return json_is_string(v) ? json_string_value(v) : "-";
}

static int attempt(json_t *a, size_t i, double *prev_end, json_t *delays) {
  json_t *start = json_object_get(a, "start");
  json_t *dur = json_object_get(a, "duration");
  json_t *ex = json_object_get(a, "exit_status");
  double s, d, delay = 0;

  if (!json_is_real(start) || !json_is_real(dur) ||
      !json_is_integer(json_object_get(a, "status")) ||
      !json_is_boolean(json_object_get(a, "timed_out")) ||
      !json_is_boolean(json_object_get(a, "killed")) ||
      json_integer_value(json_object_get(a, "number")) != (json_int_t)i + 1)
    return bad("an attempt lacks a field or has the wrong type");
  s = json_real_value(start);
  d = json_real_value(dur);
  if (i > 0 && json_is_real(json_array_get(delays, i - 1)))
    delay = json_real_value(json_array_get(delays, i - 1));
  if (s < 0 || d < 0 || s + 1e-3 < *prev_end + delay)
    return bad("attempts overlap or start before their delay ended");
  *prev_end = s + d;
  printf("attempt %zu status %lld exit %s signal %s timed_out %d killed %d\n",
         i + 1, (long long)json_integer_value(json_object_get(a, "status")),
         json_is_integer(ex) ? "yes" : "-",
         str_or_dash(json_object_get(a, "signal")),
         json_is_true(json_object_get(a, "timed_out")),
         json_is_true(json_object_get(a, "killed")));
  return 0;
}

int main(int argc, char **argv) {
  json_error_t e;
  json_t *root, *attempts, *delays, *totals;
  double prev_end = 0;
  size_t i;

  if (argc != 2)
    return bad("usage: report_check FILE");
  if ((root = json_load_file(argv[1], 0, &e)) == NULL) {
    fprintf(stderr, "report_check: %s:%d: %s\n", argv[1], e.line, e.text);
    return 1;
  }
  attempts = json_object_get(root, "attempts");
  delays = json_object_get(root, "delays");
  totals = json_object_get(root, "totals");
  if (!json_is_array(attempts) || !json_is_array(delays) ||
      !json_is_object(totals) ||
      !json_is_array(json_object_get(root, "command")) ||
      !json_is_string(json_object_get(root, "stop_reason")) ||
      !json_is_integer(json_object_get(root, "exit_status")))
    return bad("not a backoff report");
  if (json_integer_value(json_object_get(totals, "attempts")) !=
      (json_int_t)json_array_size(attempts))
    return bad("totals.attempts is not the number of attempts");
  printf("attempts %zu\ndelays %zu\nstop %s\nsignal %s\nexit %lld\n",
         json_array_size(attempts), json_array_size(delays),
         json_string_value(json_object_get(root, "stop_reason")),
         str_or_dash(json_object_get(root, "stop_signal")),
         (long long)json_integer_value(json_object_get(root, "exit_status")));
  for (i = 0; i < json_array_size(attempts); i++)
    if (attempt(json_array_get(attempts, i), i, &prev_end, delays) != 0)
      return 1;
  printf("waited %.3f\n", json_real_value(json_object_get(totals, "waited")));
  json_decref(root);
  return 0;
}
