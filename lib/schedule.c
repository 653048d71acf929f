/* SPDX-License-Identifier: MIT */
/* The schedule: the one implementation of the retry rules. backoff_run(),
 * the decorator form, the CLI and event-loop callers all advance it:
 * "this attempt returned rc: may I retry, and after how long?" */
#include "config.h"

#include <math.h>
#include <string.h>

#include "internal.h"

enum {
  F_CLOCK = 0x1,       /* start_ns_ is known: report elapsed time */
  F_RNG = 0x2,         /* rng_ is seeded */
  F_PERMANENT = 0x4,   /* the running attempt said: do not retry */
  F_RETRY_AFTER = 0x8, /* the running attempt gave a server delay */
  F_RUNNING = 0x10,    /* begun and not yet fed to next(): one result each */
  F_ON_TIME = 0x20     /* woken by the real clock at the granted instant */
};

/* How late past the granted wake-up a retry may still start once the
 * deadline has passed: room for a timer's rounding and scheduling latency
 * (event loops round timers to milliseconds), not for a stalled caller.
 * Documented in backoff.h and backoff_schedule_begin(3). */
#define WAKE_SLACK_NS 5000000ULL

int backoff__schedule_start(backoff_schedule_t *s,
                            const struct backoff_policy_s *p, int need_clock) {
  s->policy_ = p;
  s->outer_ = NULL;
  s->attempts_ = 0;
  s->flags_ = 0;
  s->last_rc_ = 0;
  s->stop_ = BACKOFF_STOP_NONE;
  s->error_ = 0;
  s->budget_cost_ = 0;
  s->previous_ = 0;
  s->slept_ = 0;
  s->retry_after_ = 0;
  s->deadline_ns_ = UINT64_MAX;
  s->start_ns_ = s->now_ns_ = 0;
  memset(s->reserved_, 0, sizeof(s->reserved_));
  /* The clock is read only when something needs it, so a first-try success
   * without a deadline or report costs no clock read. */
  if (need_clock || p->max_delay_ns != 0) {
    s->start_ns_ = s->now_ns_ = backoff__now(p);
    s->flags_ |= F_CLOCK;
    if (p->max_delay_ns != 0)
      s->deadline_ns_ = s->start_ns_ + p->max_delay_ns;
  }
  return 0;
}

