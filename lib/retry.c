/* SPDX-License-Identifier: MIT */
/* The blocking forms: backoff(), backoff_run(), backoff_apply(), and the
 * attempt context an operation reaches through a thread-local pointer. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The innermost running attempt of this thread. initial-exec: the common
 * case links libbackoff at start-up, and it makes this one TLS access an
 * offset from the thread pointer instead of a __tls_get_addr call. */
static __thread backoff_schedule_t *current
    __attribute__((tls_model("initial-exec")));

/* What the call returns: the schedule's result, or on_failure's word. The
 * callbacks see the library's own report; the caller's gets its fields. */
static int finish(backoff_schedule_t *s, backoff_report_t *report) {
  const struct backoff_policy_s *p = s->policy_;
  backoff_report_t r;

  /* Nobody reads a report: skip building one (the decorator's and
   * backoff_run()'s common case). */
  if (report == NULL && p->opt.on_success == NULL && p->opt.on_failure == NULL)
    return backoff__schedule_result(s, p->opt.failure_code);
  backoff__report_fill(s, &r, p->opt.failure_code);
  if (r.stop == BACKOFF_STOP_SUCCESS) {
    if (p->opt.on_success)
      p->opt.on_success(&r, p->opt.callback_ctx);
  } else if (r.stop != BACKOFF_STOP_ERROR && p->opt.on_failure) {
    r.result = p->opt.on_failure(&r, p->opt.callback_ctx);
  }
  if (report != NULL)
    backoff__report_out(report, &r);
  return r.result;
}

/* Waits delay seconds before the next attempt: 0 when the time has passed,
 * 1 when cancelled (*unslept: the part not waited), or a BACKOFF_E*. */
static int wait_delay(const struct backoff_policy_s *p,
                      const backoff_schedule_t *s, double delay,
                      double *unslept) {
  uint64_t from;
  int r;

  *unslept = 0;
  if (p->opt.sleep) {
    /* The header's contract: any non-zero answer means "stop, as
     * cancelled"; a user's -1 is not a library error. */
    return p->opt.sleep(delay, p->opt.sleep_ctx) != 0;
  }
  /* The real sleep needs the real clock: an injected one may read anything
   * (0, a simulation's time) and would make the absolute deadline
   * meaningless. */
  from = p->opt.clock ? backoff_clock_ns() : s->now_ns_;
  r = backoff_sleep_until(from + (uint64_t)(delay * 1e9), p->opt.cancel);
  if (r == 1) { /* count only the part actually waited */
    const uint64_t now = backoff_clock_ns();
    const double waited = now > from ? (double)(now - from) / 1e9 : 0;
    if (waited < delay)
      *unslept = delay - waited;
  }
  return r;
}

/* The loop shared by every blocking form. */
static int run(const struct backoff_policy_s *p, backoff_fn fn, void *arg,
               backoff_report_t *report) {
  backoff_schedule_t s;
  double delay;
  int rc, r;

  backoff__schedule_start(
      &s, p, report != NULL || p->opt.on_success || p->opt.on_failure);
  s.outer_ = current;
  current = &s;
  for (;;) {
    double unslept;
    if (backoff_schedule_begin(&s) != 0)
      break;
    rc = fn(arg);
    if (backoff_schedule_next(&s, rc, &delay) != 0)
      break;
    if (p->opt.on_retry)
      p->opt.on_retry(s.attempts_, rc, delay, p->opt.callback_ctx);
    r = wait_delay(p, &s, delay, &unslept);
    if (r != 0) {
      backoff__schedule_interrupt(&s, r, unslept);
      break;
    }
    /* Only the real sleep on the real clock wakes at the granted instant;
     * an injected sleep or clock may come back at any time. */
    if (p->opt.sleep == NULL && p->opt.clock == NULL)
      backoff__schedule_woke_on_time(&s);
    if (p->opt.retry_fn)
      fn = p->opt.retry_fn;
    if (p->opt.retry_arg)
      arg = p->opt.retry_arg;
  }
  current = s.outer_;
  return finish(&s, report);
}

static int fail_early(int err, backoff_report_t *report) {
  if (report != NULL) {
    backoff_report_t r;
    memset(&r, 0, sizeof(r));
    r.result = err;
    r.stop = BACKOFF_STOP_ERROR;
    r.error = err;
    backoff__report_out(report, &r);
  }
  return err;
}

int backoff_run(const backoff_policy_t *policy, backoff_fn fn, void *arg,
                backoff_report_t *report) {
  if (BACKOFF_UNLIKELY(policy == NULL || fn == NULL))
    return fail_early(
        backoff__fail(BACKOFF_EINVAL, "backoff_run: NULL policy or function"),
        report);
  return run(policy, fn, arg, report);
}

int backoff(backoff_fn fn, void *arg, const backoff_options_t *options) {
  struct backoff_policy_s p;
  backoff_report_t *report = options ? options->report : NULL;
  int rc;

  if (fn == NULL)
    return fail_early(backoff__fail(BACKOFF_EINVAL, "backoff: fn is NULL"),
                      report);
  /* A policy on the stack that borrows from the options: checked like any
   * other, without allocating. */
  rc = backoff__policy_init(&p, options, 1);
  if (rc != 0)
    return fail_early(rc, report);
  rc = run(&p, fn, arg, report);
  backoff__policy_release(&p);
  return rc;
}

int backoff_apply(backoff_apply_t *bound, backoff_fn fn, void *arg) {
  backoff_policy_t *p, *mine;
  int rc;

  if (BACKOFF_UNLIKELY(bound == NULL || fn == NULL))
    return backoff__fail(BACKOFF_EINVAL, "backoff_apply: NULL argument");
  p = __atomic_load_n(&bound->policy_, __ATOMIC_ACQUIRE);
  if (BACKOFF_UNLIKELY(p == NULL)) {
    /* First use: build, then publish with one CAS. A thread that loses the
     * race frees its copy and uses the winner's. */
    if ((rc = backoff_policy_new(&mine, bound->options_)) != 0)
      return rc;
    p = NULL;
    if (__atomic_compare_exchange_n(&bound->policy_, &p, mine, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      p = mine;
    } else {
      backoff_policy_free(mine);
    }
  }
  return run(p, fn, arg, NULL);
}

/* ---- the attempt context ---------------------------------------------- */

unsigned int backoff_attempt_number(void) {
  return current ? current->attempts_ : 0;
}

int backoff_attempt_permanent(void) {
  if (current == NULL)
    return backoff__fail(BACKOFF_ESTATE,
                         "backoff_attempt_permanent outside an operation");
  return backoff_schedule_permanent(current);
}

int backoff_attempt_retry_after(double seconds) {
  if (current == NULL)
    return backoff__fail(BACKOFF_ESTATE,
                         "backoff_attempt_retry_after outside an operation");
  return backoff_schedule_retry_after(current, seconds);
}
