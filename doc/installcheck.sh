#!/bin/sh
# SPDX-License-Identifier: MIT
# make installcheck: use the *installed* libbackoff as a user would, with
# nothing but pkg-config: build and run a program against it, load every
# installed strategy by name with no environment variable set, and build the
# out-of-tree plugin example (examples/plugin) against it, install it into a
# temporary directory and load it by path and by name.
#
# Called by installcheck-local (doc/local.am) with top_srcdir, libdir,
# plugindir, mandir, DESTDIR, CC and PKG_CONFIG in the environment. Writes only into
# a mktemp directory. `make distcheck` runs it against its temporary prefix
# (no DESTDIR); with DESTDIR set, pkg-config's sysroot points into it.
set -eu

: "${top_srcdir:?}" "${libdir:?}" "${plugindir:?}" "${mandir:?}"
DESTDIR=${DESTDIR-}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
top_srcdir=$(cd "$top_srcdir" && pwd)

# Nothing from the caller's environment may help or mislead: no plugin
# path, no defaults, and no make variables leaking into the inner builds.
unset BACKOFF_PLUGIN_PATH BACKOFF_DEFAULT_TRIES BACKOFF_DEFAULT_DELAY
unset MAKEFLAGS MFLAGS MAKELEVEL LD_LIBRARY_PATH PKG_CONFIG_SYSROOT_DIR

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-installcheck.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

say() { printf 'installcheck: %s\n' "$*"; }
die() { printf 'installcheck: FAILED: %s\n' "$*" >&2; exit 1; }
# Runs a build step quietly; shows its log when it fails.
step() {
  log=$tmp/step.log
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    die "$*"
  fi
}

PKG_CONFIG_PATH=$DESTDIR$libdir/pkgconfig
export PKG_CONFIG_PATH
if [ -n "$DESTDIR" ]; then
  PKG_CONFIG_SYSROOT_DIR=$DESTDIR
  export PKG_CONFIG_SYSROOT_DIR
fi
[ -f "$PKG_CONFIG_PATH/libbackoff.pc" ] ||
  die "$PKG_CONFIG_PATH/libbackoff.pc is not installed (run make install first)"

cflags=$($PKG_CONFIG --cflags libbackoff) || die "pkg-config --cflags libbackoff"
libs=$($PKG_CONFIG --libs libbackoff) || die "pkg-config --libs libbackoff"
pc_libdir=$($PKG_CONFIG --variable=libdir libbackoff)
pc_plugindir=$($PKG_CONFIG --variable=plugindir libbackoff)
# Some pkg-config implementations apply the sysroot to variables, some not.
case $pc_libdir in "$DESTDIR"/*) ;; *) pc_libdir=$DESTDIR$pc_libdir ;; esac
installed_plugindir=$pc_plugindir
case $installed_plugindir in
  "$DESTDIR"/*) ;; *) installed_plugindir=$DESTDIR$installed_plugindir ;;
esac
[ "$installed_plugindir" = "$DESTDIR$plugindir" ] ||
  die "libbackoff.pc says plugindir=$pc_plugindir, the build says $plugindir"
say "pkg-config libbackoff: $cflags $libs (plugindir $pc_plugindir)"

# 1. A program built with only pkg-config's flags, warning-free in strict C99.
step $CC -std=c99 -Wall -Wextra -Werror $cflags -o "$tmp/installed-use" \
  "$top_srcdir/doc/installed-use.c" $libs "-Wl,-rpath,$pc_libdir"

# 2. Every installed strategy, by name. Without DESTDIR the library must find
# them with no environment variable at all: its compiled-in plugindir.
names=
for f in "$DESTDIR$plugindir"/strategy_*.so; do
  [ -e "$f" ] || die "no strategy installed in $DESTDIR$plugindir"
  n=${f##*/strategy_}
  names="$names ${n%.so}"
done
say "installed strategies:$names"
if [ -z "$DESTDIR" ]; then
  # shellcheck disable=SC2086
  "$tmp/installed-use" strategies exact "$plugindir" $names ||
    die "installed strategies (no environment)"
