#!/bin/sh
# SPDX-License-Identifier: MIT
# Output shown once (--hold-output) and retrying on what the command says
# (--retry-if-output, --stop-if-output, --fail-if-output).
. "$srcdir/tests/cli/lib.sh"
plan 23
fast="--scale-factor 0.01 --seed 1"

# N: how many times the command ran before (0 the first time).
count='n=$(cat "$1/n" 2>/dev/null || echo 0); echo $((n + 1)) >"$1/n"'
again() { rm -f "$tmp/n"; }

again; bo $fast -n 3 --hold-output -- sh -c "$count"'
  echo "answer $n"; [ "$n" -ge 1 ]' sh "$tmp"
check "--hold-output: only the last attempt's stdout is written" \
  sh -c "test $st = 0 && test \"\$(cat '$tmp/out')\" = 'answer 1'"

again; bo $fast -n 3 -- sh -c "$count"'
  echo "answer $n"; [ "$n" -ge 1 ]' sh "$tmp"
check "without it, every attempt's output streams through" \
  sh -c "test $st = 0 && test \$(wc -l <'$tmp/out') = 2"

again; bo $fast -n 2 --hold-output -- sh -c "$count"'
  echo "answer $n"; exit 3' sh "$tmp"
check "--hold-output: a run that fails for good shows its last answer" \
  sh -c "test $st = 3 && test \"\$(cat '$tmp/out')\" = 'answer 1'"

head -c 3000000 /dev/urandom >"$tmp/big"
again; bo $fast -n 3 --hold-output -- sh -c "$count"'
  cat "$1/big"; [ "$n" -ge 1 ]' sh "$tmp"
check "--hold-output: 3 MB held (spilled), written once, intact" \
  sh -c "test $st = 0 && cmp -s '$tmp/big' '$tmp/out'"

again; TMPDIR="$tmp/none" bo $fast -n 3 --hold-output -- sh -c "$count"'
  cat "$1/big"; exit 1' sh "$tmp"
check "no room to hold the output: written once, whole, no retry, said" \
  sh -c "test $st = 1 && cmp -s '$tmp/big' '$tmp/out' && test \$(cat '$tmp/n') = 1 &&
         grep -q 'not retrying: cannot hold its output' '$tmp/err'"

# Held output counts against --stdin-limit: exactly the limit is held and
# the run retried; one byte more is written as it is, and not retried.
for size in 102400 102401; do
  again; bo $fast -n 2 --hold-output --stdin-limit 100k -- sh -c "$count"'
    head -c '$size' /dev/zero; [ "$n" -ge 1 ]' sh "$tmp"
  if [ $size = 102400 ]; then
    check "--hold-output: $size bytes (the limit) held, the run retried" \
      sh -c "test $st = 0 && test \$(cat '$tmp/n') = 2 &&
             test \$(wc -c <'$tmp/out') = $size"
  else
    check "--hold-output: $size bytes, over the limit: written once, no retry" \
      sh -c "test $st = 1 && test \$(cat '$tmp/n') = 1 &&
             test \$(wc -c <'$tmp/out') = $size &&
             grep -q 'its held output is over' '$tmp/err'"
  fi
done

again; bo $fast -n 4 --retry-if-output 'temporar(y|ily)' -- sh -c "$count"'
  echo "try again temporarily" >&2; [ "$n" -ge 2 ]' sh "$tmp"
check "--retry-if-output: a matching failure (on stderr) is retried" \
  sh -c "test $st = 0 && test \$(cat '$tmp/n') = 3"

again; bo $fast -n 4 --retry-if-output 'temporar(y|ily)' -- sh -c "$count"'
  echo "fatal: no such thing"; exit 4' sh "$tmp"
check "--retry-if-output: a failure that does not match is not retried" \
  sh -c "test $st = 4 && test \$(cat '$tmp/n') = 1 &&
         grep -q 'not retrying: its output did not match --retry-if-output' '$tmp/err'"
check "... and its output still streams through" \
  grep -qx 'fatal: no such thing' "$tmp/out"

again; bo $fast -n 4 --stop-if-output '^fatal:' -- sh -c "$count"'
  echo "working"; echo "fatal: bad credentials" >&2; exit 5' sh "$tmp"
check "--stop-if-output: a matching failure is not retried" \
  sh -c "test $st = 5 && test \$(cat '$tmp/n') = 1 &&
         grep -q 'not retrying: its output matched --stop-if-output' '$tmp/err'"

again; bo $fast -n 4 --stop-if-output '^fatal:' -- sh -c "$count"'
  echo "transient"; [ "$n" -ge 1 ]' sh "$tmp"
check "--stop-if-output: other failures are retried" \
  sh -c "test $st = 0 && test \$(cat '$tmp/n') = 2"

again; bo $fast -n 4 --fail-if-output 'ERROR' -- sh -c "$count"'
  if [ "$n" -lt 1 ]; then echo "ERROR: half done"; else echo done; fi' \
  sh "$tmp"
check "--fail-if-output: an exit 0 whose output matched is retried" \
  sh -c "test $st = 0 && test \$(cat '$tmp/n') = 2 &&
         grep -q 'exit 0, but the output matched --fail-if-output' '$tmp/err'"

again; bo $fast -n 2 --fail-if-output 'ERROR' -- sh -c "$count"'
  echo "ERROR again"' sh "$tmp"
