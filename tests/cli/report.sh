#!/bin/sh
# SPDX-License-Identifier: MIT
# --report FILE: one JSON object, parsed back with jansson
# (tests/cli/report_check); a path that cannot be created is bad usage, a
# report that cannot be written is said and changes no exit status.
. "$srcdir/tests/cli/lib.sh"
CHECKER=$(pwd)/tests/cli/report_check
if [ ! -x "$CHECKER" ]; then
  echo "1..0 # SKIP built without jansson: no --report"
  exit 0
fi
plan 9
fast="--scale-factor 0.01 --seed 1"

fresh; bo $fast -n 4 --report "$tmp/r.json" -- "$FLAKY" "$tmp/state" 2
"$CHECKER" "$tmp/r.json" >"$tmp/facts" 2>"$tmp/why"
printf '%s\n' 'attempts 3' 'delays 2' 'stop success' 'signal -' 'exit 0' \
  >"$tmp/expect"
check "the report parses back: 3 attempts, 2 delays, success, exit 0" \
  sh -c "test $st = 0 && head -n 5 '$tmp/facts' | cmp -s - '$tmp/expect'"
check "... every attempt: status, exit status, no signal, not timed out" \
  sh -c "sed -n 6,8p '$tmp/facts' | cmp -s - <<'X'
attempt 1 status 1 exit yes signal - timed_out 0 killed 0
attempt 2 status 1 exit yes signal - timed_out 0 killed 0
attempt 3 status 0 exit yes signal - timed_out 0 killed 0
X"

fresh; bo -n 2 $fast --timeout 0.2 --kill-after 0.1 --report "$tmp/r.json" \
  -- sh -c 'trap "" TERM; sleep 5'
"$CHECKER" "$tmp/r.json" >"$tmp/facts" 2>"$tmp/why"
check "a timed-out attempt that needed SIGKILL: timed_out, killed, 137" \
  sh -c "test $st = 137 && grep -qx 'stop exhausted' '$tmp/facts' &&
         grep -qx 'attempt 2 status 137 exit - signal SIGKILL timed_out 1 killed 1' '$tmp/facts'"

fresh; bo -n 1 --report "$tmp/r.json" -- sh -c 'kill -USR1 $$'
"$CHECKER" "$tmp/r.json" >"$tmp/facts" 2>"$tmp/why"
check "an attempt killed by a signal: its name" \
  grep -qx 'attempt 1 status 138 exit - signal SIGUSR1 timed_out 0 killed 0' \
  "$tmp/facts"

fresh; bo --report "$tmp/no/such/dir/r.json" -- sh -c 'echo ran >"$1/ran"' \
  sh "$tmp"
check "a report path that cannot be created: exit 2, nothing run, one line" \
  sh -c "test $st = 2 && test ! -e '$tmp/ran' && test \$(wc -l <'$tmp/err') = 1"

if [ -w /dev/full ]; then
  fresh; bo --report /dev/full -- true
  check "a report that cannot be written: said, exit status unchanged (0)" \
    sh -c "test $st = 0 && grep -q \"cannot write the report '/dev/full'\" '$tmp/err'"
else
  ok "# SKIP no /dev/full"
fi
fresh; bo -n 1 --report "$tmp/r.json" -- sh -c 'ls -l /proc/$$/fd/'
check "the report file is not open in the attempt" \
  sh -c "test $st = 0 && grep -q ' 1 -> ' '$tmp/out' && ! grep -q r.json '$tmp/out'"
echo keep >"$tmp/r.json"
fresh; bo --report "$tmp/r.json" --strategy no_such_strategy -- true
check "a bad strategy: exit 2 before the report file is touched" \
  sh -c "test $st = 2 && test \"\$(cat '$tmp/r.json')\" = keep"

# A stop signal during a 5 s wait: the report says what was waited.
fresh
"$BACKOFF" -n 3 --minimum 5 --report "$tmp/r.json" -- false 2>"$tmp/err" &
pid=$!
wait_for "$tmp/err" 'retrying in' 20 && sleep 0.3
kill -TERM "$pid"
reap "$pid" 30
"$CHECKER" "$tmp/r.json" >"$tmp/facts" 2>"$tmp/why"
check "a wait cut short by SIGTERM: the delay and totals.waited are what was waited" \
  sh -c "test $st = 143 && grep -qx 'delays 1' '$tmp/facts' &&
         awk '/^waited / { exit !(\$2 < 3) }' '$tmp/facts'"
done_testing
