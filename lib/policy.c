/* SPDX-License-Identifier: MIT */
/* Policies: options validated once into an immutable struct that any
 * number of threads may run under. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CODES_MAX 4096 /* retry_on / stop_on entries */

static const backoff_options_t defaults; /* all zero: every default */

/* The pipeline settings the options may carry instead of a handle. */
static int apply_pipeline(struct backoff_strategy_s *s,
                          const backoff_options_t *o) {
  int rc;

  if (o->params != NULL && (rc = backoff_strategy_configure(s, o->params)) != 0)
    return rc;
  if (o->jitter != BACKOFF_JITTER_DEFAULT &&
      (rc = backoff_strategy_set_jitter(s, o->jitter)) != 0)
    return rc;
  if (o->jitter_factor != 0 &&
      (!(o->jitter_factor > 0) || o->jitter_factor > 1))
    return backoff__fail(BACKOFF_EINVAL, "jitter_factor=%g must be in (0, 1]",
                         o->jitter_factor);
  if (o->jitter_factor != 0)
    s->jitter_factor = o->jitter_factor;
  if (o->scale_factor != 0 &&
      (rc = backoff_strategy_set(s, "scale_factor", o->scale_factor)) != 0)
    return BACKOFF_EINVAL;
  if (o->minimum != 0 &&
      (rc = backoff_strategy_set(s, "minimum", o->minimum)) != 0)
    return BACKOFF_EINVAL;
  if (o->cap != 0 && (rc = backoff_strategy_set(s, "cap", o->cap)) != 0)
    return BACKOFF_EINVAL;
  return 0;
}

static int check_codes(const char *what, const int *codes, size_t n) {
  if (n > 0 && codes == NULL)
    return backoff__fail(BACKOFF_EINVAL, "%s_count is %zu but %s is NULL",
                         what, n, what);
  if (n > CODES_MAX)
    return backoff__fail(BACKOFF_EINVAL, "%s holds %zu codes (at most %d)",
                         what, n, CODES_MAX);
  return 0;
}

int backoff__policy_init(struct backoff_policy_s *p,
                         const backoff_options_t *o) {
  size_t i;
  int rc;

  memset(p, 0, offsetof(struct backoff_policy_s, own_strategy));
  p->own_strategy.module = NULL;
  if (o == NULL)
    o = &defaults;
  for (i = 0; i < sizeof(o->reserved_) / sizeof(o->reserved_[0]); i++)
    if (o->reserved_[i] != NULL)
      return backoff__fail(BACKOFF_EINVAL,
                           "options.reserved_ must be zero (use designated "
                           "initializers)");

  /* Numbers first: they cost nothing to check and need no plugin. */
  if (!(o->max_delay >= 0))
    return backoff__fail(BACKOFF_EINVAL,
                         "max_delay=%g must be >= 0 seconds (0: default, "
                         "INFINITY: no limit)",
                         o->max_delay);
  if (isfinite(o->max_delay) && o->max_delay > BACKOFF_DELAY_MAX)
    return backoff__fail(BACKOFF_EINVAL,
                         "max_delay=%g is above %g s (use INFINITY for no "
                         "limit)",
                         o->max_delay, BACKOFF_DELAY_MAX);
  if (!(o->scale_factor >= 0) || !(o->minimum >= 0) || !(o->cap >= 0) ||
      !(o->jitter_factor >= 0))
    return backoff__fail(BACKOFF_EINVAL,
                         "scale_factor, minimum, cap and jitter_factor must "
                         "be >= 0 and not NaN");
  if ((unsigned)o->jitter > BACKOFF_JITTER_PROPORTIONAL)
    return backoff__fail(BACKOFF_EINVAL, "unknown jitter mode %d",
                         (int)o->jitter);
  if ((rc = check_codes("retry_on", o->retry_on, o->retry_on_count)) != 0 ||
      (rc = check_codes("stop_on", o->stop_on, o->stop_on_count)) != 0)
    return rc;
  if (o->on_failure != NULL && o->failure_code != 0)
    return backoff__fail(BACKOFF_EINVAL,
                         "give on_failure or failure_code, not both");
  if (o->strategy_handle != NULL &&
      (o->strategy != NULL || o->params != NULL ||
       o->jitter != BACKOFF_JITTER_DEFAULT || o->jitter_factor != 0 ||
       o->scale_factor != 0 || o->minimum != 0 || o->cap != 0))
    return backoff__fail(BACKOFF_EINVAL,
                         "strategy_handle carries the strategy settings: do "
                         "not also give strategy, params, jitter, "
                         "jitter_factor, scale_factor, minimum or cap");

  if (o->max_tries != 0) {
    p->max_tries = o->max_tries;
  } else {
    if ((rc = backoff__env_tries(&p->max_tries)) != 0)
      return rc;
    if (p->max_tries == 0)
      p->max_tries = 3;
  }
  if (isinf(o->max_delay)) {
    p->max_delay_ns = 0;
  } else {
    double d = o->max_delay;
    if (d == 0 && (rc = backoff__env_delay(&d)) != 0)
      return rc;
    p->max_delay_ns = (uint64_t)llround(d * 1e9);
    if (d > 0 && p->max_delay_ns == 0)
      p->max_delay_ns = 1;
  }

  p->retry_on = o->retry_on;
  p->retry_on_count = o->retry_on_count;
  p->stop_on = o->stop_on;
  p->stop_on_count = o->stop_on_count;
  p->retryable = o->retryable;
  p->on_retry = o->on_retry;
  p->on_success = o->on_success;
  p->on_failure = o->on_failure;
  p->failure_code = o->failure_code;
  p->callback_ctx = o->callback_ctx;
  p->retry_fn = o->retry_fn;
  p->retry_arg = o->retry_arg;
  p->clock = o->clock;
  p->clock_ctx = o->clock_ctx;
  p->sleep = o->sleep;
  p->sleep_ctx = o->sleep_ctx;
  p->random = o->random;
  p->random_ctx = o->random_ctx;
  p->seed = o->seed;
  p->seeded = (o->flags & BACKOFF_SEEDED) != 0;
  p->cancel = o->cancel;
  p->budget = o->budget;
  if ((o->flags & ~BACKOFF_SEEDED) != 0)
    return backoff__fail(BACKOFF_EINVAL, "unknown flags 0x%x",
                         o->flags & ~BACKOFF_SEEDED);

  /* The strategy last: loading it is the only costly step. */
  if (o->strategy_handle != NULL) {
    p->strategy = o->strategy_handle;
  } else {
    rc = backoff__strategy_init(&p->own_strategy,
                                o->strategy ? o->strategy : "exponential");
    if (rc != 0)
      return rc;
    p->strategy = &p->own_strategy;
    if ((rc = apply_pipeline(&p->own_strategy, o)) != 0) {
      backoff__strategy_release(&p->own_strategy);
      return rc;
    }
  }
  if ((rc = backoff__strategy_check(p->strategy)) != 0) {
    backoff__strategy_release(&p->own_strategy);
    return rc;
  }
  return 0;
}

