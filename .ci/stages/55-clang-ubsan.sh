#!/bin/sh
# SPDX-License-Identifier: MIT
# clang's UndefinedBehaviorSanitizer over the whole suite (clang checks
# some cases gcc's does not, e.g. arithmetic on a null pointer); any
# report is fatal (-fno-sanitize-recover=all) and fails the stage.
. "$(dirname "$0")/common.inc"
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export UBSAN_OPTIONS
check_config clang-ubsan CC=clang --enable-sanitizers=undefined \
  --disable-valgrind
reports=$(count_reports "$build")
if [ "$reports" != 0 ]; then
  show_failures "$build"
  say "FAILED: $reports UBSan reports"
  exit 1
fi
say "ok: clang UBSan, whole suite, 0 reports"
