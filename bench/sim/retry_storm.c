/* SPDX-License-Identifier: MIT */
/* retry_storm: N clients against a server that fails every call for T
 * seconds, then recovers with a limited capacity; for each jitter mode,
 * with and without a retry budget, how many calls the fleet makes and how
 * long the fleet takes to recover. In the spirit of the AWS Architecture
 * Blog's "Exponential Backoff And Jitter" comparison.
 *
 * Simulated time: an event-driven simulation over the non-blocking
 * schedule API (backoff_schedule_*), one schedule per request, a binary heap
 * of wake-up times and an injected clock. Nothing sleeps: the whole table
 * takes well under a second. Seeded: the same options print the same table.
 *
 * The model (settable, see --help):
 *   - open loop, as real traffic is: each client issues requests at random
 *     (Poisson, one per --interval s on average) whether or not its earlier
 *     requests are still retrying; every client's first request is at t = 0
 *     (the herd meets the outage together: a failover, a deploy);
 *   - each request is retried under its client's policy: max_tries 10,
 *     exponential backoff from 0.1 s (scale_factor 0.1) with the jitter
 *     mode under test, cap 20 s; or the decorrelated strategy with base
 *     0.1 s, ceiling 20 s and the core's jitter off;
 *   - the server fails every call for t < T; afterwards it serves at most
 *     --capacity calls per 100 ms window and fails the rest (overload);
 *     the default is twice the fleet's steady load;
 *   - budgets are library defaults (bucket: 500 tokens, 5 a retry; ratio:
 *     10 tokens, 0.1 a success), one per client (each client a process
 *     with its own SDK-style budget) and then one shared by all (the
 *     clients are threads of one process).
 * A last table has the AWS blog's shape: the herd's one request per client
 * and no other traffic, retried until it succeeds (max_tries 1000), against
 * a server that recovers to --herd-capacity.
 * Columns: calls made, of them during the outage, retries the budget
 * refused, calls the recovered server turned away for lack of capacity,
 * requests, requests that failed for the user (out of tries or refused),
 * the recovery time: from the end of the outage until every client has had
 * a success (">" when some client never had one), and calm: the last call
 * turned away for overload, in seconds after the outage.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"

#define NS 1000000000.0
#define WINDOW 0.1 /* seconds per capacity window */

typedef struct {
  unsigned clients;
  double outage;     /* T, seconds */
  unsigned capacity; /* calls per WINDOW after the outage; 0: unlimited */
  double interval;   /* mean seconds between a client's requests */
  double horizon;    /* seconds after the outage to keep simulating */
  uint64_t seed;
  int herd; /* one request per client, all at t = 0, and nothing else */
} config_t;

typedef struct {
  const char *name;
  const char *strategy, *params;
  backoff_jitter_t jitter;
} mode_t_;

static const mode_t_ modes[] = {
    {"none", "exponential", "scale_factor=0.1", BACKOFF_JITTER_NONE},
    {"additive", "exponential", "scale_factor=0.1", BACKOFF_JITTER_ADDITIVE},
    {"full", "exponential", "scale_factor=0.1", BACKOFF_JITTER_FULL},
    {"equal", "exponential", "scale_factor=0.1", BACKOFF_JITTER_EQUAL},
    {"proportional", "exponential", "scale_factor=0.1",
     BACKOFF_JITTER_PROPORTIONAL},
    {"decorrelated", "decorrelated", "base=0.1,ceiling=20",
     BACKOFF_JITTER_NONE},
};

static const char *const budget_names[] = {"-", "bucket", "ratio"};

/* ---- simulated time --------------------------------------------------- */

static uint64_t sim_now_ns;
static uint64_t sim_clock(void *ctx) {
  (void)ctx;
  return sim_now_ns;
}

typedef struct {
  double t;
  unsigned id;
  int arrival;
  uint64_t seq; /* ties break in insertion order: reproducible */
} event_t;

typedef struct {
  event_t *a;
  size_t n, cap;
  uint64_t seq;
} heap_t;

