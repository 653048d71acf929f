#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad usage of every kind: one line on stderr ("backoff: ..."), exit
# status 2, nothing on stdout, and the command never runs.
. "$srcdir/tests/cli/lib.sh"

# Each case: the options (one shell word list), then "--", a command that
# would leave a mark if it ran.
cases='
--bogus
-Z
--max-tries
--max-tries=abc
--max-tries 0
--max-tries -1
--max-tries 4294967296
--max-tries 1.5
--max-delay 5x
--max-delay -1
--max-delay nan
--max-delay inf
--max-delay 0
--max-delay 1e3
--max-delay 1.
--max-delay 99999999999h
--timeout 0
--timeout 10parsecs
--minimum abc
--cap 2ms5
--kill-after -1
--scale-factor 0
--scale-factor -2
--scale-factor 1s
--jitter-factor 1.5
--seed -1
--seed 18446744073709551616
--retry-on 256
--retry-on 5-3
--retry-on 1,,2
--retry-on 1,
--retry-on x
--stop-on -1
--strategy no_such_strategy
--strategy ../exponential
--strategy ../../plugins/strategy_exponential
--strategy Exponential
--strategy exp.so
--strategy=
--param exponent
--param =3
--param exponent=
--strategy polynomial --param bogus=1
--strategy polynomial --param exponent=abc
--strategy polynomial --param exponent=1000
--param sequence=1,2
--jitter sometimes
--format tsv
--schedule --format xml
--schedule --list-strategies
--quiet --verbose
--quiet=yes
--minimum 5 --cap 2
--signal BOGUS
--signal STOP
--signal SIGTSTP
--signal 0
--signal 999
--signal -15
--stdin sometimes
--stdin=
--stdin-limit 5X
--stdin-limit -1
--stdin-limit 1.5M
--stdin-limit 99999999999999999999
--retry-if-output (
--stop-if-output a{2
--fail-if-output [z-a]
--report=
--report /nonexistent-dir/report.json
--foreground=yes
--hold-output=1
--schedule --report r.json
'
n=$(printf '%s\n' "$cases" | grep -c .)
plan $((n + 3))

printf '%s\n' "$cases" | grep . >"$tmp/cases"
while IFS= read -r opts; do
  rm -f "$tmp/ran"
  # shellcheck disable=SC2086
  bo $opts -- touch "$tmp/ran"
  if [ "$st" = 2 ] && [ "$(lines "$tmp/err")" = 1 ] &&
     grep -q '^backoff: ..' "$tmp/err" && [ ! -s "$tmp/out" ] &&
     [ ! -e "$tmp/ran" ]; then
    ok "bad usage '$opts': $(cat "$tmp/err")"
  else
    not_ok "bad usage '$opts'"
  fi
done <"$tmp/cases"

bo --max-tries 3
check "a missing command: exit 2, one line" \
  sh -c "test $st = 2 && test \"\$(wc -l <'$tmp/err')\" -eq 1 &&
         grep -q 'missing command' '$tmp/err'"

rm -f "$tmp/ran"
BACKOFF_DEFAULT_TRIES=abc bo -- touch "$tmp/ran"
check "a bad BACKOFF_DEFAULT_TRIES: exit 2, named in the message" \
  sh -c "test $st = 2 && test ! -e '$tmp/ran' &&
         grep -q BACKOFF_DEFAULT_TRIES '$tmp/err'"

BACKOFF_DEFAULT_DELAY=-5 bo --schedule
check "a bad BACKOFF_DEFAULT_DELAY: exit 2 for --schedule too" \
  sh -c "test $st = 2 && grep -q BACKOFF_DEFAULT_DELAY '$tmp/err' &&
         test ! -s '$tmp/out'"
done_testing
