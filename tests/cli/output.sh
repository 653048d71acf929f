#!/bin/sh
# Output shown once (--hold-output) and retrying on what the command says
# (--retry-if-output, --stop-if-output, --fail-if-output).
. "$srcdir/tests/cli/lib.sh"
plan 12
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
done_testing
