#!/bin/sh
# SPDX-License-Identifier: MIT
# A static-only build (--disable-shared), VPATH: the library carries the
# built-in strategies (-dlpreopen), so the command and every program work
# with no module to dlopen. The suite runs without the tests whose subject
# is loading shared modules (their fixtures cannot be built static-only):
# they are listed below. Then the installed command, with no environment,
# runs every built-in strategy.
. "$(dirname "$0")/common.inc"
needs_shared="tests/check_loader tests/check_cache tests/check_pipeline
tests/check_bad_inputs tests/cli/plugin.sh tests/loader_env.sh"
dir=${TMPDIR:-/tmp}/libbackoff-static-only.$$
trap 'rm -rf "$dir"' EXIT
vpath_build "$dir" --disable-shared --prefix="$dir/inst"
tests=
for t in $(cd "$build" && make -s print-tests); do
  case " $(echo $needs_shared) " in *" $t "*) continue ;; esac
  tests="$tests $t"
done
say "make check without:" $needs_shared
rc=0
(cd "$build" && make -j"$jobs" check TESTS="$tests" >make-check.out 2>&1) || rc=$?
grep '^# \(TOTAL\|PASS\|SKIP\|FAIL\|ERROR\)' "$build/make-check.out" | sed 's/^/    /'
if [ "$rc" != 0 ]; then
  show_failures "$build"
  say "FAILED: make check (static only)"
  exit 1
fi
(cd "$build" && make -s install >/dev/null)
for s in decorrelated exponential fibonacci fixed linear polynomial; do
  out=$(env -u BACKOFF_PLUGIN_PATH "$dir/inst/bin/backoff" --strategy "$s" \
    --max-tries 2 --schedule 2>&1) || {
    printf '%s\n' "$out"
    say "FAILED: the installed command cannot run strategy $s"
    exit 1
  }
done
say "ok: static only; the installed command runs every built-in strategy"
