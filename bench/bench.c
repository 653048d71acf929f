/* SPDX-License-Identifier: MIT */
/* libbackoff's benchmark: `make bench` runs it and prints one table (also
 * written to --out); `make bench-callgrind` runs it under callgrind with
 * --callgrind, which counts instructions for rows 1 and 2 instead of
 * timing anything.
 *
 *   bench [--rounds N] [--out FILE] [--callgrind] [--peers FILE]
 *
 * --peers FILE: rows 1 and 2 only, then row 8, the ratios to the Python
 * peers' figures in FILE (bench/peers.py's output; `make bench-peers`).
 *
 * Needs BACKOFF_PLUGIN_PATH to name the plugins directory (make bench sets
 * it to the build tree's). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "bench.h"

unsigned bench_rounds = 11;
int bench_callgrind;
const char *bench_plugin_dir = ".";

static void usage(void) {
  fprintf(stderr, "usage: bench [--rounds N] [--out FILE] [--callgrind] "
                  "[--peers FILE]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *out = NULL, *peers = NULL;
  char header[256];
  uint64_t t0 = bench_now_ns();
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      char *end;
      unsigned long r = strtoul(argv[++i], &end, 10);
      if (*end != '\0' || r < 1 || r > 1000) {
        fprintf(stderr, "bench: --rounds wants 1 to 1000\n");
        return 2;
      }
      bench_rounds = (unsigned)r;
    } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else if (strcmp(argv[i], "--peers") == 0 && i + 1 < argc) {
      peers = argv[++i];
    } else if (strcmp(argv[i], "--callgrind") == 0) {
      bench_callgrind = 1;
    } else {
      usage();
    }
  }
  if (bench_callgrind && !RUNNING_ON_VALGRIND) {
    fprintf(stderr, "bench: --callgrind counts instructions under "
                    "valgrind: run `make bench-callgrind`\n");
    return 2;
  }

  if (getenv("BACKOFF_PLUGIN_PATH") != NULL &&
      (bench_plugin_dir = strdup(getenv("BACKOFF_PLUGIN_PATH"))) == NULL)
    return 1;
  if (peers == NULL && !bench_callgrind)
    bench_names_setup(); /* row 7 only: callgrind stops after row 2 */
  fprintf(stderr, "bench: libbackoff %s, %u rounds\n",
          backoff_version_string(), bench_rounds);
  bench_first_try();
  bench_retry();
  if (bench_callgrind)
    return 0; /* bench/callgrind.sh reads the dumps */
  if (peers != NULL) {
    bench_peers(peers);
  } else {
    bench_allocations();
    bench_loading();
    bench_sleep();
    bench_threads();
    bench_names();
  }

  snprintf(header, sizeof(header),
           "libbackoff %s bench: %u rounds, median/min/max over rounds, "
           "%ld CPUs online, %.0f s",
           backoff_version_string(), bench_rounds,
           sysconf(_SC_NPROCESSORS_ONLN), (double)(bench_now_ns() - t0) / 1e9);
  bench_header(header);
  return bench_print(out) == 0 ? 0 : 1;
}
