/* Retry budgets, shared between threads without a lock: the token count is
 * one atomic integer (in thousandths of a token, so the ratio throttle's
 * fractional refills stay exact) changed by compare-and-swap. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MILLI 1000
/* Whole tokens: a schedule adds up what its retries cost in an int, and
 * a cost is at most the capacity, so this keeps one retry's price far from
 * INT_MAX; the running sum saturates (see withdraw). */
#define BUDGET_MAX 1000000000

struct backoff_budget_s {
  int64_t tokens; /* milli-tokens; atomic */
  backoff_budget_kind_t kind;
  int64_t capacity, retry_cost, timeout_cost, success_refund; /* milli */
  int64_t threshold; /* ratio: retries need tokens > threshold */
  int64_t ratio;     /* ratio: milli-tokens per success */
  size_t ntimeout;
  int timeout_codes[];
};

int backoff_budget_new(backoff_budget_t **out,
                       const backoff_budget_options_t *o) {
  static const backoff_budget_options_t defaults;
  backoff_budget_t *b;
  size_t n;

  if (out == NULL)
    return backoff__fail(BACKOFF_EINVAL, "out is NULL");
  *out = NULL;
  if (o == NULL)
    o = &defaults;
  if (!BACKOFF__ROOM_IS_ZERO(o))
    return backoff__fail(BACKOFF_EINVAL, "budget options.reserved_ must be "
                                         "zero (use designated initializers)");
  n = o->timeout_codes_count;
  if ((n > 0 && o->timeout_codes == NULL) || n > 4096)
    return backoff__fail(BACKOFF_EINVAL,
                         "timeout_codes: %zu codes (at most 4096, non-NULL)",
                         n);
  if (o->kind != BACKOFF_BUDGET_TOKEN_BUCKET && o->kind != BACKOFF_BUDGET_RATIO)
    return backoff__fail(BACKOFF_EINVAL, "unknown budget kind %d",
                         (int)o->kind);
  if (!(o->max_tokens >= 0) || o->max_tokens > 1e9 ||
      !(o->token_ratio >= 0) || o->token_ratio > 1e9)
    return backoff__fail(BACKOFF_EINVAL,
                         "max_tokens=%g and token_ratio=%g must be in "
                         "[0, 1e9]",
                         o->max_tokens, o->token_ratio);
  b = malloc(sizeof(*b) + n * sizeof(int));
  if (b == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory building a budget");
  b->kind = o->kind;
  b->capacity = (int64_t)(o->capacity ? o->capacity : 500) * MILLI;
  b->retry_cost = (int64_t)(o->retry_cost ? o->retry_cost : 5) * MILLI;
  b->timeout_cost = (int64_t)(o->timeout_cost ? o->timeout_cost : 10) * MILLI;
  b->success_refund =
      (int64_t)(o->success_refund ? o->success_refund : 1) * MILLI;
  b->ratio = 0;
  b->threshold = 0;
  if (b->kind == BACKOFF_BUDGET_RATIO) {
    double max = o->max_tokens > 0 ? o->max_tokens : 10;
    double ratio = o->token_ratio > 0 ? o->token_ratio : 0.1;
    b->capacity = llround(max * MILLI);
    b->ratio = llround(ratio * MILLI);
    b->threshold = b->capacity / 2;
    if (b->capacity < 1 || b->ratio < 1) {
      free(b);
      return backoff__fail(BACKOFF_EINVAL,
                           "max_tokens and token_ratio must be >= 0.001");
    }
  } else if (b->capacity > (int64_t)BUDGET_MAX * MILLI ||
             b->success_refund > (int64_t)BUDGET_MAX * MILLI) {
    free(b);
    return backoff__fail(BACKOFF_EINVAL,
                         "capacity and success_refund must not exceed %d "
                         "tokens",
                         BUDGET_MAX);
  } else if (b->retry_cost > b->capacity ||
             ((n > 0 || o->timeout_cost != 0) &&
              b->timeout_cost > b->capacity)) {
    /* timeout_cost only prices the timeout codes: without any, its
     * default (10) must not refuse a small bucket. */
    const long long cap = (long long)(b->capacity / MILLI);
    free(b);
    return backoff__fail(BACKOFF_EINVAL,
                         "retry_cost and timeout_cost must not exceed the "
                         "capacity (%lld)",
                         cap);
  }
  b->ntimeout = n;
  if (n > 0)
    memcpy(b->timeout_codes, o->timeout_codes, n * sizeof(int));
  b->tokens = b->capacity;
  *out = b;
  return 0;
}

void backoff_budget_free(backoff_budget_t *b) { free(b); }

double backoff_budget_tokens(const backoff_budget_t *b) {
  if (b == NULL)
    return 0;
  return (double)__atomic_load_n(&b->tokens, __ATOMIC_RELAXED) / MILLI;
}

/* tokens += delta, clamped to [0, capacity]. */
static void add(backoff_budget_t *b, int64_t delta) {
  int64_t cur = __atomic_load_n(&b->tokens, __ATOMIC_RELAXED), next;
  do {
    next = cur + delta;
    if (next > b->capacity)
      next = b->capacity;
    if (next < 0)
      next = 0;
    if (next == cur)
      return;
  } while (!__atomic_compare_exchange_n(&b->tokens, &cur, next, 1,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

void backoff__budget_failed(backoff_budget_t *b) {
  if (b->kind == BACKOFF_BUDGET_RATIO)
    add(b, -MILLI);
}

int backoff__budget_withdraw(backoff_budget_t *b, int rc, int *cost) {
  int64_t cur, price;
  size_t i;

  if (b->kind == BACKOFF_BUDGET_RATIO)
    return __atomic_load_n(&b->tokens, __ATOMIC_RELAXED) > b->threshold;
  price = b->retry_cost;
  for (i = 0; i < b->ntimeout; i++) {
    if (b->timeout_codes[i] == rc) {
      price = b->timeout_cost;
      break;
    }
  }
  cur = __atomic_load_n(&b->tokens, __ATOMIC_RELAXED);
  do {
    if (cur < price)
      return 0;
  } while (!__atomic_compare_exchange_n(&b->tokens, &cur, cur - price, 1,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  /* Saturating: a refund is clamped to the capacity anyway, so a sum held
   * at INT_MAX (> BUDGET_MAX) refunds exactly as much as the true sum. */
  if (*cost > INT_MAX - (int)(price / MILLI))
    *cost = INT_MAX;
  else
    *cost += (int)(price / MILLI);
  return 1;
}

void backoff__budget_deposit(backoff_budget_t *b, int first_try, int cost) {
  if (b->kind == BACKOFF_BUDGET_RATIO)
    add(b, b->ratio);
  else
    add(b, first_try ? b->success_refund : (int64_t)cost * MILLI);
}
