/* SPDX-License-Identifier: MIT */
/* Row 8 (`make bench-peers` only): against Python's retry libraries. The
 * peers' figures come from bench/peers.py, run just before in the same
 * make invocation on the same machine (a file of "<peer> <scenario> <ns>"
 * lines); ours are rows 1 and 2 of this run. Each row is how many times
 * less time libbackoff takes; its min/max come from our rounds. No figure
 * is written into this code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void ratio(const char *peer, const char *scenario, double peer_ns,
                  const char *row, const char *ours) {
  char what[128];
  double med, min, max, v[3];

  snprintf(what, sizeof(what), "%s %s / %s", peer, scenario, ours);
  if (bench_stat_of(row, ours, &med, &min, &max) != 0 || !(med > 0)) {
    bench_note("8", what, "n/a: our figure is missing");
    return;
  }
  v[0] = peer_ns / med;
  v[1] = peer_ns / max;
  v[2] = peer_ns / min;
  bench_row("8", what, v, 3, "x less time", NULL, 0);
}

void bench_peers(const char *path) {
  char line[256], peer[64], scenario[64], text[160];
  double ns;
  FILE *f = fopen(path, "r");

  if (f == NULL) {
    fprintf(stderr, "bench: --peers %s: cannot read it\n", path);
    exit(2);
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    if (sscanf(line, "missing %63s %63s", peer, scenario) == 2) {
      snprintf(text, sizeof(text), "skipped: install %s", scenario);
      bench_note("8", peer, text);
    } else if (line[0] == '#') {
      line[strcspn(line, "\n")] = '\0';
      bench_note("8", "measured with", line + 2);
    } else if (sscanf(line, "%63s %63s %lf", peer, scenario, &ns) == 3) {
      if (strcmp(scenario, "first_try") == 0) {
        ratio(peer, "first try", ns, "1", "call form backoff()");
        ratio(peer, "first try", ns, "1", "decorator BACKOFF_APPLY");
      } else if (strcmp(scenario, "retry") == 0) {
        ratio(peer, "per retry", ns, "2", "exponential, additive jitter");
      }
    }
  }
  fclose(f);
}
