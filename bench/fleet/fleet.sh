#!/bin/sh
# SPDX-License-Identifier: MIT
# make fleet: 50 client processes (bench/fleet/client) against a flaky HTTP
# server on 127.0.0.1 (bench/fleet/server) that answers 503 for a while, once
# per budget setting; prints the server's load before, during and after the
# outage. Bounded: each run lasts $TOTAL seconds, every process is waited
# for (and killed by its pid if it overstays), Redis runs in a temporary
# directory and is stopped afterwards.
#
# Environment: builddir (the build tree), REDIS_SERVER (empty: no Redis row),
# CLIENTS (50), TOTAL (10), WARM (1.5), DOWN_FROM (4), DOWN_TO (7).
set -u
builddir=${builddir:-.}
clients=${CLIENTS:-50}
total=${TOTAL:-10}
warm=${WARM:-1.5}
from=${DOWN_FROM:-4}
to=${DOWN_TO:-7}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-fleet.XXXXXX")
redis_pid=
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  rm -rf "$tmp"
  rm -f "/dev/shm/backoff-budget.fleet-$$"
}
trap cleanup EXIT INT TERM

# wait_or_kill PID SECONDS
wait_or_kill() {
  i=0
  while kill -0 "$1" 2>/dev/null; do
    if [ "$i" -ge $(($2 * 10)) ]; then kill -9 "$1" 2>/dev/null; break; fi
    sleep 0.1
    i=$((i + 1))
  done
  wait "$1" 2>/dev/null
}

# run LABEL BUDGET: one fleet against a fresh server; prints one row.
run() {
  rm -f "$tmp/port" "$tmp/load"
  "$builddir/bench/fleet/server" "$tmp/port" "$total" "$warm" "$from" "$to" \
    >"$tmp/load" &
  spid=$!
  i=0
  while [ ! -s "$tmp/port" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  port=$(cat "$tmp/port")
  pids=
  n=0
  while [ "$n" -lt "$clients" ]; do
    "$builddir/bench/fleet/client" "$port" "$((total - 1))" "$2" &
    pids="$pids $!"
    n=$((n + 1))
  done
  for p in $pids; do wait_or_kill "$p" $((total + 10)); done
  wait_or_kill "$spid" $((total + 10))
  read -r before during after <"$tmp/load"
  awk -v l="$1" -v b="$before" -v d="$during" -v a="$after" 'BEGIN {
    printf "| %-26s | %8.0f | %8.0f | %5.2fx | %8.0f |\n", l, b, d, d / b, a }'
}

echo "make fleet: $clients clients, each 10 requests/s, up to 6 calls per"
echo "request (exponential from 5 ms, full jitter); the server answers 503"
echo "from ${from}s to ${to}s of ${total}s. Load in requests/s at the server:"
echo "normal (${warm}s to ${from}s), during the outage, after it."
echo
echo "| budget                     | normal   | outage   | ratio  | after    |"
echo "|----------------------------|----------|----------|--------|----------|"
run "none" none
run "one per process (500 each)" process
run "one shm: (500 in all)" "shm:fleet-$$"
if [ -n "${REDIS_SERVER:-}" ] && [ -x "$REDIS_SERVER" ]; then
  rport=$(( 20000 + $$ % 20000 ))
  "$REDIS_SERVER" --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$tmp" >/dev/null &
  redis_pid=$!
  sleep 0.5
  run "one redis:// (500 in all)" "redis://127.0.0.1:$rport/fleet-$$"
else
  echo "| one redis://               | skipped: no redis-server               |"
fi