static int before(const event_t *x, const event_t *y) {
  return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void heap_push(heap_t *h, double t, unsigned id, int arrival) {
  size_t i;
  if (h->n == h->cap) {
    h->cap = h->cap ? h->cap * 2 : 256;
    h->a = realloc(h->a, h->cap * sizeof(*h->a));
    if (h->a == NULL) {
      perror("retry_storm");
      exit(1);
    }
  }
  i = h->n++;
  h->a[i] = (event_t){t, id, arrival, h->seq++};
  while (i > 0 && before(&h->a[i], &h->a[(i - 1) / 2])) {
    event_t tmp = h->a[i];
    h->a[i] = h->a[(i - 1) / 2];
    h->a[(i - 1) / 2] = tmp;
    i = (i - 1) / 2;
  }
}

static event_t heap_pop(heap_t *h) {
  event_t top = h->a[0];
  size_t i = 0;
  h->a[0] = h->a[--h->n];
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < h->n && before(&h->a[l], &h->a[m]))
      m = l;
    if (r < h->n && before(&h->a[r], &h->a[m]))
      m = r;
    if (m == i)
      break;
    event_t tmp = h->a[i];
    h->a[i] = h->a[m];
    h->a[m] = tmp;
    i = m;
  }
  return top;
}

/* ---- one scenario ----------------------------------------------------- */

typedef struct {
  backoff_policy_t *policy;
  backoff_budget_t *budget; /* own, when not shared */
  double recovered;         /* first success at or after T; < 0: none yet */
} client_t;

typedef struct {
  backoff_schedule_t s;
  unsigned client;
} request_t;

typedef struct {
  unsigned long calls, outage_calls, refused, overloaded, requests, failed;
  double recovery; /* < 0: some client never recovered */
  double calm;     /* last overloaded call, seconds after the outage */
} result_t;

static void die(const char *what, int rc) {
  fprintf(stderr, "retry_storm: %s: %s (%s)\n", what, backoff_strerror(rc),
          backoff_last_error());
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n);
  if (p == NULL) {
    perror("retry_storm");
    exit(1);
  }
  return p;
}

static backoff_budget_t *make_budget(int kind) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  int rc;
  memset(&bo, 0, sizeof(bo));
  bo.kind = kind == 1 ? BACKOFF_BUDGET_TOKEN_BUCKET : BACKOFF_BUDGET_RATIO;
  if ((rc = backoff_budget_new(&b, &bo)) != 0)
    die("budget", rc);
  return b;
}

/* Events: a client's next request arrives (id = client, arrival = 1), or a
 * request makes its next call (id = request). */
