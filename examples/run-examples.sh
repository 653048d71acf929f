#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every example program and checks it succeeds and says what it should,
# as TAP (one line per example). Run from the build directory by make check.
set -u
n=0
fail=0
check() { # name, expected text
  n=$((n + 1))
  out=$(examples/"$1" 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q -- "$2"; then
    echo "ok $n - examples/$1"
  else
    echo "not ok $n - examples/$1 (exit $rc)"
    printf '%s\n' "$out" | sed 's/^/# /'
    fail=1
  fi
}
echo "1..4"
check call_form 'succeeded after 3 calls'
check decorator 'fetch_retrying: 0 (ok)'
check chaining 'result: 0 after 4 queries'
check event_loop 'success after 3 attempts'
exit $fail
