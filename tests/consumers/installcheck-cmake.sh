#!/bin/sh
# SPDX-License-Identifier: MIT
# make installcheck: the CMake example (examples/cmake) configured, built
# and run against the *installed* libbackoff, found by
# pkg_check_modules(... IMPORTED_TARGET libbackoff) and nothing else.
# Called by installcheck-local with top_srcdir, libdir, plugindir, DESTDIR
# and CC in the environment. Without cmake, says so and succeeds.
set -eu
: "${top_srcdir:?}" "${libdir:?}" "${plugindir:?}"
DESTDIR=${DESTDIR-}
say() { printf 'installcheck-cmake: %s\n' "$*"; }
if ! command -v cmake >/dev/null 2>&1; then
  say "SKIP: cmake not found (apt-get install cmake)"
  exit 0
fi
unset MAKEFLAGS MFLAGS MAKELEVEL BACKOFF_PLUGIN_PATH PKG_CONFIG_SYSROOT_DIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-cmake.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
PKG_CONFIG_PATH=$DESTDIR$libdir/pkgconfig
export PKG_CONFIG_PATH
if [ -n "$DESTDIR" ]; then
  PKG_CONFIG_SYSROOT_DIR=$DESTDIR
  export PKG_CONFIG_SYSROOT_DIR
fi
if ! cmake -S "$top_srcdir/examples/cmake" -B "$tmp" \
    -DCMAKE_C_COMPILER="${CC:-cc}" >"$tmp.log" 2>&1 ||
   ! cmake --build "$tmp" >>"$tmp.log" 2>&1; then
  cat "$tmp.log" >&2
  rm -f "$tmp.log"
  say "FAILED: the CMake example does not build against the installed library"
  exit 1
fi
rm -f "$tmp.log"
# pkg-config gives no runpath: the loader is told where the library is
# (under DESTDIR, the plugins are not where the library looks either).
LD_LIBRARY_PATH=$DESTDIR$libdir
export LD_LIBRARY_PATH
if [ -n "$DESTDIR" ]; then
  BACKOFF_PLUGIN_PATH=$DESTDIR$plugindir
  export BACKOFF_PLUGIN_PATH
fi
"$tmp/retry_demo"
say "ok: pkg_check_modules(IMPORTED_TARGET libbackoff) builds and runs"
