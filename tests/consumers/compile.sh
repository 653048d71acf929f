#!/bin/sh
# SPDX-License-Identifier: MIT
# Consumers of every common kind compile without a single warning against
# the public headers, and run against the built library: a C++ program
# (BACKOFF_APPLY with and without options), a strategy plugin written in
# C++ (loaded by path, delays checked), a strict C99 program with an
# empty-options BACKOFF_APPLY, and a C89 program, which must be refused
# with the header's own message. TAP.

srcdir=${srcdir:-.}
top=${BACKOFF_PLUGIN_PATH%/plugins}
[ -n "$top" ] && [ -d "$top/lib" ] || top=.
CC=${CC:-cc}
src=$srcdir/tests/consumers
inc="-I$srcdir/include"

# The C++ compiler of the C compiler's family first (sanitizer runtimes).
case $CC in *clang*) cxx_list="clang++ g++ c++" ;; *) cxx_list="g++ clang++ c++" ;; esac
if [ -z "${CXX-}" ]; then
  for c in $cxx_list; do
    if command -v "$c" >/dev/null 2>&1; then CXX=$c; break; fi
  done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-consumers-XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# How a consumer links the built library: the shared one, else the archive
# (with the library's sanitizers, whose runtime must be in the program).
if [ -f "$top/lib/.libs/libbackoff.so" ]; then
  link="$top/lib/.libs/libbackoff.so -Wl,-rpath,$top/lib/.libs"
else
  link="$top/lib/.libs/libbackoff.a -lltdl -lm -lpthread"
fi

echo "1..6"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# build DESCRIPTION COMMAND...: ok when it succeeds with empty output.
build() {
  what=$1
  shift
  if "$@" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]; then
    ok "$what"
  else
    not_ok "$what: $*"
    sed 's/^/# /' "$tmp/out"
  fi
}

build "C99 consumer, empty-options BACKOFF_APPLY: -std=c99 -pedantic, no warning" \
  $CC -std=c99 -pedantic -Wall -Wextra -Werror $inc -c -o "$tmp/c99.o" \
  "$src/c99_consumer.c"

printf '#include <backoff.h>\nint main(void) { return 0; }\n' >"$tmp/c89.c"
if $CC -std=c89 -pedantic $inc -c -o "$tmp/c89.o" "$tmp/c89.c" \
    >"$tmp/out" 2>&1; then
  not_ok "a C89 compiler is refused"
elif grep -q 'libbackoff needs a C99 compiler' "$tmp/out"; then
  ok "a C89 compiler is refused with the header's message"
else
  not_ok "a C89 compiler fails, but not with the header's message"
  sed 's/^/# /' "$tmp/out"
fi

if [ -z "${CXX-}" ]; then
  for what in "C++ consumer" "C++ consumer runs" "C++ plugin" "C++ plugin loads"; do
    skip "$what: no C++ compiler (g++, clang++ or c++) found"
  done
  exit $failed
fi

build "C++ consumer: $CXX -std=c++20 -Wall -Wextra -pedantic, no warning" \
  $CXX -std=c++20 -pedantic -Wall -Wextra -Werror $inc -o "$tmp/cxx" \
  "$src/cxx_consumer.cc" $link ${SANITIZER_CFLAGS-}
if [ -x "$tmp/cxx" ] && out=$("$tmp/cxx" 2>&1); then
  ok "C++ consumer runs: $(echo $out)"
else
  not_ok "C++ consumer run"
  printf '%s\n' "$out" | sed 's/^/# /'
fi

build "C++ plugin: $CXX -shared -fvisibility=hidden -pedantic, no warning" \
  $CXX -std=c++11 -pedantic -Wall -Wextra -Werror -shared -fPIC \
  -fvisibility=hidden $inc -o "$tmp/strategy_cxx.so" "$src/cxx_plugin.cc"
want="path $tmp/strategy_cxx.so
0 0.5
1 1
2 1.5"
out=$("$top/tests/probe" -n 3 "$tmp/strategy_cxx.so" 2>&1)
if [ "$out" = "$want" ]; then
  ok "C++ plugin loads by path and computes its delays"
else
  not_ok "C++ plugin: got: $(echo $out)"
fi
exit $failed
