#!/bin/sh
# SPDX-License-Identifier: MIT
# Instruction counts for rows 1 and 2 of the benchmark: stable where times
# are not. Runs `bench --callgrind` under callgrind; the program zeroes the
# counters before each workload and dumps them after it, under a label
#   "name|divisor|baseline|reference"
# The figure is (Ir(name) - Ir(baseline)) / divisor, and "extra" is that
# minus the reference's figure. A divisor of 0 marks a baseline-only dump.
#
# usage: callgrind.sh LIBTOOL BENCH OUTFILE
set -eu
libtool=$1
bench=$2
out=$3

command -v valgrind >/dev/null 2>&1 || {
  echo "bench-callgrind: valgrind is not installed" >&2
  exit 1
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-callgrind.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# shellcheck disable=SC2086 # LIBTOOL is a command with arguments
if ! $libtool --mode=execute valgrind --tool=callgrind \
    --callgrind-out-file="$dir/cg.%p" "$bench" --callgrind \
    >"$dir/log" 2>&1; then
  cat "$dir/log" >&2
  echo "bench-callgrind: the benchmark failed under callgrind" >&2
  exit 1
fi

awk -F'|' '
  FNR == 1 { label = "" }
  /^desc: Trigger: Client Request: / {
    sub(/^desc: Trigger: Client Request: /, "")
    label = $0
  }
  /^(summary|totals): / && label != "" {
    split($0, f, " ")
    n = split(label, l, "|")
    if (n == 4 && !(l[1] in ir)) {
      ir[l[1]] = f[2]; div[l[1]] = l[2]; base[l[1]] = l[3]; ref[l[1]] = l[4]
      order[++count] = l[1]
    }
    label = ""
  }
  function value(k) {
    return (ir[k] - (base[k] in ir ? ir[base[k]] : 0)) / div[k]
  }
  END {
    if (count == 0) { print "bench-callgrind: no dumps found" > "/dev/stderr"; exit 1 }
    printf "%-4s %-46s %12s %12s\n", "row", "workload (instructions, Ir)", "Ir/unit", "extra"
    for (i = 1; i <= count; i++) {
      k = order[i]
      if (div[k] == 0) continue
      row = k; sub(/ .*/, "", row); name = k; sub(/^[^ ]* /, "", name)
      extra = (ref[k] in ir) ? sprintf("%12.1f", value(k) - value(ref[k])) : sprintf("%12s", "-")
      printf "%-4s %-46s %12.1f %s\n", row, name, value(k), extra
    }
  }
' $(ls "$dir"/cg.*.* | awk -F. '{ print $NF, $0 }' | sort -n |
     cut -d' ' -f2-) >"$dir/table"
cat "$dir/table"
cp "$dir/table" "$out"