else
  # shellcheck disable=SC2086
  BACKOFF_PLUGIN_PATH=$DESTDIR$plugindir \
    "$tmp/installed-use" strategies some "$DESTDIR$plugindir" $names ||
    die "installed strategies (BACKOFF_PLUGIN_PATH=$DESTDIR$plugindir)"
fi

# 2b. The complete programs in the installed man pages' EXAMPLES build with
# pkg-config alone and run (their delays are scaled down to milliseconds).
mkdir "$tmp/manex"
n=0
for page in "$DESTDIR$mandir"/man3/backoff*.3; do
  awk -v out="$tmp/manex/${page##*/}" '
    /^\.EX/ { k++; inex = 1; f = out "." k ".c"; printf "" > f; next }
    /^\.EE/ { inex = 0; close(f); next }
    inex { print > f }' "$page"
done
for f in "$tmp"/manex/*.c; do
  [ -e "$f" ] && grep -q '^int main(void)$' "$f" || continue
  sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g' \
      -e 's/\\e/\\/g' "$f" >"$f.c"
  step $CC -std=gnu99 -Wall -Wextra -Werror $cflags -o "${f%.c}" "$f.c" \
    $libs "-Wl,-rpath,$pc_libdir"
  if [ -z "$DESTDIR" ]; then
    "${f%.c}" >"$f.out" 2>&1
  else
    BACKOFF_PLUGIN_PATH=$DESTDIR$plugindir "${f%.c}" >"$f.out" 2>&1
  fi || { cat "$f.out" >&2; die "man page example ${f##*/} failed"; }
  n=$((n + 1))
done
[ "$n" -ge 4 ] || die "only $n complete examples in the installed man pages"
say "$n man page examples built and ran"

# 3. The example plugin with a bare compiler, as backoff-plugin(7) shows.
example=$top_srcdir/examples/plugin
mkdir "$tmp/plain"
step $CC -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror $cflags \
  -o "$tmp/plain/strategy_spread.so" "$example/strategy_spread.c"
"$tmp/installed-use" spread "$tmp/plain/strategy_spread.so" ||
  die "example plugin built with cc, loaded by path"

# 4. The example as its own autotools project: PKG_CHECK_MODULES finds the
# library, PKG_CHECK_VAR its plugindir, `make install` puts the module there
# (staged under $tmp with DESTDIR), and libbackoff loads it by path and, via
# BACKOFF_PLUGIN_PATH, by name.
if ! command -v autoreconf >/dev/null 2>&1; then
  say "SKIP examples/plugin as an autotools project: autoreconf not found"
  exit 0
fi
cp -R "$example" "$tmp/src"
chmod -R u+w "$tmp/src"
# A copy of a checkout may hold a previous in-tree build: start clean.
rm -rf "$tmp/src/autom4te.cache" "$tmp/src/config.status"
say "examples/plugin: autoreconf, configure, make, make install"
(cd "$tmp/src" && step autoreconf -fi)
mkdir "$tmp/build"
(cd "$tmp/build" && step "$tmp/src/configure" --prefix="$tmp/prefix" CC="$CC")
grep -qxF "BACKOFF_PLUGINDIR = $pc_plugindir" "$tmp/build/Makefile" ||
  die "examples/plugin: configure did not take plugindir $pc_plugindir"
(cd "$tmp/build" && step make && step make install DESTDIR="$tmp/stage")
staged=$tmp/stage$pc_plugindir
[ -f "$staged/strategy_spread.so" ] ||
  die "examples/plugin: make install did not install $staged/strategy_spread.so"
if command -v nm >/dev/null 2>&1; then
  extra=$(nm -D --defined-only "$staged/strategy_spread.so" |
    awk '$2 ~ /^[A-Z]$/ { print $3 }' |
    grep -v -E '^strategy_spread_LTX_(compute_delay|backoff_plugin_(abi|params|description))$' |
    grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' || true)
  [ -z "$extra" ] || die "examples/plugin exports more than the contract: $extra"
fi
"$tmp/installed-use" spread "$staged/strategy_spread.so" ||
  die "examples/plugin loaded by path"
BACKOFF_PLUGIN_PATH=$staged "$tmp/installed-use" spread spread ||
  die "examples/plugin loaded by name through BACKOFF_PLUGIN_PATH"
say "all good"
