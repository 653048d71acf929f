#!/bin/sh
# SPDX-License-Identifier: MIT
# The suite built with -fsanitize=thread, out of tree. TSan must see the
# threading tests (tests/check_threads) and everything else that runs
# threads; it runs the whole suite, which costs little more.
# CK_FORK stays on: Check forks before any test thread exists, which TSan
# handles; with CK_FORK=no one test's environment would leak into the next.
. "$(dirname "$0")/common.inc"
dir=${TMPDIR:-/tmp}/libbackoff-tsan.$$
trap 'rm -rf "$dir"' EXIT
vpath_build "$dir" --enable-sanitizers=thread --disable-valgrind
# halt_on_error: the first race fails the test; second_deadlock_stack for
# readable lock-order reports. No suppressions.
TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1:report_signal_unsafe=1
export TSAN_OPTIONS
say "TSAN_OPTIONS=$TSAN_OPTIONS"
say "make check (every test; the threading tests are tests/check_threads)"
rc=0
(cd "$build" && make -j"$jobs" check >make-check.out 2>&1) || rc=$?
grep '^# \(TOTAL\|PASS\|SKIP\|FAIL\|ERROR\)' "$build/make-check.out" | sed 's/^/    /'
if ! grep -q '^PASS: tests/check_threads' "$build/make-check.out"; then
  say "tests/check_threads did not run"
  rc=1
fi
reports=$(count_reports "$build")
say "sanitizer reports: $reports"
if [ "$rc" != 0 ] || [ "$reports" != 0 ]; then
  show_failures "$build"
  say "FAILED"
  exit 1
fi
say "ok: thread, whole suite, 0 reports"
