#!/bin/sh
# SPDX-License-Identifier: MIT
# --schedule: exact TSV values for each strategy, the cut-offs of
# --max-tries and --max-delay, the table, and --seed reproducibility.
. "$srcdir/tests/cli/lib.sh"
plan 18

tsv() { bo --jitter none --schedule --format tsv "$@"; }
# expect ROWS: "delay total" pairs, one per retry, compared as numbers.
expect() {
  printf 'retry\tdelay\ttotal\n' >"$tmp/want"
  i=0
  for pair in "$@"; do
    i=$((i + 1))
    set -- $pair
    printf '%d\t%.6f\t%.6f\n' "$i" "$1" "$2" >>"$tmp/want"
  done
  test "$st" = 0 && cmp -s "$tmp/want" "$tmp/out"
}

tsv --strategy exponential --max-tries 6
check "exponential: 1 2 4 8 16" expect "1 1" "2 3" "4 7" "8 15" "16 31"
tsv --strategy fibonacci --max-tries 6
check "fibonacci: 1 2 3 5 8" expect "1 1" "2 3" "3 6" "5 11" "8 19"
tsv --strategy linear --max-tries 6
check "linear: 0 1 2 3 4" expect "0 0" "1 1" "2 3" "3 6" "4 10"
tsv --strategy polynomial --param exponent=2 --max-tries 6
check "polynomial exponent=2: 0 1 4 9 16" \
  expect "0 0" "1 1" "4 5" "9 14" "16 30"
tsv --strategy polynomial --max-tries 4
check "polynomial default exponent 1: 0 1 2" expect "0 0" "1 1" "2 3"
tsv --strategy fixed --max-tries 4
check "fixed default: 1 1 1" expect "1 1" "1 2" "1 3"
tsv --strategy fixed --param sequence=1,2,5 --max-tries 6
check "fixed sequence=1,2,5 repeats its last value" \
  expect "1 1" "2 3" "5 8" "5 13" "5 18"
tsv --strategy exponential --max-tries 5 --scale-factor 0.25
check "--scale-factor multiplies" expect "0.25 0.25" "0.5 0.75" "1 1.75" "2 3.75"
tsv --strategy exponential --max-tries 6 --cap 5s --minimum 1500ms
check "--minimum and --cap bound every delay" \
  expect "1.5 1.5" "2 3.5" "4 7.5" "5 12.5" "5 17.5"
tsv --strategy exponential --max-tries 10 --max-delay 20
check "--max-delay cuts where the next wait would end past it" \
  expect "1 1" "2 3" "4 7" "8 15"
tsv --strategy exponential --max-tries 2
check "--max-tries N gives N-1 retries" expect "1 1"
tsv --strategy exponential --max-tries 1
check "--max-tries 1: the header alone" expect
BACKOFF_DEFAULT_TRIES=4 tsv --strategy linear
check "BACKOFF_DEFAULT_TRIES sets the default tries" expect "0 0" "1 1" "2 3"

bo --seed 3 --schedule --format tsv --max-tries 8
cp "$tmp/out" "$tmp/first"
bo --seed 3 --schedule --format tsv --max-tries 8
check "--seed repeats the jittered schedule exactly" cmp -s "$tmp/first" "$tmp/out"
bo --seed 4 --schedule --format tsv --max-tries 8
check "another seed gives other delays" sh -c "! cmp -s '$tmp/first' '$tmp/out'"
check "additive jitter: base <= delay < base + 1" \
  awk -F '\t' 'NR > 1 { base = 2 ^ ($1 - 1);
                        if ($2 < base || $2 >= base + 1) bad = 1 }
               END { exit bad }' "$tmp/first"

bo --strategy exponential --jitter none --max-tries 10 --max-delay 20 --schedule
check "table: header, bars, the --max-delay cut and the stop reason" \
  sh -c "test $st = 0 &&
         grep -q '^retry  *delay  *total\$' '$tmp/out' &&
         grep -q '^    4  *8.000s  *15.000s  #\{20,\}\$' '$tmp/out' &&
         grep -q -- '--max-delay 20.000s cuts here: retry 5 would wait 16.000s, until 31.000s' '$tmp/out' &&
         grep -q 'then it stops: max delay reached' '$tmp/out'"

bo --param jitter=full --seed 1 --schedule
check "the table names the jitter in force, also when set by --param" \
  sh -c "test $st = 0 && grep -q '^strategy exponential, jitter full, seed 1\$' '$tmp/out'"
done_testing
