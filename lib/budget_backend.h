/* SPDX-License-Identifier: MIT */
/* The retry budget's backends: where the token count lives.
 *
 * The accounting rules (what a retry costs, what a success refunds, the
 * ratio throttle's threshold) are the core's, in budget.c, and the same
 * for every backend. A backend only keeps one number, the tokens in
 * thousandths, with three operations on it:
 *
 *   withdraw(price, keep)  take `price` when at least `keep` stays after it;
 *                          1 when taken, 0 when refused. The token bucket
 *                          asks (cost, 0); the ratio throttle only looks:
 *                          (0, threshold + 1).
 *   deposit(delta)         add delta (negative: a failure), clamped to
 *                          [0, capacity].
 *   tokens()               a snapshot.
 *
 * The process's own budget and a shm: budget keep the number in one atomic
 * word the core changes inline (no call through a table on the retry
 * path); a budget_<name> module (Redis) supplies these operations itself.
 *
 * Not installed: budget modules are built in this tree, against this
 * header, and checked by BACKOFF_PLUGIN_ABI plus the `abi` field below. */
#ifndef BACKOFF_BUDGET_BACKEND_H
#define BACKOFF_BUDGET_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "backoff.h"

#define BACKOFF__MILLI 1000
#define BACKOFF__BUDGET_MAX 1000000000 /* tokens: any count or price */

/* Bumped when anything below changes shape. */
#define BACKOFF__BUDGET_MODULE_ABI 3

/* The budget's effective settings, in thousandths of a token. */
typedef struct backoff__budget_conf_s {
  int kind; /* backoff_budget_kind_t */
  int64_t capacity, retry_cost, timeout_cost, success_refund;
  int64_t ratio, threshold;
  unsigned int flags, timeout_ms, flush_ms;
  int64_t lease;
  int64_t lease_asked; /* options.lease (0: the default): kept on ATTACH */
  int prices_timeouts; /* this opener charges timeout_cost for some code */
  /* Told once per change between "reachable" and "unreachable"; may run
   * on a backend's own thread. */
  void (*on_event)(const backoff_budget_t *budget, const char *message);
  const backoff_budget_t *budget;
  /* The settings as text ("kind=token-bucket capacity=500 ..."): what two
   * openers of one shared budget must agree on, and what messages quote. */
  char text[160];
} backoff__budget_conf_t;

typedef struct backoff__budget_ops_s {
  int (*withdraw)(void *be, int64_t price, int64_t keep);
  void (*deposit)(void *be, int64_t delta);
  int64_t (*tokens)(void *be);
  void (*free)(void *be);
} backoff__budget_ops_t;

/* What a budget_<name> module exports as `backoff_budget_module`. open and
 * unlink write a message (never holding a credential) into msg and return
 * a negative BACKOFF_E* on failure. With BACKOFF_BUDGET_ATTACH, open
 * writes the budget's own settings (and their text) into *conf. */
typedef struct backoff__budget_module_s {
  int abi; /* BACKOFF__BUDGET_MODULE_ABI */
  int (*open)(void **be, const backoff__budget_ops_t **ops, const char *spec,
              backoff__budget_conf_t *conf, char *msg, size_t msglen);
  int (*unlink)(const char *spec, char *msg, size_t msglen);
} backoff__budget_module_t;

/* What follows from the stored settings, worked out here alone so that
 * every opener and backend agrees, ATTACH included: the ratio throttle's
 * threshold, and the lease (options.lease, or twice the dearest retry this
 * opener can be charged), never above the capacity. */
static inline void backoff__budget_derive(backoff__budget_conf_t *c) {
  int64_t dearer = c->retry_cost;

  if (c->kind == BACKOFF_BUDGET_RATIO) {
    c->threshold = c->capacity / 2;
    c->lease = 0;
    return;
  }
  if (c->prices_timeouts && c->timeout_cost > dearer)
    dearer = c->timeout_cost;
  c->threshold = 0;
  c->lease = c->lease_asked ? c->lease_asked : 2 * dearer;
  if (c->lease > c->capacity)
    c->lease = c->capacity;
}

/* budget.c: fills the conf's text. */
void backoff__budget_conf_text(const backoff__budget_conf_t *c, char *buf,
                               size_t len);

/* budget_shm.c: open (creating if absent) or remove a shm: budget. NAME is
 * what follows "shm:". On success *counter points at the shared word and
 * *map / *maplen are what to munmap. */
int backoff__shm_open(const char *name, backoff__budget_conf_t *conf,
                      int attach, int64_t **counter, void **map,
                      size_t *maplen);
int backoff__shm_unlink(const char *name);

#endif /* BACKOFF_BUDGET_BACKEND_H */
