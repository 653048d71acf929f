/* SPDX-License-Identifier: MIT */
/* --schedule and --list-strategies: the command's read-only views.
 *
 * The preview is not a second implementation of the retry rules: it builds
 * the same policy a run would (minus --retry-on/--stop-on, since every
 * previewed failure is a retryable one), and advances a real
 * backoff_schedule_t whose clock is a counter moved forward by each delay,
 * as if every attempt took no time. The library itself therefore decides
 * where --max-tries and --max-delay stop it. The random source is the
 * library's generator seeded with --seed, which is exactly what a run with
 * the same --seed uses, so the preview shows the delays that run will
 * wait. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define BAR_WIDTH 40

const char *backoff_cli_seconds(double s, char *buf, size_t size) {
  if (s == 0 || s >= 0.01)
    snprintf(buf, size, "%.2fs", s);
  else
    snprintf(buf, size, "%.3gms", s * 1e3);
  return buf;
}

typedef struct {
  uint64_t now_ns;
} fake_clock_t;

static uint64_t fake_now(void *ctx) { return ((fake_clock_t *)ctx)->now_ns; }

typedef struct {
  unsigned int retry; /* 1 for the wait after the first failed call */
  double delay, total;
} row_t;

typedef struct {
  int stop; /* backoff_stop_t that ended the schedule */
  unsigned int rows;
  double total;         /* seconds waited over all rows */
  double max_delay_row; /* the longest delay shown (cut row included) */
  int cut;              /* 1: --max-delay refused the next retry */
  double cut_delay;     /* ... which would have waited this long */
  unsigned int max_tries;
  backoff_jitter_t jitter; /* in force, after --param jitter= */
  double max_delay;        /* effective, 0: none */
} walk_end_t;

typedef void (*row_fn)(const row_t *row, void *ctx);

/* Runs the schedule once, calling fn for every retry. */
static int walk(const backoff_options_t *run_options, uint64_t seed, row_fn fn,
                void *ctx, walk_end_t *end, int *build_error) {
  backoff_options_t o = *run_options;
  backoff_policy_t *policy = NULL;
  backoff_schedule_t s;
  fake_clock_t clock = {0};
  backoff_rng_t rng, before;
  row_t row = {0, 0, 0};
  int rc;

  memset(end, 0, sizeof(*end));
  o.retry_on = o.stop_on = NULL;
  o.retry_on_count = o.stop_on_count = 0;
  o.clock = fake_now;
  o.clock_ctx = &clock;
  o.flags &= ~BACKOFF_SEEDED;
  o.seed = 0;
  backoff_rng_seed(&rng, seed);
  o.random = backoff_rng_uniform;
  o.random_ctx = &rng;
  if ((rc = backoff_policy_new(&policy, &o)) != 0) {
    *build_error = 1;
    return rc;
  }
  end->max_tries = backoff_policy_max_tries(policy);
  end->max_delay = backoff_policy_max_delay(policy);
  /* The mode in force, wherever it was set (--jitter or --param jitter=). */
  {
    double mode = 0;
    backoff_strategy_get(backoff_policy_strategy(policy), "jitter", &mode);
    end->jitter = (backoff_jitter_t)mode;
  }
  backoff_schedule_init(&s, policy);
  while ((rc = backoff_schedule_begin(&s)) == 0) {
    double delay, previous = row.delay;
    before = rng; /* to recompute a delay the deadline refuses */
    rc = backoff_schedule_next(&s, 1, &delay);
    if (rc < 0)
      goto out;
    if (rc == BACKOFF_STOP_DEADLINE) {
      /* The schedule drew this delay and found it would end past the
       * deadline: draw it again from the same state to show it. */
      rc = backoff_strategy_delay(
          backoff_policy_strategy(policy), backoff_schedule_attempts(&s) - 1,
          previous, backoff_rng_uniform, &before, &end->cut_delay);
      if (rc < 0)
        goto out;
      end->cut = 1;
      if (end->cut_delay > end->max_delay_row)
        end->max_delay_row = end->cut_delay;
      rc = BACKOFF_STOP_DEADLINE;
    }
    if (rc != 0)
      break;
    row.retry++;
    row.delay = delay;
    row.total += delay;
    if (delay > end->max_delay_row)
      end->max_delay_row = delay;
    clock.now_ns += (uint64_t)(delay * 1e9); /* as the schedule counts it */
    if (fn != NULL)
      fn(&row, ctx);
  }
  end->stop = rc;
  end->rows = row.retry;
  end->total = row.total;
  rc = 0;
out:
  backoff_policy_free(policy);
  return rc;
}

static void tsv_row(const row_t *row, void *ctx) {
  fprintf((FILE *)ctx, "%u\t%.6f\t%.6f\n", row->retry, row->delay, row->total);
}

typedef struct {
  FILE *out;
  double scale; /* bar characters per second */
} table_t;

static void bar(FILE *out, double delay, double scale, char c) {
  long n = lround(delay * scale), i;
  if (n == 0 && delay > 0)
    n = 1;
  for (i = 0; i < n && i < BAR_WIDTH; i++)
    fputc(c, out);
}