void backoff__policy_release(struct backoff_policy_s *p) {
  backoff__strategy_release(&p->own_strategy);
  free(p->owned_codes);
  p->owned_codes = NULL;
}

int backoff_policy_new(backoff_policy_t **out,
                       const backoff_options_t *options) {
  backoff_policy_t *p;
  size_t n;
  int rc;

  if (out == NULL)
    return backoff__fail(BACKOFF_EINVAL, "out is NULL");
  *out = NULL;
  backoff__clear_error();
  p = malloc(sizeof(*p));
  if (p == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory building a policy");
  if ((rc = backoff__policy_init(p, options)) != 0) {
    free(p);
    return rc;
  }
  /* The policy outlives the options: own copies of what they point to. */
  if (p->strategy != &p->own_strategy) {
    backoff__strategy_copy(&p->own_strategy, p->strategy);
    backoff__module_ref(p->own_strategy.module);
    p->strategy = &p->own_strategy;
  }
  n = p->retry_on_count + p->stop_on_count;
  if (n > 0) {
    p->owned_codes = malloc(n * sizeof(int));
    if (p->owned_codes == NULL) {
      backoff__policy_release(p);
      free(p);
      return backoff__fail(BACKOFF_ENOMEM, "out of memory building a policy");
    }
    if (p->retry_on_count)
      memcpy(p->owned_codes, p->retry_on, p->retry_on_count * sizeof(int));
    if (p->stop_on_count)
      memcpy(p->owned_codes + p->retry_on_count, p->stop_on,
             p->stop_on_count * sizeof(int));
    p->retry_on = p->owned_codes;
    p->stop_on = p->owned_codes + p->retry_on_count;
  }
  *out = p;
  return 0;
}

void backoff_policy_free(backoff_policy_t *p) {
  if (p == NULL)
    return;
  backoff__policy_release(p);
  free(p);
}

const backoff_strategy_t *backoff_policy_strategy(const backoff_policy_t *p) {
  return p ? p->strategy : NULL;
}

unsigned int backoff_policy_max_tries(const backoff_policy_t *p) {
  return p ? p->max_tries : 0;
}

double backoff_policy_max_delay(const backoff_policy_t *p) {
  return p ? (double)p->max_delay_ns / 1e9 : 0;
}
