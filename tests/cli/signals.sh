#!/bin/sh
# SPDX-License-Identifier: MIT
# --timeout and signals: a hanging child is killed, a signal sent to
# backoff reaches the child and stops retrying, a wait ends at once.
. "$srcdir/tests/cli/lib.sh"
plan 9

start=$(date +%s)
fresh; bo --timeout 0.3 --max-tries 1 -- sleep 30
check "--timeout kills a hanging child: status 124" \
  sh -c "test $st = 124 && test $(($(date +%s) - start)) -lt 10"
check "... and says it timed out" \
  grep -qx 'backoff: attempt 1/1 failed (timed out after 0.30s); giving up: no tries left' \
  "$tmp/err"

start=$(date +%s)
fresh; bo --timeout 0.2 --kill-after 0.2 --max-tries 1 -- \
  sh -c 'trap "" TERM; exec sleep 30'
check "a child ignoring SIGTERM gets SIGKILL after --kill-after: 137" \
  sh -c "test $st = 137 && test $(($(date +%s) - start)) -lt 10 &&
         grep -q 'timed out after 0.20s, SIGKILL' '$tmp/err'"

fresh; bo --timeout 0.2 --max-tries 2 --scale-factor 0.01 --seed 1 -- \
  "$FLAKY" "$tmp/state" 0 0
check "a fast command is not affected by --timeout" test "$st" = 0

fresh; bo --timeout 0.2 --max-tries 2 --scale-factor 0.01 --seed 1 -- \
  sh -c 'echo x >>"$1"; sleep 30' sh "$tmp/state"
check "a timed-out attempt counts as failed and is retried" \
  sh -c "test $st = 124 && test \$(wc -l <'$tmp/state') = 2 &&
         grep -q 'attempt 1/2 failed (timed out after 0.20s); retrying' '$tmp/err'"

# A child that handles SIGTERM: it must get it from backoff, and backoff
# must stop retrying and hand back the child's own status.
fresh
"$BACKOFF" --max-tries 5 -- sh -c '
  trap "echo TERM >\"$1/got\"; exit 42" TERM
  echo ready >"$1/ready"
  while :; do sleep 0.05; done' sh "$tmp" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_for "$tmp/ready" ready 100
kill -TERM "$pid"
reap "$pid" 100
check "SIGTERM to backoff reaches the child" grep -qx TERM "$tmp/got"
check "... and stops retries: one attempt, the child's status" \
  sh -c "test $st = 42 && test ! -s '$tmp/out' &&
         grep -qx 'backoff: attempt 1/5 failed (exit 42); not retrying: SIGTERM received' '$tmp/err'"

# A child that dies of the forwarded signal: backoff ends by it too.
fresh
"$BACKOFF" --max-tries 5 -- sh -c 'echo ready >"$1/ready"; exec sleep 30' \
  sh "$tmp" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_for "$tmp/ready" ready 100
sleep 0.1
kill -HUP "$pid"
reap "$pid" 100
check "SIGHUP: the child dies of it, so does backoff (status 129)" \
  test "$st" = 129

# A signal during the wait between attempts ends it at once.
fresh
"$BACKOFF" --strategy fixed --param sequence=30 --jitter none --max-tries 3 \
  -- false >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_for "$tmp/err" 'retrying in 30.00s' 100
kill -TERM "$pid"
reap "$pid" 50
check "a signal wakes a waiting backoff at once; it ends by the signal" \
  sh -c "test $st = 143 && grep -qx 'backoff: SIGTERM received; no more retries' '$tmp/err'"
done_testing
