#!/bin/sh
# SPDX-License-Identifier: MIT
# The backoff command running commands: success, retries, exit statuses,
# --retry-on / --stop-on, --max-delay, output modes, pass-through.
. "$srcdir/tests/cli/lib.sh"
plan 22
fast="--scale-factor 0.01 --seed 1"
line_re='^backoff: attempt [0-9]*/[0-9]* failed (exit [0-9]*); retrying in [0-9]*\.[0-9][0-9]s \[[a-z]*\]$'

fresh; bo -- "$FLAKY" "$tmp/state" 0
check "success first time: status 0, one run, nothing on stderr from backoff" \
  test "$st" = 0 -a "$(runs)" = 1 -a "$(backoff_lines)" = 0

fresh; bo $fast --max-tries 5 -- "$FLAKY" "$tmp/state" 2
check "success after two failures: status 0, three runs" \
  test "$st" = 0 -a "$(runs)" = 3
check "one progress line per failed attempt, in the documented format" \
  test "$(grep -c "$line_re" "$tmp/err")" = 2 -a "$(backoff_lines)" = 2
check "progress lines count attempts against max tries" \
  grep -q '^backoff: attempt 2/5 failed (exit 1); retrying in' "$tmp/err"

fresh; bo $fast --max-tries 3 -- "$FLAKY" "$tmp/state" 10 7
check "exhausting the tries returns the last exit status" \
  test "$st" = 7 -a "$(runs)" = 3
check "the last failure says why it stops" \
  grep -qx 'backoff: attempt 3/3 failed (exit 7); giving up: no tries left' \
  "$tmp/err"

fresh; bo $fast --max-tries 5 --retry-on 1,2 -- "$FLAKY" "$tmp/state" 10 3
check "--retry-on: a status not listed is not retried" \
  test "$st" = 3 -a "$(runs)" = 1
check "... and says so" \
  grep -qx 'backoff: attempt 1/5 failed (exit 3); not retrying: status 3 is not retryable' \
  "$tmp/err"

fresh; bo $fast --max-tries 5 --retry-on 1,2-4 -- "$FLAKY" "$tmp/state" 2 3
check "--retry-on: a listed status (in a range) is retried" \
  test "$st" = 0 -a "$(runs)" = 3

fresh; bo $fast --max-tries 5 --stop-on 3 -- "$FLAKY" "$tmp/state" 10 3
check "--stop-on: a listed status stops at once" \
  test "$st" = 3 -a "$(runs)" = 1

fresh; bo $fast --max-tries 5 --retry-on 3 --stop-on 1-3 -- "$FLAKY" "$tmp/state" 10 3
check "--stop-on wins over --retry-on" test "$st" = 3 -a "$(runs)" = 1

fresh; bo $fast --max-tries 5 --stop-on 9 --stop-on 3 -- "$FLAKY" "$tmp/state" 10 3
check "repeated --stop-on options add up" test "$st" = 3 -a "$(runs)" = 1

# fixed 0.2 s waits within a 0.5 s budget: attempts at ~0, ~0.2, ~0.4 s;
# the next wait would end past 0.5 s, so it stops after 3 (2 on a slow box).
fresh; bo --strategy fixed --param sequence=0.2 --jitter none --max-tries 20 \
  --max-delay 0.5 -- "$FLAKY" "$tmp/state" 100
check "--max-delay stops early with the last status" \
  test "$st" = 1 -a "$(runs)" -ge 2 -a "$(runs)" -le 3
check "... and says the budget is why" \
  grep -q 'giving up: the next retry would end past max delay 0.50s' "$tmp/err"

fresh; bo --quiet $fast --max-tries 3 -- "$FLAKY" "$tmp/state" 10 5
check "--quiet: no progress lines, same status" \
  test "$st" = 5 -a "$(backoff_lines)" = 0 -a "$(runs)" = 3

fresh; bo --verbose $fast --max-tries 3 -- "$FLAKY" "$tmp/state" 1
check "--verbose: settings, success and the stop reason" \
  sh -c "grep -q '^backoff: strategy exponential (.*strategy_exponential' '$tmp/err' &&
         grep -qx 'backoff: attempt 2/3 succeeded' '$tmp/err' &&
         grep -q '^backoff: stopped (success) after 2 attempts' '$tmp/err'"

st=0
printf 'line one\nline two\n' | "$BACKOFF" -- sh -c 'cat; echo to-stderr >&2' \
  >"$tmp/out" 2>"$tmp/err" || st=$?
check "stdin, stdout and stderr pass through untouched" \
  sh -c "test $st = 0 && printf 'line one\nline two\n' | cmp -s - '$tmp/out' &&
         test \"\$(cat '$tmp/err')\" = to-stderr"

fresh; bo --max-tries 3 -- "$tmp/no-such-command"
check "a command that does not exist: 127, not retried, one message" \
  test "$st" = 127 -a "$(lines "$tmp/err")" = 1
printf 'echo hi\n' >"$tmp/not-executable"
chmod -x "$tmp/not-executable"
fresh; bo --max-tries 3 -- "$tmp/not-executable"
check "a command that cannot be executed: 126, not retried" \
  test "$st" = 126 -a "$(lines "$tmp/err")" = 1

fresh; bo $fast --max-tries 2 -- sh -c 'kill -USR1 $$'
check "a command killed by signal N: status 128+N, reported by name" \
  sh -c "test $st = 138 &&
         grep -q 'attempt 1/2 failed (killed by SIGUSR1); retrying' '$tmp/err'"

fresh; BACKOFF_DEFAULT_TRIES=2 bo $fast -- "$FLAKY" "$tmp/state" 10
check "BACKOFF_DEFAULT_TRIES is the default for --max-tries" \
  test "$st" = 1 -a "$(runs)" = 2

# A seeded run waits exactly what --schedule with the same seed previews.
fresh; bo --seed 42 --scale-factor 0.02 --max-tries 4 -- "$FLAKY" "$tmp/state" 10
sed -n 's/.*retrying in \([0-9.]*\)s .*/\1/p' "$tmp/err" >"$tmp/ran"
"$BACKOFF" --seed 42 --scale-factor 0.02 --max-tries 4 --schedule --format tsv |
  awk 'NR > 1 { printf "%.2f\n", $2 }' >"$tmp/previewed"
n_ran=$(lines "$tmp/ran")
check "a run waits the delays --schedule shows for the same seed" \
  sh -c "test $n_ran = 3 && cmp -s '$tmp/ran' '$tmp/previewed'"
done_testing