int backoff_schedule_init(backoff_schedule_t *s,
                          const backoff_policy_t *policy) {
  if (s == NULL || policy == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  return backoff__schedule_start(s, policy, 1);
}

static int stop(backoff_schedule_t *s, int why) {
  s->stop_ = why;
  if (s->flags_ & F_CLOCK)
    s->now_ns_ = backoff__now(s->policy_);
  return why;
}

/* 1 (and the schedule stopped) when a retry starts past the deadline and
 * later than the wake-up next() granted by more than WAKE_SLACK_NS. next()
 * refused any wait ending past the deadline, so a retry woken on time is
 * made even a little past it; one woken much later (an event loop that
 * stalled, a sleep callback that overslept, an injected clock that jumped)
 * is not. The blocking loop's real absolute sleep wakes at the granted
 * instant: it skips this clock read, so a retry costs one. */
static int woke_too_late(backoff_schedule_t *s,
                         const struct backoff_policy_s *p) {
  uint64_t now, wake;

  if (p->max_delay_ns == 0 || (s->flags_ & F_ON_TIME))
    return 0;
  now = backoff__now(p);
  wake = s->now_ns_ + (uint64_t)(s->previous_ * 1e9);
  if (now <= s->deadline_ns_ || now <= wake + WAKE_SLACK_NS)
    return 0;
  s->now_ns_ = now;
  s->stop_ = BACKOFF_STOP_DEADLINE;
  return 1;
}

void backoff__schedule_woke_on_time(backoff_schedule_t *s) {
  s->flags_ |= F_ON_TIME;
}

int backoff_schedule_begin(backoff_schedule_t *s) {
  const struct backoff_policy_s *p;

  if (BACKOFF_UNLIKELY(s == NULL || s->policy_ == NULL))
    return backoff__fail(BACKOFF_EINVAL, "schedule not initialised");
  if (s->stop_ != BACKOFF_STOP_NONE)
    return s->stop_;
  /* One result per attempt: a second begin() would count a call that
   * never reported. */
  if (BACKOFF_UNLIKELY(s->flags_ & F_RUNNING))
    return backoff__fail(BACKOFF_ESTATE,
                         "backoff_schedule_begin twice without "
                         "backoff_schedule_next");
  p = s->policy_;
  /* The first call always happens: a cancel stops *retries*. */
  if (s->attempts_ > 0) {
    if (backoff_cancel_requested(p->opt.cancel))
      return stop(s, BACKOFF_STOP_CANCELLED);
    if (woke_too_late(s, p))
      return BACKOFF_STOP_DEADLINE;
  }
  s->attempts_++;
  s->flags_ &= ~(unsigned)(F_PERMANENT | F_RETRY_AFTER | F_ON_TIME);
  s->flags_ |= F_RUNNING;
  return 0;
}

static int is_retryable(const struct backoff_policy_s *p, int rc) {
  size_t i;

  for (i = 0; i < p->opt.stop_on_count; i++)
    if (p->opt.stop_on[i] == rc)
      return 0;
  if (p->opt.retry_on_count == 0 && p->opt.retryable == NULL)
    return 1;
  for (i = 0; i < p->opt.retry_on_count; i++)
    if (p->opt.retry_on[i] == rc)
      return 1;
  return p->opt.retryable != NULL &&
         p->opt.retryable(rc, p->opt.callback_ctx) != 0;
}

/* The delay before the next attempt: the server's word, or the strategy's
 * pipeline with the run's random source (seeded on first use). */
static int next_delay(backoff_schedule_t *s, const struct backoff_policy_s *p,
                      double *d) {
  backoff_random_fn rnd = p->opt.random;
  void *rnd_ctx = p->opt.random_ctx;

  if (s->flags_ & F_RETRY_AFTER) {
    *d = s->retry_after_ > p->strategy->minimum ? s->retry_after_
                                                : p->strategy->minimum;
    return 0;
  }
  if (rnd == NULL) {
    if (!(s->flags_ & F_RNG)) {
      backoff_rng_seed(&s->rng_, (p->opt.flags & BACKOFF_SEEDED)
                                     ? p->opt.seed
                                     : backoff__seed_next());
      s->flags_ |= F_RNG;
    }
    rnd = backoff_rng_uniform;
    rnd_ctx = &s->rng_;
  }
  return backoff__delay(p->strategy, s->attempts_ - 1, s->previous_, rnd,
                        rnd_ctx, d);
}

/* 1 when a wait of d seconds from now would end past the deadline. The
 * time is needed for a deadline, for a report (F_CLOCK) and as the base of
 * the real sleep's absolute wake-up; a loop with an injected sleep and none
 * of those skips the clock read. */
static int past_deadline(backoff_schedule_t *s,
                         const struct backoff_policy_s *p, double d) {
  uint64_t d_ns;

  if (p->max_delay_ns == 0 && !(s->flags_ & F_CLOCK) && p->opt.sleep != NULL)
    return 0;
  s->now_ns_ = backoff__now(p);
  if (!(s->flags_ & F_CLOCK)) {
    s->start_ns_ = s->now_ns_; /* best estimate: the call was just made */
    s->flags_ |= F_CLOCK;
  }
  d_ns = (uint64_t)(d * 1e9);
  return p->max_delay_ns != 0 &&
         (s->now_ns_ > s->deadline_ns_ || d_ns > s->deadline_ns_ - s->now_ns_);
}

int backoff_schedule_next(backoff_schedule_t *s, int rc, double *delay) {
  const struct backoff_policy_s *p;
  double d;
  int err;

  if (delay != NULL)
    *delay = 0;
  if (BACKOFF_UNLIKELY(s == NULL || s->policy_ == NULL || delay == NULL))
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  if (BACKOFF_UNLIKELY(!(s->flags_ & F_RUNNING)))
    return backoff__fail(BACKOFF_ESTATE,
                         "backoff_schedule_next without a begun attempt");
  s->flags_ &= ~(unsigned)F_RUNNING;
  p = s->policy_;
  s->last_rc_ = rc;
  if (BACKOFF_LIKELY(rc == 0)) {
    if (p->opt.budget != NULL)
      backoff__budget_deposit(p->opt.budget, s->attempts_ == 1,
                              s->budget_cost_);
    return stop(s, BACKOFF_STOP_SUCCESS);
  }
  if (s->flags_ & F_PERMANENT)
    return stop(s, BACKOFF_STOP_PERMANENT);
  if (!is_retryable(p, rc))
    return stop(s, BACKOFF_STOP_NOT_RETRYABLE);
  /* Only a retryable failure says the server may be in trouble (gRPC
   * records a failure only for a retryable status, then checks maxAttempts:
   * the last failure of an exhausted call still counts). */
  if (p->opt.budget != NULL)
    backoff__budget_failed(p->opt.budget);
  if (s->attempts_ >= p->opt.max_tries)
    return stop(s, BACKOFF_STOP_EXHAUSTED);
  if (backoff_cancel_requested(p->opt.cancel))
    return stop(s, BACKOFF_STOP_CANCELLED);

  if (BACKOFF_UNLIKELY((err = next_delay(s, p, &d)) != 0)) {
    s->error_ = err;
    stop(s, BACKOFF_STOP_ERROR);
    return err;
  }
  if (past_deadline(s, p, d))
    return stop(s, BACKOFF_STOP_DEADLINE);
  if (p->opt.budget != NULL &&
      !backoff__budget_withdraw(p->opt.budget, rc, &s->budget_cost_))
    return stop(s, BACKOFF_STOP_BUDGET);
  s->previous_ = d;
  s->slept_ += d;
  *delay = d;
  return 0;
}

int backoff_schedule_permanent(backoff_schedule_t *s) {
  if (s == NULL || s->policy_ == NULL || !(s->flags_ & F_RUNNING))
    return backoff__fail(BACKOFF_ESTATE, "no attempt is running");
  s->flags_ |= F_PERMANENT;
  return 0;
}

int backoff_schedule_retry_after(backoff_schedule_t *s, double seconds) {
  if (s == NULL || s->policy_ == NULL || !(s->flags_ & F_RUNNING))
    return backoff__fail(BACKOFF_ESTATE, "no attempt is running");
  if (!(seconds >= 0))
    return backoff__fail(BACKOFF_EINVAL, "retry-after %g s is not >= 0",
                         seconds);
  if (seconds > BACKOFF_DELAY_MAX)
    return backoff__fail(BACKOFF_ERANGE, "retry-after %g s is above %g s",
                         seconds, BACKOFF_DELAY_MAX);
  s->retry_after_ = seconds;
  s->flags_ |= F_RETRY_AFTER;
  return 0;
}

uint64_t backoff_schedule_wake_ns(const backoff_schedule_t *s) {
  /* Derived: next() leaves the time it checked in now_ns_ and the delay it
   * granted in previous_. */
  if (s == NULL || s->policy_ == NULL || s->attempts_ == 0 ||
      s->stop_ != BACKOFF_STOP_NONE || (s->flags_ & F_RUNNING) ||
      !(s->flags_ & F_CLOCK))
    return 0;
  return s->now_ns_ + (uint64_t)(s->previous_ * 1e9);
}

unsigned int backoff_schedule_attempts(const backoff_schedule_t *s) {
  return s ? s->attempts_ : 0;
}

int backoff__schedule_result(const backoff_schedule_t *s, int failure_code) {
  if (s->stop_ == BACKOFF_STOP_SUCCESS)
    return 0;
  if (s->stop_ == BACKOFF_STOP_ERROR)
    return s->error_;
  return failure_code != 0 ? failure_code : s->last_rc_;
}

void backoff__schedule_interrupt(backoff_schedule_t *s, int err,
                                 double unslept) {
  s->slept_ -= unslept;
  if (unslept > 0) /* the report's last_delay: the wait actually made */
    s->previous_ -= unslept;
  if (err < 0) {
    s->error_ = err;
    stop(s, BACKOFF_STOP_ERROR);
  } else {
    stop(s, BACKOFF_STOP_CANCELLED);
  }
}

void backoff__report_out(backoff_report_t *dst, const backoff_report_t *src) {
  memcpy(dst, src, offsetof(backoff_report_t, reserved_));
}

void backoff__report_fill(const backoff_schedule_t *s, backoff_report_t *r,
                          int failure_code) {
  memset(r, 0, sizeof(*r));
  r->result = backoff__schedule_result(s, failure_code);
  r->last_rc = s->last_rc_;
  r->stop = (backoff_stop_t)s->stop_;
  r->error = s->error_;
  r->attempts = s->attempts_;
  r->slept = s->slept_;
  r->last_delay = s->previous_;
  if ((s->flags_ & F_CLOCK) && s->now_ns_ > s->start_ns_)
    r->elapsed = (double)(s->now_ns_ - s->start_ns_) / 1e9;
}

void backoff_schedule_report(const backoff_schedule_t *s,
                             backoff_report_t *report) {
  backoff_report_t r;

  if (report == NULL)
    return;
  if (s == NULL)
    memset(&r, 0, sizeof(r));
  else
    backoff__report_fill(s, &r, 0);
  backoff__report_out(report, &r);
}

const char *backoff_stop_name(backoff_stop_t stop) {
  static const char *const names[] = {
      "none",      "success",   "exhausted", "deadline", "not-retryable",
      "permanent", "cancelled", "budget",    "error"};
  if ((unsigned)stop >= sizeof(names) / sizeof(names[0]))
    return "unknown";
  return names[stop];
}