static void table_row(const row_t *row, void *ctx) {
  const table_t *t = ctx;
  fprintf(t->out, "%5u %13.3fs %13.3fs  ", row->retry, row->delay, row->total);
  bar(t->out, row->delay, t->scale, '#');
  fputc('\n', t->out);
}

static uint64_t pick_seed(void) {
  /* Only for a preview without --seed: printed, so it can be repeated. */
  uint64_t x = backoff_clock_ns() ^ ((uint64_t)getpid() << 32);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x % 1000000;
}

int backoff_cli_schedule(const backoff_cli_t *cli, FILE *out,
                         int *build_error) {
  backoff_cli_options_t opts;
  walk_end_t end;
  const int seeded = (cli->core.flags & BACKOFF_SEEDED) != 0;
  const uint64_t seed = seeded ? cli->core.seed : pick_seed();
  char b1[32], b2[32];
  table_t t;
  int rc;

  *build_error = 0;
  if (backoff_cli_options(cli, &opts) != 0) {
    *build_error = 1;
    return BACKOFF_ENOMEM;
  }
  if (cli->format == BACKOFF_CLI_TSV) {
    /* Built first so that bad options print nothing on stdout. */
    if ((rc = walk(&opts.o, seed, NULL, NULL, &end, build_error)) == 0) {
      fputs("retry\tdelay\ttotal\n", out);
      rc = walk(&opts.o, seed, tsv_row, out, &end, build_error);
    }
    backoff_cli_options_free(&opts);
    return rc;
  }

  /* Pass one sizes the bars; pass two prints (no row is kept in memory,
   * however many --max-tries asks for). */
  if ((rc = walk(&opts.o, seed, NULL, NULL, &end, build_error)) != 0) {
    backoff_cli_options_free(&opts);
    return rc;
  }
  fprintf(out, "strategy %s, jitter %s, seed %llu%s\n",
          cli->strategy ? cli->strategy : "exponential",
          backoff_jitter_name(end.jitter), (unsigned long long)seed,
          seeded ? "" : " (random; --seed N repeats it)");
  fprintf(out, "up to %u tries, max delay %s; each attempt taken as instant\n",
          end.max_tries,
          end.max_delay > 0
              ? backoff_cli_seconds(end.max_delay, b1, sizeof(b1))
              : "none");
  fprintf(out, "%5s %14s %14s\n", "retry", "delay", "total");
  t.out = out;
  t.scale = end.max_delay_row > 0 ? BAR_WIDTH / end.max_delay_row : 0;
  rc = walk(&opts.o, seed, table_row, &t, &end, build_error);
  backoff_cli_options_free(&opts);
  if (rc != 0)
    return rc;
  if (end.cut) {
    fprintf(out,
            "----- --max-delay %.3fs cuts here: retry %u would wait "
            "%.3fs, until %.3fs -----\n",
            end.max_delay, end.rows + 1, end.cut_delay,
            end.total + end.cut_delay);
  }
  fprintf(out, "%u %s, %s of waiting; then it stops: %s\n", end.rows,
          end.rows == 1 ? "retry" : "retries",
          backoff_cli_seconds(end.total, b2, sizeof(b2)),
          end.stop == BACKOFF_STOP_DEADLINE    ? "max delay reached"
          : end.stop == BACKOFF_STOP_EXHAUSTED ? "max tries reached"
                                               : backoff_stop_name(end.stop));
  return 0;
}

/* ---- --list-strategies ------------------------------------------------- */

typedef struct {
  FILE *out;
  unsigned found, broken;
} list_t;

static int list_one(const char *name, const char *path, void *ctx) {
  list_t *l = ctx;
  backoff_strategy_t *s = NULL;
  backoff_param_info_t p;
  const char *desc;
  size_t i;

  l->found++;
  fprintf(l->out, "%s\t%s\n", name, path);
  if (backoff_strategy_open(&s, path) != 0) {
    l->broken++;
    fprintf(l->out, "    cannot load: %s\n", backoff_last_error());
    return 0;
  }
  desc = backoff_strategy_description(s);
  if (desc[0] != '\0')
    fprintf(l->out, "    %s\n", desc);
  for (i = 0; backoff_strategy_param(s, i, &p) == 1; i++)
    fprintf(l->out, "    --param %s=%g%s  (%s%g..%g) %s\n", p.name, p.def,
            p.is_list ? ",..." : "",
            p.is_list      ? "list, "
            : p.is_integer ? "integer, "
                           : "",
            p.min, p.max, p.help ? p.help : "");
  if (i == 0)
    fprintf(l->out, "    (no parameters)\n");
  backoff_strategy_free(s);
  return 0;
}

int backoff_cli_list(FILE *out) {
  list_t l = {out, 0, 0};
  int rc = backoff_strategy_foreach(list_one, &l);

  if (rc < 0) {
    fprintf(stderr, "backoff: listing strategies: %s\n", backoff_last_error());
    return 1;
  }
  if (l.found == 0) {
    fprintf(stderr,
            "backoff: no strategy found (BACKOFF_PLUGIN_PATH=%s and the "
            "installed plugin directory)\n",
            getenv("BACKOFF_PLUGIN_PATH") ? getenv("BACKOFF_PLUGIN_PATH")
                                          : "(unset)");
    return 1;
  }
  return l.broken ? 1 : 0;
}
