/* SPDX-License-Identifier: MIT */
/* Retry budgets: the accounting rules, whatever holds the count.
 *
 * The count is in thousandths of a token, so the ratio throttle's
 * fractional refills stay exact. The process's own budget and a shm:
 * budget keep it in one atomic word changed by compare-and-swap, inline
 * here; a budget module (Redis) keeps it behind an ops table (see
 * budget_backend.h). */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "budget_backend.h"
#include "internal.h"

#define MILLI BACKOFF__MILLI
/* Whole tokens: a schedule adds up what its retries cost in an int, and
 * a cost is at most the capacity, so this keeps one retry's price far from
 * INT_MAX; the running sum saturates (see withdraw). */
#define BUDGET_MAX BACKOFF__BUDGET_MAX
#define SHM_PREFIX "shm:"

struct backoff_budget_s {
  /* The atomic count: own_tokens, or a word in a shared mapping; NULL when
   * a module keeps it (ops/be). */
  int64_t *counter;
  backoff__budget_conf_t conf;
  const backoff__budget_ops_t *ops;
  void *be;
  void *map; /* shm: the mapping to release */
  size_t maplen;
  /* 8-aligned even where the ABI aligns int64_t to 4 (i386): an atomic
   * must not straddle a cache line. */
  int64_t own_tokens __attribute__((aligned(8)));
  size_t ntimeout;
  int timeout_codes[];
};

/* ---- settings ---------------------------------------------------------- */

static int check_reserved(const backoff_budget_options_t *o) {
  if (!BACKOFF__ROOM_IS_ZERO(o))
    return backoff__fail(BACKOFF_EINVAL, "budget options.reserved_ must be "
                                         "zero (use designated initializers)");
  return 0;
}

static int ratio_conf(const backoff_budget_options_t *o,
                      backoff__budget_conf_t *c) {
  const double max = o->max_tokens > 0 ? o->max_tokens : 10;
  const double ratio = o->token_ratio > 0 ? o->token_ratio : 0.1;

  c->capacity = llround(max * MILLI);
  c->ratio = llround(ratio * MILLI);
  if (c->capacity < 1 || c->ratio < 1)
    return backoff__fail(BACKOFF_EINVAL,
                         "max_tokens and token_ratio must be >= 0.001");
  backoff__budget_derive(c);
  return 0;
}

/* timeout_cost only prices the timeout codes: without any (and without an
 * explicit timeout_cost), its default must not refuse a small bucket. */
static int bucket_conf(const backoff__budget_conf_t *c, int prices_timeouts) {
  if (c->capacity > (int64_t)BUDGET_MAX * MILLI ||
      c->success_refund > (int64_t)BUDGET_MAX * MILLI)
    return backoff__fail(BACKOFF_EINVAL,
                         "capacity and success_refund must not exceed %d "
                         "tokens",
                         BUDGET_MAX);
  if (c->retry_cost > c->capacity ||
      (prices_timeouts && c->timeout_cost > c->capacity))
    return backoff__fail(BACKOFF_EINVAL,
                         "retry_cost and timeout_cost must not exceed the "
                         "capacity (%lld)",
                         (long long)(c->capacity / MILLI));
  return 0;
}

