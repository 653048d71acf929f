#!/bin/sh
# SPDX-License-Identifier: MIT
# The retry-storm simulation runs, prints every row, and is reproducible:
# the same seed gives the same table, another seed another one.
sim=${builddir:-.}/bench/sim/retry_storm
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
echo 1..3
"$sim" --clients 20 --horizon 15 --seed 3 >"$out/a" 2>"$out/err" &&
  rows=$(grep -cE '^(none|additive|full|equal|proportional|decorrelated) ' "$out/a") &&
  [ "$rows" -eq 54 ] && echo "ok 1 - 54 rows" ||
  { echo "not ok 1 - rows: ${rows:-?}"; sed 's/^/# /' "$out/err"; }
"$sim" --clients 20 --horizon 15 --seed 3 >"$out/b" 2>&1 &&
  cmp -s "$out/a" "$out/b" && echo "ok 2 - same seed, same table" ||
  echo "not ok 2 - same seed, different table"
"$sim" --clients 20 --horizon 15 --seed 4 >"$out/c" 2>&1 &&
  ! cmp -s "$out/a" "$out/c" && echo "ok 3 - another seed, another table" ||
  echo "not ok 3 - the seed changes nothing"
