#!/bin/sh
# SPDX-License-Identifier: MIT
# make fleet (about 45 s): 50 client processes against a flaky local HTTP
# server, per kind of retry budget. Fails when a shared budget (shm:, and
# redis:// when redis-server is installed) lets the outage load exceed 1.5x
# normal, or when a budget per process does not allow at least twice that
# much (the comparison the table exists to show). Runs in the in-tree
# build .ci/run made.
. "$(dirname "$0")/common.inc"
cd "$top"
[ -f Makefile ] || ./configure -q
say "make fleet"
make -s -j"$jobs" all >/dev/null
make -s fleet >fleet.out 2>&1 || { cat fleet.out; say "FAILED"; exit 1; }
sed 's/^/    /' fleet.out
# | label | normal | outage | ratio | after |: the ratio column.
ratio() { grep "^| $1" fleet.out | awk -F'|' '{ gsub(/[ x]/, "", $5); print $5 }'; }
bad=0
for row in "one shm:" "one redis://"; do
  r=$(ratio "$row")
  [ -z "$r" ] && continue
  awk -v r="$r" 'BEGIN { exit !(r <= 1.5) }' || { say "$row: outage load ${r}x > 1.5x"; bad=1; }
done
r=$(ratio "one per process")
awk -v r="$r" 'BEGIN { exit !(r >= 2) }' || { say "per-process budgets: only ${r}x"; bad=1; }
[ "$bad" = 0 ] || { say "FAILED"; exit 1; }
say "ok: shared budgets held the outage load to at most 1.5x"
