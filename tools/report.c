/* SPDX-License-Identifier: MIT */
/* --report FILE (see report.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "cli_parse.h"
#include "report.h"

#ifdef HAVE_JANSSON
#include <jansson.h>

struct backoff_cli_report_s {
  FILE *f;
  char *path;
  json_t *root, *attempts, *delays;
  double slept;
  int oom; /* a json_* allocation failed: said at the end */
};

static void add(backoff_cli_report_t *r, json_t *into, json_t *v) {
  if (v == NULL || json_array_append_new(into, v) != 0)
    r->oom = 1;
}

static void set(backoff_cli_report_t *r, json_t *obj, const char *key,
                json_t *v) {
  if (v == NULL || json_object_set_new(obj, key, v) != 0)
    r->oom = 1;
}

int backoff_cli_report_open(backoff_cli_report_t **out, const char *path,
                            char *const argv[], char *err, size_t errlen) {
  backoff_cli_report_t *r;
  json_t *cmd;
  size_t i;

  *out = NULL;
  if ((r = calloc(1, sizeof(*r))) == NULL || (r->path = strdup(path)) == NULL)
    goto fail_alloc;
  if ((r->f = fopen(path, "we")) == NULL) {
    snprintf(err, errlen, "--report '%s': %s", path, strerror(errno));
    goto fail_open;
  }
  r->root = json_object();
  r->attempts = json_array();
  r->delays = json_array();
  cmd = json_array();
  if (r->root == NULL || r->attempts == NULL || r->delays == NULL ||
      cmd == NULL)
    r->oom = 1;
  for (i = 0; cmd != NULL && argv[i] != NULL; i++)
    add(r, cmd, json_string(argv[i]));
  if (r->root != NULL)
    set(r, r->root, "command", cmd);
  *out = r;
  return 0;

fail_open:
  free(r->path);
  free(r);
  return -1;
fail_alloc:
  free(r);
  snprintf(err, errlen, "--report: out of memory");
  return -1;
}

static double seconds(uint64_t ns) { return (double)ns / 1e9; }

void backoff_cli_report_attempt(backoff_cli_report_t *r,
                                const backoff_child_result_t *res, int rc,
                                uint64_t t0) {
  json_t *a;
  const int sig = res->spawn_errno == 0 && WIFSIGNALED(res->status)
                      ? WTERMSIG(res->status)
                      : 0;
  const char *name = sig != 0 ? backoff_cli_signal_name(sig) : NULL;

  if (r == NULL)
    return;
  if ((a = json_object()) == NULL) {
    r->oom = 1;
    return;
  }
  set(r, a, "number",
      json_integer((json_int_t)json_array_size(r->attempts) + 1));
  set(r, a, "start", json_real(seconds(res->start_ns - t0)));
  set(r, a, "duration", json_real(seconds(res->end_ns - res->start_ns)));
  set(r, a, "status", json_integer(rc));
  set(r, a, "exit_status",
      res->spawn_errno == 0 && WIFEXITED(res->status)
          ? json_integer(WEXITSTATUS(res->status))
          : json_null());
  set(r, a, "signal",
      sig == 0       ? json_null()
      : name != NULL ? json_string(name)
                     : json_integer(sig));
  set(r, a, "timed_out", json_boolean(res->timed_out));
  set(r, a, "killed", json_boolean(res->killed));
  if (res->spawn_errno != 0)
    set(r, a, "error", json_string(strerror(res->spawn_errno)));
  add(r, r->attempts, a);
}

void backoff_cli_report_delay(backoff_cli_report_t *r, double delay) {
  if (r == NULL)
    return;
  r->slept += delay;
  add(r, r->delays, json_real(delay));
}

static json_t *totals(backoff_cli_report_t *r, uint64_t t0) {
  json_t *t = json_object();
  if (t == NULL)
    return NULL;
  set(r, t, "attempts",
      json_integer((json_int_t)json_array_size(r->attempts)));
  set(r, t, "waited", json_real(r->slept));
  set(r, t, "elapsed", json_real(seconds(backoff_clock_ns() - t0)));
  return t;
}

int backoff_cli_report_finish(backoff_cli_report_t *r, const char *stop,
                              int stop_signal, const char *refused, int status,
                              uint64_t t0, char *err, size_t errlen) {
  const char *sig = stop_signal ? backoff_cli_signal_name(stop_signal) : NULL;
  int rc = -1;

  if (r == NULL)
    return 0;
  if (r->root == NULL)
    goto out;
  set(r, r->root, "attempts", json_incref(r->attempts));
  set(r, r->root, "delays", json_incref(r->delays));
  set(r, r->root, "stop_reason", json_string(stop));
  set(r, r->root, "stop_detail", refused ? json_string(refused) : json_null());
  set(r, r->root, "stop_signal", sig ? json_string(sig) : json_null());
  set(r, r->root, "exit_status", json_integer(status));
  set(r, r->root, "totals", totals(r, t0));
  if (!r->oom &&
      json_dumpf(r->root, r->f, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) ==
          0 &&
      fputc('\n', r->f) != EOF)
    rc = 0;
out:
  if (fclose(r->f) != 0)
    rc = -1;
  if (rc != 0)
    snprintf(err, errlen, "cannot write the report '%s': %s", r->path,
             r->oom ? "out of memory" : strerror(errno));
  json_decref(r->root);
  json_decref(r->attempts);
  json_decref(r->delays);
  free(r->path);
  free(r);
  return rc;
}

#else /* !HAVE_JANSSON */

int backoff_cli_report_open(backoff_cli_report_t **out, const char *path,
                            char *const argv[], char *err, size_t errlen) {
  (void)path, (void)argv;
  *out = NULL;
  snprintf(err, errlen,
           "--report: this backoff was built without jansson (JSON)");
  return -1;
}

void backoff_cli_report_attempt(backoff_cli_report_t *r,
                                const backoff_child_result_t *res, int rc,
                                uint64_t t0) {
  (void)r, (void)res, (void)rc, (void)t0;
}

void backoff_cli_report_delay(backoff_cli_report_t *r, double delay) {
  (void)r, (void)delay;
}

int backoff_cli_report_finish(backoff_cli_report_t *r, const char *stop,
                              int stop_signal, const char *refused, int status,
                              uint64_t t0, char *err, size_t errlen) {
  (void)r, (void)stop, (void)stop_signal, (void)refused, (void)status;
  (void)t0, (void)err, (void)errlen;
  return 0;
}

#endif /* HAVE_JANSSON */
