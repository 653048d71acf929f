#!/bin/sh
# SPDX-License-Identifier: MIT
# Every man page in doc/ renders without a single groff warning (-ww: all
# warnings, as `man --warnings` asks), and every ".so" link page points at a
# page that exists. TAP output, one line per page.
srcdir=${srcdir:-.}
LC_ALL=C
export LC_ALL

if ! command -v groff >/dev/null 2>&1; then
  echo "1..0 # SKIP groff not found (Debian package: groff-base)"
  exit 0
fi

set -- "$srcdir"/doc/*.[1-9]
[ -e "$1" ] || { echo "1..1"; echo "not ok 1 - no man page in $srcdir/doc"; exit 1; }
echo "1..$#"
i=0
bad=0
for page in "$@"; do
  i=$((i + 1))
  name=${page##*/}
  first=$(sed -n 1p "$page")
  case $first in
  .so\ *)
    # man resolves ".so manN/target.N" from the top of the man tree.
    target=${first#.so }
    sect=${target#man}
    sect=${sect%%/*}
    if [ "$(wc -l <"$page")" -ne 1 ]; then
      echo "not ok $i - $name: a .so page holds that one line only"
      bad=1
    elif [ "$target" != "man$sect/${target##*/}" ] ||
       [ "${target##*.}" != "$sect" ] ||
       [ ! -f "$srcdir/doc/${target##*/}" ]; then
      echo "not ok $i - $name: .so target '$target' is not a page in doc/"
      bad=1
    else
      echo "ok $i - $name -> ${target##*/}"
    fi
    ;;
  *)
    out=$(groff -man -ww -z -Tutf8 "$page" 2>&1)
    if [ -n "$out" ]; then
      echo "not ok $i - $name: groff warnings"
      printf '%s\n' "$out" | sed 's/^/# /'
      bad=1
    else
      echo "ok $i - $name"
    fi
    ;;
  esac
done
exit $bad
