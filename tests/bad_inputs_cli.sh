#!/bin/sh
# SPDX-License-Identifier: MIT
# The bad-input table's cli rows (tests/bad_inputs.tsv): run tools/backoff
# with each row's arguments and check its exit status and that stderr holds
# the row's message substring on one line. TAP output. Skips cleanly while
# the CLI is not built.
srcdir=${srcdir:-.}
table=$srcdir/tests/bad_inputs.tsv
prog=${BACKOFF_CLI:-./tools/backoff}

if [ ! -x "$prog" ]; then
  echo "1..0 # SKIP $prog is not built"
  exit 0
fi
[ -r "$table" ] || { echo "Bail out! cannot read $table"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bad_inputs_cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
tab=$(printf '\t')

grep "^cli$tab" "$table" > "$tmp/rows"
n=$(wc -l < "$tmp/rows")
echo "1..$n"
i=0
failed=0
while IFS="$tab" read -r kind call args want message; do
  i=$((i + 1))
  # The args column holds shell words; no row uses quotes or expansions.
  # shellcheck disable=SC2086
  set -f
  set -- $args
  set +f
  "$prog" "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
  got=$?
  lines=$(wc -l < "$tmp/err")
  desc="backoff $args -> $want"
  if [ "$got" != "$want" ]; then
    echo "not ok $i - $desc: exit status $got; stderr: $(head -c 300 "$tmp/err")"
    failed=$((failed + 1))
  elif [ "$message" != "-" ] && ! grep -qF -- "$message" "$tmp/err"; then
    echo "not ok $i - $desc: stderr lacks '$message': $(head -c 300 "$tmp/err")"
    failed=$((failed + 1))
  elif [ "$want" = 2 ] && [ "$lines" -ne 1 ]; then
    echo "not ok $i - $desc: want one line on stderr, got $lines"
    failed=$((failed + 1))
  else
    echo "ok $i - $desc"
  fi
done < "$tmp/rows"
echo "# bad-input table: $n cli rows, $failed failed" >&2
exit 0
