/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the shm: budget header. The input becomes the shared
 * memory object's bytes, then goes through backoff_budget_open() exactly
 * as another process's object would: with and without
 * BACKOFF_BUDGET_ATTACH, then used. Invariants: never a crash; an open
 * either succeeds on an object of the layout's size whose count is within
 * [0, capacity], or fails with ECORRUPT (EMISMATCH for a valid object of
 * other settings) and a message, leaving the handle NULL. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int nosleep(double s, void *ctx) {
  (void)s;
  (void)ctx;
  return 0;
}
static int fail(void *arg) {
  (void)arg;
  return 1;
}

static void use(backoff_budget_t *b) {
  backoff_budget_options_t got;
  backoff_options_t o;
  backoff_report_t r;
  double t = backoff_budget_tokens(b);
  int rc;

  if (backoff_budget_settings(b, &got) != 0 || t < 0)
    abort();
  if (got.kind == BACKOFF_BUDGET_TOKEN_BUCKET && t > got.capacity)
    abort();
  memset(&o, 0, sizeof(o));
  o.strategy_handle = NULL;
  o.max_tries = 3;
  o.sleep = nosleep;
  o.budget = b;
  o.strategy = "fixed";
  o.report = &r;
  /* The budget is used: the call ends with the operation's own failure,
   * its tries spent or a retry refused (BACKOFF_PLUGIN_PATH finds fixed). */
  rc = backoff(fail, NULL, &o);
  if (rc != 1 ||
      (r.stop != BACKOFF_STOP_EXHAUSTED && r.stop != BACKOFF_STOP_BUDGET)) {
    fprintf(stderr, "backoff() on an open budget: %d, %s (%s)\n", rc,
            backoff_stop_name(r.stop), backoff_last_error());
    abort();
  }
}

static void try_open(const char *spec, unsigned flags) {
  backoff_budget_options_t bo;
  backoff_budget_t *b = (backoff_budget_t *)&bo;
  int rc;

  memset(&bo, 0, sizeof(bo));
  bo.flags = flags;
  rc = backoff_budget_open(&b, spec, &bo);
  if (rc == 0) {
    use(b);
    backoff_budget_free(b);
    return;
  }
  if (b != NULL || backoff_last_error()[0] == '\0' ||
      (rc != BACKOFF_ECORRUPT && rc != BACKOFF_EMISMATCH))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char spec[64], path[128];
  int fd;

  snprintf(spec, sizeof(spec), "shm:fuzz-%ld", (long)getpid());
  snprintf(path, sizeof(path), "/dev/shm/backoff-budget.%s", spec + 4);
  fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    abort();
  if (size > 0 && write(fd, data, size) != (ssize_t)size)
    abort();
  close(fd);
  try_open(spec, BACKOFF_BUDGET_ATTACH);
  try_open(spec, 0);
  unlink(path);
  return 0;
}
