/* SPDX-License-Identifier: MIT */
/* From a plugin's base delay to the time actually waited:
 * base -> jitter -> scale_factor -> minimum -> cap, saturated at
 * BACKOFF_DELAY_MAX. Runs on every retry: no allocation, no lock. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "internal.h"

const char *backoff_jitter_name(backoff_jitter_t mode) {
  const char *name = backoff__jitter_mode_name((int)mode);
  return name ? name : "unknown";
}

int backoff_jitter_parse(const char *name, backoff_jitter_t *mode) {
  int m;

  if (mode != NULL)
    *mode = BACKOFF_JITTER_DEFAULT;
  if (name == NULL || mode == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  if ((m = backoff__jitter_mode_parse(name, strlen(name))) < 0)
    return backoff__fail(BACKOFF_ESYNTAX, "unknown jitter mode '%.32s' (%s)",
                         name, BACKOFF__JITTER_MODES);
  *mode = (backoff_jitter_t)m;
  return 0;
}

/* The random source as a plugin sees it: a value outside [0, 1) (a broken
 * injected source) is replaced by 0, so the plugin computes something
 * harmless, and remembered, so the core reports BACKOFF_ERANDOM instead of
 * a delay built on garbage. */
typedef struct {
  backoff_random_fn rnd;
  void *ctx;
  double bad;
  int nbad;
} guard_t;

static double guarded_uniform(void *p) {
  guard_t *g = p;
  const double u = g->rnd(g->ctx);
  if (BACKOFF_LIKELY(u >= 0 && u < 1))
    return u;
  if (g->nbad++ == 0)
    g->bad = u;
  return 0;
}

int backoff__delay(const struct backoff_strategy_s *s, unsigned int n,
                   double previous, backoff_random_fn rnd, void *rnd_ctx,
                   double *delay) {
  guard_t guard = {rnd, rnd_ctx, 0, 0};
  const backoff_delay_args_t args = {
      sizeof(args),    n,     s->values, s->module->nparams, previous,
      guarded_uniform, &guard};
  const double cap = s->cap > 0 ? s->cap : BACKOFF_DELAY_MAX;
  const double scale = s->scale_factor;
  double base, b, d, u = 0;

  *delay = 0;
  base = s->module->compute(&args);
  if (BACKOFF_UNLIKELY(guard.nbad != 0))
    return backoff__fail(BACKOFF_ERANDOM,
                         "random source returned %g, outside [0, 1) (drawn "
                         "by strategy %s)",
                         guard.bad, s->name);
  /* !(base >= 0) also catches NaN. */
  if (BACKOFF_UNLIKELY(!(base >= 0) || isinf(base)))
    return backoff__fail(BACKOFF_EDELAY,
                         "strategy %s (%s): compute_delay(n=%u) returned %g",
                         s->name, s->module->path, n, base);
  if (s->jitter != BACKOFF_JITTER_NONE) {
    u = rnd(rnd_ctx);
    if (BACKOFF_UNLIKELY(!(u >= 0 && u < 1)))
      return backoff__fail(BACKOFF_ERANDOM,
                           "random source returned %g, outside [0, 1)", u);
  }
  /* Scaling first is the same arithmetic for every mode (the jitter term
   * scales with it) and lets the cap be applied before the random part, so
   * the cap shifts the jitter window instead of clipping it. */
  b = base * scale;
  if (!(b <= cap))
    b = cap;
  switch (s->jitter) {
  case BACKOFF_JITTER_NONE:
    d = b;
    break;
  case BACKOFF_JITTER_FULL:
    d = u * b;
    break;
  case BACKOFF_JITTER_EQUAL:
    d = b * 0.5 + u * b * 0.5;
    break;
  case BACKOFF_JITTER_PROPORTIONAL: {
    const double f = s->jitter_factor;
    if (b * (1 + f) > cap)
      b = cap / (1 + f);
    d = b * (1 - f + 2 * f * u);
    break;
  }
  default: { /* additive: (base + U[0,1)) * scale, a window of width scale */
    const double w = scale;
    if (b + w <= cap) {
      d = b + u * w;
    } else {
      /* Below the cap, never wider than half of it: a cap narrower than
       * the window must not turn a deep retry into an immediate one. */
      const double ww = w <= cap * 0.5 ? w : cap * 0.5;
      d = cap - ww + u * ww;
    }
    break;
  }
  }
  if (d < s->minimum)
    d = s->minimum;
  if (d > cap)
    d = cap;
  *delay = d;
  return 0;
}

int backoff_strategy_delay(const backoff_strategy_t *s, unsigned int n,
                           double previous, backoff_random_fn rnd,
                           void *rnd_ctx, double *delay) {
  int rc;

  if (delay != NULL)
    *delay = 0;
  if (s == NULL || delay == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  if (!(previous >= 0) || isinf(previous))
    return backoff__fail(BACKOFF_EINVAL, "previous delay %g is not >= 0",
                         previous);
  if ((rc = backoff__strategy_check(s)) != 0)
    return rc;
  if (rnd == NULL)
    rnd = backoff__thread_uniform;
  return backoff__delay(s, n, previous, rnd, rnd_ctx, delay);
}