static result_t simulate(const config_t *cf, const mode_t_ *m, int budget_kind,
                         int shared_budget) {
  const double end = cf->outage + cf->horizon;
  const size_t nwin = (size_t)ceil(end / WINDOW) + 1;
  unsigned *served = calloc(nwin, sizeof(unsigned));
  client_t *c = calloc(cf->clients, sizeof(client_t));
  request_t *req = NULL;
  size_t nreq = 0, capreq = 0;
  backoff_budget_t *shared = NULL;
  backoff_rng_t arrivals;
  heap_t h = {NULL, 0, 0, 0};
  result_t res;
  unsigned i;
  int rc;

  if (served == NULL || c == NULL) {
    perror("retry_storm");
    exit(1);
  }
  memset(&res, 0, sizeof(res));
  res.calm = -1;
  backoff_rng_seed(&arrivals, cf->seed ^ 0x6172726976616cULL);
  if (budget_kind != 0 && shared_budget)
    shared = make_budget(budget_kind);
  for (i = 0; i < cf->clients; i++) {
    backoff_options_t o;
    memset(&o, 0, sizeof(o));
    o.strategy = m->strategy;
    o.params = m->params;
    o.jitter = m->jitter;
    o.cap = 20; /* decorrelated: the same bound as its ceiling */
    o.max_tries = cf->herd ? 1000 : 10;
    o.max_delay = INFINITY;
    o.clock = sim_clock;
    /* Each client its own stream: one seed for the whole policy would make
     * every client draw the same "random" delays. */
    o.seed = cf->seed * 1000003u + i;
    o.flags = BACKOFF_SEEDED;
    if (budget_kind != 0)
      o.budget = shared ? shared : (c[i].budget = make_budget(budget_kind));
    if ((rc = backoff_policy_new(&c[i].policy, &o)) != 0)
      die("policy", rc);
    c[i].recovered = -1;
    /* Everyone's first request at t = 0: the herd meets the outage. */
    heap_push(&h, 0, i, 1);
  }

  while (h.n > 0) {
    const event_t e = heap_pop(&h);
    request_t *r;
    double delay;
    int call_rc, stop;

    if (e.t >= end)
      continue;
    sim_now_ns = (uint64_t)llround(e.t * NS);
    if (e.arrival) {
      if (nreq == capreq) {
        capreq = capreq ? capreq * 2 : 1024;
        req = xrealloc(req, capreq * sizeof(*req));
      }
      r = &req[nreq];
      r->client = e.id;
      if ((rc = backoff_schedule_init(&r->s, c[e.id].policy)) != 0)
        die("schedule", rc);
      res.requests++;
      heap_push(&h, e.t, (unsigned)nreq++, 0);
      if (!cf->herd)
        heap_push(&h,
                  e.t - cf->interval * log(1 - backoff_rng_uniform(&arrivals)),
                  e.id, 1);
      continue;
    }
    r = &req[e.id];
    if ((rc = backoff_schedule_begin(&r->s)) != 0)
      die("begin", rc < 0 ? rc : BACKOFF_ESTATE);
    /* The server. */
    res.calls++;
    if (e.t < cf->outage) {
      res.outage_calls++;
      call_rc = 503;
    } else {
      const size_t w = (size_t)(e.t / WINDOW);
      if (cf->capacity != 0 && served[w] >= cf->capacity) {
        res.overloaded++;
        res.calm = e.t - cf->outage;
        call_rc = 503;
      } else {
        served[w]++;
        call_rc = 0;
      }
    }
    stop = backoff_schedule_next(&r->s, call_rc, &delay);
    if (stop < 0)
      die("next", stop);
    if (stop == 0) {
      heap_push(&h, e.t + delay, e.id, 0);
    } else if (stop == BACKOFF_STOP_SUCCESS) {
      client_t *cl = &c[r->client];
      if (cl->recovered < 0 && e.t >= cf->outage)
        cl->recovered = e.t;
    } else {
      res.failed++;
      if (stop == BACKOFF_STOP_BUDGET)
        res.refused++;
    }
  }

  res.recovery = 0;
  for (i = 0; i < cf->clients; i++) {
    if (c[i].recovered < 0)
      res.recovery = -1;
    else if (res.recovery >= 0 && c[i].recovered - cf->outage > res.recovery)
      res.recovery = c[i].recovered - cf->outage;
    backoff_policy_free(c[i].policy);
    backoff_budget_free(c[i].budget);
  }
  backoff_budget_free(shared);
  free(h.a);
  free(req);
  free(c);
  free(served);
  return res;
}

/* ---- command line ----------------------------------------------------- */

static void usage(FILE *f) {
  fprintf(f,
          "usage: retry_storm [--clients N] [--outage S] [--capacity C]\n"
          "                   [--interval S] [--horizon S] [--seed N]\n"
          "                   [--herd-capacity C]\n"
          "  --clients N     clients (default 100)\n"
          "  --outage S      seconds the server fails every call (10)\n"
          "  --capacity C    calls served per 100 ms after it, 0 = no limit "
          "(default: 2 x the steady load)\n"
          "  --interval S    mean seconds between a client's requests (1)\n"
          "  --herd-capacity C  capacity in the herd table (5)\n"
          "  --horizon S     seconds simulated after the outage (60)\n"
          "  --seed N        random seed (1)\n");
}

