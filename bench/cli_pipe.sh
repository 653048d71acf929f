#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench-cli` (part of `make bench`): the cost of the backoff command
# keeping a copy of a piped stdin. Times `head -c SIZE /dev/zero | wc -c`
# with and without backoff in between, best of ROUNDS, and prints the
# ratio (goal: at most 1.3). Run from the build directory.
set -eu
BACKOFF=${BACKOFF:-./tools/backoff}
SIZE=${BENCH_CLI_SIZE:-1G}
ROUNDS=${BENCH_CLI_ROUNDS:-3}

now() { date +%s%N; }
best() {
  b=
  i=0
  while [ "$i" -lt "$ROUNDS" ]; do
    t0=$(now)
    out=$(sh -c "$1")
    t1=$(now)
    [ "$out" -gt 0 ] || { echo "bench-cli: no output from: $1" >&2; exit 1; }
    t=$((t1 - t0))
    if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
    i=$((i + 1))
  done
  echo "$b"
}
plain=$(best "head -c $SIZE /dev/zero | wc -c")
through=$(best "head -c $SIZE /dev/zero | '$BACKOFF' -- wc -c")
awk -v p="$plain" -v t="$through" -v s="$SIZE" 'BEGIN {
  printf "cli stdin pipe, %s: plain %.3f s, through backoff %.3f s, ratio %.2f (goal <= 1.30)\n",
    s, p / 1e9, t / 1e9, t / p }'