/* The effective settings of o, defaults resolved, every bound checked. */
static int make_conf(const backoff_budget_options_t *o,
                     backoff__budget_conf_t *c) {
  int rc;

  memset(c, 0, sizeof(*c));
  if ((rc = check_reserved(o)) != 0)
    return rc;
  if ((o->timeout_codes_count > 0 && o->timeout_codes == NULL) ||
      o->timeout_codes_count > 4096)
    return backoff__fail(BACKOFF_EINVAL,
                         "timeout_codes: %zu codes (at most 4096, non-NULL)",
                         o->timeout_codes_count);
  if (o->kind != BACKOFF_BUDGET_TOKEN_BUCKET &&
      o->kind != BACKOFF_BUDGET_RATIO)
    return backoff__fail(BACKOFF_EINVAL, "unknown budget kind %d",
                         (int)o->kind);
  if (o->flags & ~(BACKOFF_BUDGET_GROUP | BACKOFF_BUDGET_ATTACH))
    return backoff__fail(BACKOFF_EINVAL, "unknown budget flags 0x%x",
                         o->flags &
                             ~(BACKOFF_BUDGET_GROUP | BACKOFF_BUDGET_ATTACH));
  c->kind = o->kind;
  c->flags = o->flags;
  c->timeout_ms = o->timeout_ms ? o->timeout_ms : 50;
  c->flush_ms = o->flush_ms ? o->flush_ms : 100;
  c->on_event = o->on_event;
  if (!(o->max_tokens >= 0) || o->max_tokens > BUDGET_MAX ||
      !(o->token_ratio >= 0) || o->token_ratio > BUDGET_MAX)
    return backoff__fail(BACKOFF_EINVAL,
                         "max_tokens=%g and token_ratio=%g must be in "
                         "[0, 1e9]",
                         o->max_tokens, o->token_ratio);
  if (o->kind == BACKOFF_BUDGET_RATIO)
    return ratio_conf(o, c);
  c->capacity = (int64_t)(o->capacity ? o->capacity : 500) * MILLI;
  c->retry_cost = (int64_t)(o->retry_cost ? o->retry_cost : 5) * MILLI;
  c->timeout_cost = (int64_t)(o->timeout_cost ? o->timeout_cost : 10) * MILLI;
  c->success_refund =
      (int64_t)(o->success_refund ? o->success_refund : 1) * MILLI;
  c->prices_timeouts = o->timeout_codes_count > 0 || o->timeout_cost != 0;
  if ((rc = bucket_conf(c, c->prices_timeouts)) != 0)
    return rc;
  /* Never charged, so never a reason to refuse: stored within the capacity,
   * as every later opener of a shared budget checks it is. */
  if (!c->prices_timeouts && c->timeout_cost > c->capacity)
    c->timeout_cost = c->capacity;
  c->lease_asked = (int64_t)o->lease * MILLI;
  backoff__budget_derive(c);
  return 0;
}

void backoff__budget_conf_text(const backoff__budget_conf_t *c, char *buf,
                               size_t len) {
  if (c->kind == BACKOFF_BUDGET_RATIO)
    snprintf(buf, len, "kind=ratio max_tokens=%.3f token_ratio=%.3f",
             (double)c->capacity / MILLI, (double)c->ratio / MILLI);
  else
    snprintf(buf, len,
             "kind=token-bucket capacity=%lld retry_cost=%lld "
             "timeout_cost=%lld success_refund=%lld",
             (long long)(c->capacity / MILLI),
             (long long)(c->retry_cost / MILLI),
             (long long)(c->timeout_cost / MILLI),
             (long long)(c->success_refund / MILLI));
}

