#!/bin/sh
# SPDX-License-Identifier: MIT
# libbackoff.pc is complete for a static link: a consumer built with
# `cc ... $(pkg-config --static --cflags --libs libbackoff) -static` links
# (Libs.private carries -lltdl, -lm and one -lpthread) and runs, loading a
# strategy by path from the statically linked program. The build tree's
# .pc is used with its libdir and includedir pointed at the build and
# source trees. TAP.

srcdir=${srcdir:-.}
top=${BACKOFF_PLUGIN_PATH%/plugins}
[ -n "$top" ] && [ -d "$top/lib" ] || top=.
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

if [ ! -f "$top/lib/.libs/libbackoff.a" ]; then
  echo "1..0 # SKIP no static library built (--disable-static)"
  exit 0
fi
if [ -n "${SANITIZER_CFLAGS-}" ]; then
  echo "1..0 # SKIP built with $SANITIZER_CFLAGS: no static sanitizer runtime"
  exit 0
fi
if ! command -v "$PKG_CONFIG" >/dev/null 2>&1; then
  echo "1..0 # SKIP $PKG_CONFIG not found"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-static-XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# The static archives of the dependencies, as the C library finds them.
for a in c m ltdl; do
  if ! echo 'int main(void){return 0;}' |
      $CC -x c - -static -l$a -o "$tmp/probe" >/dev/null 2>&1; then
    echo "1..0 # SKIP lib$a.a not installed (static link impossible here)"
    exit 0
  fi
done

echo "1..4"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

pc() {
  PKG_CONFIG_PATH=$top PKG_CONFIG_LIBDIR=/nonexistent \
    $PKG_CONFIG --define-variable=libdir="$top/lib/.libs" \
    --define-variable=includedir="$srcdir/include" "$@" libbackoff
}
private=$(sed -n 's/^Libs.private: *//p' "$top/libbackoff.pc")
case " $private " in
  *" -lm "*) ok "Libs.private has -lm: $private" ;;
  *) not_ok "Libs.private lacks -lm: $private" ;;
esac
npthread=$(printf '%s\n' $private | grep -c '^-lpthread$')
if [ "$npthread" -le 1 ]; then
  ok "Libs.private names -lpthread at most once ($npthread)"
else
  not_ok "Libs.private names -lpthread $npthread times"
fi

cflags=$(pc --cflags) && libs=$(pc --static --libs) || {
  not_ok "pkg-config --static --libs libbackoff failed"
  exit 1
}
# glibc warns that dlopen in a static program needs its shared libraries
# at run time: true, and why the strategy still loads below.
if $CC -std=c99 $cflags -o "$tmp/static_use" \
    "$srcdir/tests/consumers/static_use.c" -static $libs \
    >"$tmp/cc.out" 2>&1; then
  ok "linked -static with: $libs"
else
  not_ok "link -static with: $libs"
  sed 's/^/# /' "$tmp/cc.out"
  exit 1
fi

out=$("$tmp/static_use" "$top/plugins/.libs/strategy_fixed.so" 2>&1)
case $out in
  "rc=0 calls=3 attempts=3 version="*) ok "runs: $out" ;;
  *)
    if [ ! -f "$top/plugins/.libs/strategy_fixed.so" ]; then
      ok "# SKIP no shared plugin to load (--disable-shared)"
    else
      not_ok "run: $out"
    fi ;;
esac
exit $failed
