#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-valgrind: every test under memcheck (--error-exitcode=1,
# --leak-check=full, errors for definite and indirect leaks; flags in
# tests/local.am). Runs in the in-tree build .ci/run made. No
# suppressions file: libltdl and glibc gave no definite/indirect leaks and
# no errors, so there is no third-party noise to hide.
. "$(dirname "$0")/common.inc"
cd "$top"
command -v valgrind >/dev/null 2>&1 || {
  say "valgrind not installed: skipped (Debian: apt-get install valgrind)"
  exit 0
}
[ -f Makefile ] || ./configure -q
grep -q '^VALGRIND_ENABLED = yes' Makefile || ./configure -q --enable-valgrind
# memcheck runs code 20-50 times slower: Check's per-test time limits
# (set for a native run) are stretched to match, or a CPU-bound test times
# out on a busy machine without any memory error.
CK_TIMEOUT_MULTIPLIER=10
export CK_TIMEOUT_MULTIPLIER
# Everything built first: the tests load the build tree's plugins.
make -s -j"$jobs" all >/dev/null
say "make check-valgrind (memcheck; CK_TIMEOUT_MULTIPLIER=$CK_TIMEOUT_MULTIPLIER)"
rc=0
make -j"$jobs" check-valgrind >check-valgrind.out 2>&1 || rc=$?
grep '^# \(TOTAL\|PASS\|SKIP\|FAIL\|ERROR\)' check-valgrind.out | sed 's/^/    /'
runs=$(cat tests/*.log | grep -c 'ERROR SUMMARY' || true)
errs=$(cat tests/*.log | sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' |
  awk '{s += $1} END {print s + 0}')
lost=$(cat tests/*.log | grep -E '(definitely|indirectly) lost: [1-9]' | wc -l)
say "memcheck processes: $runs; errors: $errs; processes with definite/indirect leaks: $lost"
if [ "$rc" != 0 ] || [ "$errs" != 0 ] || [ "$lost" != 0 ]; then
  show_failures "$top"
  cat test-suite-memcheck.log 2>/dev/null | tail -60
  say "FAILED"
  exit 1
fi
say "ok: 0 errors, 0 definite/indirect leaks"
