#!/bin/sh
# SPDX-License-Identifier: MIT
# flaky.sh STATE FAILURES [CODE]: a command that fails FAILURES times, then
# succeeds. Each run counts itself in the file STATE (created as needed);
# while the count is at most FAILURES it prints a line on stderr and exits
# CODE (default 1). Used by `make demo` and the CLI tests.
set -e
state=$1
failures=${2:?usage: flaky.sh STATE FAILURES [CODE]}
code=${3:-1}
n=0
[ -f "$state" ] && n=$(cat "$state")
n=$((n + 1))
echo "$n" > "$state"
if [ "$n" -le "$failures" ]; then
  echo "flaky: run $n: failing with status $code" >&2
  exit "$code"
fi
echo "flaky: run $n: ok"
