#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole suite built with -fsanitize=address,undefined (library,
# plugins, tools, tests), out of tree. Leak detection is on; any report
# fails the stage (-fno-sanitize-recover=all makes UBSan fatal too).
. "$(dirname "$0")/common.inc"
dir=${TMPDIR:-/tmp}/libbackoff-asan.$$
trap 'rm -rf "$dir"' EXIT
vpath_build "$dir" --enable-sanitizers=address,undefined --disable-valgrind
# detect_leaks: on (the default on x86_64 Linux), stated to be sure.
# abort_on_error=0 + exitcode: a report ends the test with a failure the
# TAP driver shows. No suppressions: libltdl and glibc gave no reports.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
say "ASAN_OPTIONS=$ASAN_OPTIONS"
say "UBSAN_OPTIONS=$UBSAN_OPTIONS"
say "make check (every test)"
rc=0
(cd "$build" && make -j"$jobs" check >make-check.out 2>&1) || rc=$?
grep '^# \(TOTAL\|PASS\|SKIP\|FAIL\|ERROR\)' "$build/make-check.out" | sed 's/^/    /'
reports=$(count_reports "$build")
say "sanitizer reports: $reports"
if [ "$rc" != 0 ] || [ "$reports" != 0 ]; then
  show_failures "$build"
  say "FAILED"
  exit 1
fi
say "ok: address+undefined, whole suite, 0 reports"