static double num(const char *opt, const char *v, double lo, double hi) {
  char *end;
  double d;
  if (v == NULL) {
    fprintf(stderr, "retry_storm: %s needs a value\n", opt);
    exit(2);
  }
  d = strtod(v, &end);
  if (end == v || *end != '\0' || !(d >= lo && d <= hi)) {
    fprintf(stderr, "retry_storm: %s '%s': expected a number in [%g, %g]\n",
            opt, v, lo, hi);
    exit(2);
  }
  return d;
}

static void table(const config_t *cf, int shared) {
  size_t m;
  int k;

  char cap[48] = "unlimited capacity";

  if (cf->capacity != 0)
    snprintf(cap, sizeof(cap), "%u calls per 100 ms", cf->capacity);
  printf("\n## %s, %s after the outage, budgets %s\n",
         cf->herd ? "herd: one request per client at t=0, no other traffic"
                  : "steady traffic",
         cap, shared ? "shared by all clients" : "one per client");
  printf("%-13s %-7s %8s %8s %8s %8s %9s %8s %9s %7s\n", "jitter", "budget",
         "calls", "outage", "refused", "overload", "requests", "failed",
         "recovery", "calm");
  for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    for (k = 0; k < 3; k++) {
      const result_t r = simulate(cf, &modes[m], k, shared);
      char rec[32], calm[32];
      if (r.recovery < 0)
        snprintf(rec, sizeof(rec), ">%gs", cf->horizon);
      else
        snprintf(rec, sizeof(rec), "%.2fs", r.recovery);
      if (r.calm < 0)
        snprintf(calm, sizeof(calm), "-");
      else
        snprintf(calm, sizeof(calm), "%.2fs", r.calm);
      printf("%-13s %-7s %8lu %8lu %8lu %8lu %9lu %8lu %9s %7s\n",
             modes[m].name, budget_names[k], r.calls, r.outage_calls,
             r.refused, r.overloaded, r.requests, r.failed, rec, calm);
    }
  }
}

int main(int argc, char **argv) {
  config_t cf = {100, 10, 0, 1, 60, 1, 0};
  int i, capacity_set = 0, herd_capacity = 5;

  /* Every option but --help takes a value: options come in pairs. */
  for (i = 1; i < argc; i += 2) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--clients") == 0) {
      cf.clients = (unsigned)num(a, v, 1, 100000);
    } else if (strcmp(a, "--outage") == 0) {
      cf.outage = num(a, v, 0, 86400);
    } else if (strcmp(a, "--capacity") == 0) {
      cf.capacity = (unsigned)num(a, v, 0, 1e9);
      capacity_set = 1;
    } else if (strcmp(a, "--herd-capacity") == 0) {
      herd_capacity = (int)num(a, v, 0, 1e9);
    } else if (strcmp(a, "--interval") == 0) {
      cf.interval = num(a, v, 0.001, 86400);
    } else if (strcmp(a, "--horizon") == 0) {
      cf.horizon = num(a, v, 1, 86400);
    } else if (strcmp(a, "--seed") == 0) {
      cf.seed = (uint64_t)num(a, v, 0, 9007199254740992.0);
    } else {
      fprintf(stderr, "retry_storm: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!capacity_set) /* twice the steady load, per window */
    cf.capacity = (unsigned)ceil(2 * cf.clients * WINDOW / cf.interval);

  printf("# retry_storm: %u clients, one request each per %g s on average "
         "(all at t=0 first),\n# server down for %g s; seed %llu; "
         "max_tries 10 (herd: 1000), base 0.1 s, cap 20 s;\n# simulated "
         "until %g s after the outage\n",
         cf.clients, cf.interval, cf.outage, (unsigned long long)cf.seed,
         cf.horizon);
  table(&cf, 0);
  table(&cf, 1);
  /* The AWS blog's shape: a herd and nothing else. Per-client budgets are
   * not shown: one request's 9 retries never empty a client's own budget,
   * so those rows equal the rows without one. */
  cf.herd = 1;
  cf.capacity = (unsigned)herd_capacity;
  table(&cf, 1);
  return 0;
}
