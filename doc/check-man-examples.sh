#!/bin/sh
# SPDX-License-Identifier: MIT
# The complete programs in the man pages' EXAMPLES (every .EX block with a
# main() or a plugin's compute_delay()) compile warning-free against the
# public headers, so the docs cannot drift from the API. TAP output.
srcdir=${srcdir:-.}
CC=${CC:-cc}
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-manex.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# Writes each .EX ... .EE block of page $1 to $tmp/<page>.<k>.c, unescaped.
extract() {
  awk -v out="$tmp/${1##*/}" '
    /^\.EX/ { k++; inex = 1; f = out "." k ".c"; printf "" > f; next }
    /^\.EE/ { inex = 0; close(f); next }
    inex { print > f }' "$1"
  for f in "$tmp/${1##*/}".*.c; do
    [ -e "$f" ] || continue
    sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g' \
        -e 's/\\e/\\/g' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
  done
}

for page in "$srcdir"/doc/*.3 "$srcdir"/doc/*.7; do
  extract "$page"
done
set --
for f in "$tmp"/*.c; do
  [ -e "$f" ] || continue
  if grep -q '^int main(void)$' "$f" || grep -q 'double compute_delay(' "$f"; then
    set -- "$@" "$f"
  fi
done
if [ $# -eq 0 ]; then
  echo "1..1"; echo "not ok 1 - no complete example found in the man pages"; exit 1
fi
if ! command -v "${CC%% *}" >/dev/null 2>&1; then
  echo "1..0 # SKIP no C compiler ($CC)"; exit 0
fi
echo "1..$#"
i=0
bad=0
for f in "$@"; do
  i=$((i + 1))
  name=${f##*/}
  name=${name%.c}
  # shellcheck disable=SC2086
  if out=$($CC -std=gnu99 -fsyntax-only -Wall -Wextra -Werror \
      -I"$srcdir/include" "$f" 2>&1); then
    echo "ok $i - example $name compiles"
  else
    echo "not ok $i - example $name does not compile"
    printf '%s\n' "$out" | sed 's/^/# /'
    bad=1
  fi
done
exit $bad