check "--fail-if-output: matched every time, the run fails (1)" \
  sh -c "test $st = 1 && test \$(cat '$tmp/n') = 2"

# Lines longer than the match buffer are matched in pieces: '^' only at the
# start of the first, '$' only at the end of the last; empty lines match.
again; bo $fast -n 2 --stop-if-output '^FATAL' -- sh -c "$count"'
  head -c 4096 /dev/zero | tr "\0" a; echo FATAL; exit 1' sh "$tmp"
check "'^' does not match inside a line longer than 4 KiB" \
  sh -c "test $st = 1 && test \$(cat '$tmp/n') = 2"
again; bo $fast -n 2 --stop-if-output 'a$' -- sh -c "$count"'
  head -c 5000 /dev/zero | tr "\0" a; echo b; exit 1' sh "$tmp"
check "... nor '\$' at the end of a piece that is not the line's end" \
  sh -c "test $st = 1 && test \$(cat '$tmp/n') = 2"
again; bo $fast -n 2 --stop-if-output '^$' -- sh -c "$count"'
  echo; exit 1' sh "$tmp"
check "an empty line matches '^\$'" \
  sh -c "test $st = 1 && test \$(cat '$tmp/n') = 1"

# An expression whose DFA multiplies its states on random text (glibc's
# regexec stalls on this one 4000-byte line; bench/bench_ere has the
# figures). It does not match (no 'c'), so the run is retried once.
awk 'BEGIN { srand(1); for (i = 0; i < 4000; i++)
             printf (rand() < 0.5 ? "a" : "b"); print "" }' >"$tmp/ab"
again
"$BACKOFF" $fast -n 2 --stop-if-output '[ab]*a([ab]{255}){4}c' -- \
  sh -c "$count"'; cat "$1/ab"; exit 1' sh "$tmp" >"$tmp/out" 2>"$tmp/err" &
reap $! 300
check "an expression with a state explosion is matched, not stalled on" \
  sh -c "test $st = 1 && test \$(cat '$tmp/n') = 2"

# After the timeout's SIGTERM a process of the attempt writes a last 300 KB
# while it shuts down: backoff still reads it, no SIGKILL is needed (124,
# long before --kill-after 5 would send one).
fresh
"$BACKOFF" -n 1 -t 0.3 -k 5 --fail-if-output zzz -- sh -c '
  (trap "head -c 300000 /dev/zero; exit 0" TERM; sleep 10 & wait) &
  sleep 10' >"$tmp/out" 2>"$tmp/err" &
reap $! 25
check "a process writing its last words after SIGTERM is served: 124" \
  sh -c "test $st = 124 && test \$(wc -c <'$tmp/out') = 300000"

# A reader downstream that takes nothing: backoff never blocks writing to
# it, so the time limit and the stop signals still work. The reader sleeps
# 5 s; each run must end well before (generous bounds for a loaded machine).
# stuck ARGS...: backoff ARGS | sleep 5 in the background, its pid in
# $tmp/pid, its status in $tmp/rc once it ends; the reader's pid in $reader.
stuck() {
  rm -f "$tmp/rc" "$tmp/pid"
  sh -c '"$@" 2>/dev/null & echo $! >"$0/pid"; wait $!; echo $? >"$0/rc"' \
    "$tmp" "$BACKOFF" "$@" | sleep 5 &
  reader=$!
}
stuck -n 1 -t 0.5 --fail-if-output zzz -- yes
wait_for "$tmp/rc" . 25
check "a reader that takes nothing: --timeout 0.5 still ends the run (124)" \
  sh -c "test \"\$(cat '$tmp/rc' 2>/dev/null)\" = 124"
kill "$reader" 2>/dev/null

# Held output over the limit is written out during the attempt, to the
# same reader: --timeout still ends the attempt (it once waited for the
# reader to take it all).
# (2 MB held: more than backoff can make the reader's pipe hold, 1 MB)
stuck -n 1 -t 0.5 -k 0.5 --hold-output --stdin-limit 2M -- \
  sh -c 'head -c 3000000 /dev/zero; sleep 30'
wait_for "$tmp/rc" . 30
check "... nor while held output over the limit is written out (124)" \
  sh -c "test \"\$(cat '$tmp/rc' 2>/dev/null)\" = 124"
kill "$reader" 2>/dev/null

stuck -n 1 --fail-if-output zzz -- yes
wait_for "$tmp/pid" . 20 && sleep 0.3 && kill -TERM "$(cat "$tmp/pid")"
wait_for "$tmp/rc" . 20
check "... and SIGTERM ends it (143)" \
  sh -c "test \"\$(cat '$tmp/rc' 2>/dev/null)\" = 143"
kill "$reader" 2>/dev/null

# The attempt says when its output is all made and it exits; backoff is
# then writing what it held to the reader that takes nothing.
rm -f "$tmp/made"
stuck -n 1 --hold-output -- sh -c 'head -c 1000000 /dev/zero; echo made >"$0/made"' "$tmp"
wait_for "$tmp/made" . 50 && sleep 0.3 &&
  kill -0 "$(cat "$tmp/pid")" 2>/dev/null && test ! -e "$tmp/rc" &&
  kill -TERM "$(cat "$tmp/pid")"
wait_for "$tmp/rc" . 20
check "... also while writing the held output (143)" \
  sh -c "test \"\$(cat '$tmp/rc' 2>/dev/null)\" = 143"
kill "$reader" 2>/dev/null
done_testing