static int alloc_budget(backoff_budget_t **out,
                        const backoff_budget_options_t *o) {
  static const backoff_budget_options_t defaults;
  backoff__budget_conf_t conf;
  backoff_budget_t *b;
  size_t n;
  int rc;

  if (o == NULL)
    o = &defaults;
  if ((rc = make_conf(o, &conf)) != 0)
    return rc;
  n = o->timeout_codes_count;
  b = calloc(1, sizeof(*b) + n * sizeof(int));
  if (b == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory building a budget");
  b->conf = conf;
  b->conf.budget = b;
  backoff__budget_conf_text(&conf, b->conf.text, sizeof(b->conf.text));
  b->ntimeout = n;
  if (n > 0)
    memcpy(b->timeout_codes, o->timeout_codes, n * sizeof(int));
  b->own_tokens = conf.capacity;
  b->counter = &b->own_tokens;
  *out = b;
  return 0;
}

int backoff_budget_new(backoff_budget_t **out,
                       const backoff_budget_options_t *o) {
  if (out == NULL)
    return backoff__fail(BACKOFF_EINVAL, "out is NULL");
  *out = NULL;
  return alloc_budget(out, o);
}

/* ---- shared budgets ---------------------------------------------------- */

/* "redis://..." -> "redis" in scheme; ESYNTAX unless spec starts with
 * [a-z][a-z0-9_]{0,31}://. The message never repeats the spec: a
 * malformed URL may still carry a password. */
static int url_scheme(const char *spec, char *scheme, size_t size) {
  size_t i = 0;
  while ((spec[i] >= 'a' && spec[i] <= 'z') ||
         (i > 0 && ((spec[i] >= '0' && spec[i] <= '9') || spec[i] == '_')))
    i++;
  if (i == 0 || i >= size || strncmp(spec + i, "://", 3) != 0)
    return backoff__fail(BACKOFF_ESYNTAX,
                         "budget spec: expected shm:NAME or "
                         "redis://[[user]:password@]host[:port]/KEY "
                         "(the scheme in lowercase, then ://)");
  memcpy(scheme, spec, i);
  scheme[i] = '\0';
  return 0;
}

static int module_for(const char *spec, const backoff__budget_module_t **m) {
  char scheme[32];
  const void *entry;
  int rc;

  if ((rc = url_scheme(spec, scheme, sizeof(scheme))) != 0)
    return rc;
  if ((rc = backoff__plugin_entry("budget_", scheme, "backoff_budget_module",
                                  &entry)) != 0)
    return rc;
  *m = entry;
  if ((*m)->abi != BACKOFF__BUDGET_MODULE_ABI)
    return backoff__fail(BACKOFF_EABI,
                         "budget_%s: built for budget module ABI %d, this "
                         "libbackoff speaks %d: rebuild it with this tree",
                         scheme, (*m)->abi, BACKOFF__BUDGET_MODULE_ABI);
  return 0;
}

static int open_module(backoff_budget_t *b, const char *spec) {
  const backoff__budget_module_t *m;
  char msg[400];
  int rc;

  if ((rc = module_for(spec, &m)) != 0)
    return rc;
  msg[0] = '\0';
  b->counter = NULL; /* before the module's thread may read the handle */
  rc = m->open(&b->be, &b->ops, spec, &b->conf, msg, sizeof(msg));
  if (rc != 0)
    return backoff__fail(rc, "%s", msg);
  return 0;
}

int backoff_budget_open(backoff_budget_t **out, const char *spec,
                        const backoff_budget_options_t *o) {
  backoff_budget_t *b = NULL;
  int rc;

  if (out == NULL)
    return backoff__fail(BACKOFF_EINVAL, "out is NULL");
  *out = NULL;
  if (spec == NULL)
    return backoff__fail(BACKOFF_EINVAL, "spec is NULL");
  if ((rc = alloc_budget(&b, o)) != 0)
    return rc;
  if (strncmp(spec, SHM_PREFIX, strlen(SHM_PREFIX)) == 0)
    rc = backoff__shm_open(spec + strlen(SHM_PREFIX), &b->conf,
                           (b->conf.flags & BACKOFF_BUDGET_ATTACH) != 0,
                           &b->counter, &b->map, &b->maplen);
  else
    rc = open_module(b, spec);
  if (rc != 0)
    goto fail_open;
  *out = b;
  return 0;

fail_open:
  free(b);
  return rc;
}

int backoff_budget_unlink(const char *spec) {
  const backoff__budget_module_t *m;
  char msg[400];
  int rc;

  if (spec == NULL)
    return backoff__fail(BACKOFF_EINVAL, "spec is NULL");
  if (strncmp(spec, SHM_PREFIX, strlen(SHM_PREFIX)) == 0)
    return backoff__shm_unlink(spec + strlen(SHM_PREFIX));
  if ((rc = module_for(spec, &m)) != 0)
    return rc;
  msg[0] = '\0';
  rc = m->unlink(spec, msg, sizeof(msg));
  return rc != 0 ? backoff__fail(rc, "%s", msg) : 0;
}

int backoff_budget_settings(const backoff_budget_t *b,
                            backoff_budget_options_t *o) {
  const backoff__budget_conf_t *c;

  if (b == NULL || o == NULL)
    return backoff__fail(BACKOFF_EINVAL, "%s is NULL",
                         b == NULL ? "budget" : "options");
  c = &b->conf;
  memset(o, 0, sizeof(*o));
  o->kind = (backoff_budget_kind_t)c->kind;
  o->timeout_codes = b->ntimeout ? b->timeout_codes : NULL;
  o->timeout_codes_count = b->ntimeout;
  o->flags = c->flags;
  o->timeout_ms = c->timeout_ms;
  o->flush_ms = c->flush_ms;
  o->on_event = c->on_event;
  if (c->kind == BACKOFF_BUDGET_RATIO) {
    o->max_tokens = (double)c->capacity / MILLI;
    o->token_ratio = (double)c->ratio / MILLI;
    return 0;
  }
  o->capacity = (unsigned int)(c->capacity / MILLI);
  o->retry_cost = (unsigned int)(c->retry_cost / MILLI);
  o->timeout_cost = (unsigned int)(c->timeout_cost / MILLI);
  o->success_refund = (unsigned int)(c->success_refund / MILLI);
  o->lease = (unsigned int)(c->lease / MILLI);
  return 0;
}

void backoff_budget_free(backoff_budget_t *b) {
  if (b == NULL)
    return;
  if (b->ops != NULL)
    b->ops->free(b->be);
  if (b->map != NULL)
    munmap(b->map, b->maplen);
  free(b);
}

/* ---- accounting -------------------------------------------------------- */

double backoff_budget_tokens(const backoff_budget_t *b) {
  if (b == NULL)
    return 0;
  if (b->counter == NULL)
    return (double)b->ops->tokens(b->be) / MILLI;
  return (double)__atomic_load_n(b->counter, __ATOMIC_RELAXED) / MILLI;
}

/* *c += delta, clamped to [0, capacity]. A full bucket's refund writes
 * nothing: no cache line bounces between the processes or threads that
 * share it while all goes well. */
static void counter_add(int64_t *c, int64_t capacity, int64_t delta) {
  int64_t cur = __atomic_load_n(c, __ATOMIC_RELAXED), next;
  do {
    next = cur + delta;
    if (next > capacity)
      next = capacity;
    if (next < 0)
      next = 0;
    if (next == cur)
      return;
  } while (!__atomic_compare_exchange_n(c, &cur, next, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
}

static int counter_take(int64_t *c, int64_t price, int64_t keep) {
  int64_t cur = __atomic_load_n(c, __ATOMIC_RELAXED);
  do {
    if (cur - price < keep)
      return 0;
    if (price == 0)
      return 1;
  } while (!__atomic_compare_exchange_n(c, &cur, cur - price, 1,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return 1;
}

static void add(backoff_budget_t *b, int64_t delta) {
  if (BACKOFF_LIKELY(b->counter != NULL))
    counter_add(b->counter, b->conf.capacity, delta);
  else
    b->ops->deposit(b->be, delta);
}

static int take(backoff_budget_t *b, int64_t price, int64_t keep) {
  if (BACKOFF_LIKELY(b->counter != NULL))
    return counter_take(b->counter, price, keep);
  return b->ops->withdraw(b->be, price, keep);
}

void backoff__budget_failed(backoff_budget_t *b) {
  if (b->conf.kind == BACKOFF_BUDGET_RATIO)
    add(b, -MILLI);
}

int backoff__budget_withdraw(backoff_budget_t *b, int rc, int *cost) {
  int64_t price;
  size_t i;

  if (b->conf.kind == BACKOFF_BUDGET_RATIO)
    return take(b, 0, b->conf.threshold + 1);
  price = b->conf.retry_cost;
  for (i = 0; i < b->ntimeout; i++) {
    if (b->timeout_codes[i] == rc) {
      price = b->conf.timeout_cost;
      break;
    }
  }
  if (!take(b, price, 0))
    return 0;
  /* Saturating: a refund is clamped to the capacity anyway, so a sum held
   * at INT_MAX (> BUDGET_MAX) refunds exactly as much as the true sum. */
  if (*cost > INT_MAX - (int)(price / MILLI))
    *cost = INT_MAX;
  else
    *cost += (int)(price / MILLI);
  return 1;
}

void backoff__budget_deposit(backoff_budget_t *b, int first_try, int cost) {
  if (b->conf.kind == BACKOFF_BUDGET_RATIO)
    add(b, b->conf.ratio);
  else
    add(b, first_try ? b->conf.success_refund : (int64_t)cost * MILLI);
}
