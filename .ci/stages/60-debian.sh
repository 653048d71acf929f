#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian packages: built from a clean copy of the committed tree with
# dpkg-buildpackage -us -uc -b (nocheck: make check already ran), checked
# by lintian (no error, no warning), installed with dpkg; then a consumer
# program and an out-of-tree plugin are built against the installed
# packages with pkg-config alone and run, and the packages are purged.
# As root it installs the release tools it lacks (debhelper, lintian,
# abigail-tools, devscripts); otherwise it needs them already there.
. "$(dirname "$0")/common.inc"

tools="debhelper:/usr/bin/dh lintian:/usr/bin/lintian
abigail-tools:/usr/bin/abidiff fakeroot:/usr/bin/fakeroot
dpkg-dev:/usr/bin/dpkg-buildpackage pkg-config:/usr/bin/pkg-config"
missing=
for t in $tools; do
  [ -e "${t#*:}" ] || missing="$missing ${t%%:*}"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    say "FAILED: missing:$missing (as root: apt-get install$missing)"
    exit 1
  fi
  say "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || say "apt-get update reported errors; installing anyway"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "$(id -u)" != 0 ]; then
  say "SKIP: installing and purging the packages needs root"
  exit 0
fi

dir=${TMPDIR:-/tmp}/libbackoff-deb.$$
pkgs="libbackoff1 libbackoff-dev backoff libbackoff-budget-redis"
cleanup() {
  # shellcheck disable=SC2086
  dpkg --purge $pkgs >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/src"
(cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -C "$dir/src" -xf -

say "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=nocheck)"
if ! (cd "$dir/src" && DEB_BUILD_OPTIONS="nocheck parallel=$jobs" \
      dpkg-buildpackage -us -uc -b >"$dir/build.log" 2>&1); then
  tail -60 "$dir/build.log"
  say "FAILED: dpkg-buildpackage"
  exit 1
fi
grep -i 'dpkg-gensymbols: warning' "$dir/build.log" && {
  say "FAILED: the symbols file does not match the library"
  exit 1
}
for deb in "$dir"/*.deb; do
  say "$(basename "$deb"):"
  dpkg-deb -c "$deb" | awk '{ print "    " $6 ($7 ? " " $7 " " $8 : "") }'
done

say "lintian"
changes=$(ls "$dir"/*.changes)
lintian --fail-on error,warning "$changes" >"$dir/lintian.out" 2>&1 || {
  cat "$dir/lintian.out"
  say "FAILED: lintian"
  exit 1
}
sed 's/^/    /' "$dir/lintian.out"
say "lintian: no error, no warning"

say "dpkg -i"
# shellcheck disable=SC2046
dpkg -i $(ls "$dir"/*.deb | grep -v dbgsym) >/dev/null

# A consumer and a plugin, with pkg-config alone, outside any source tree.
work=$dir/consumer
mkdir -p "$work"
cp "$top/doc/installed-use.c" "$top/tests/outoftree/strategy_oot.c" "$work/"
cd "$work"
unset BACKOFF_PLUGIN_PATH PKG_CONFIG_PATH
cc -std=c99 -Wall -Wextra -Werror $(pkg-config --cflags libbackoff) \
  -o installed-use installed-use.c $(pkg-config --libs libbackoff)
plugindir=$(pkg-config --variable=plugindir libbackoff)
names=
for f in "$plugindir"/strategy_*.so; do
  n=${f##*/strategy_}
  names="$names ${n%.so}"
done
# shellcheck disable=SC2086
./installed-use strategies exact "$plugindir" $names
say "consumer: every packaged strategy ($names) by name, no environment"
cc -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
  $(pkg-config --cflags libbackoff) -o strategy_oot.so strategy_oot.c
out=$(backoff --strategy "$work/strategy_oot.so" --max-tries 3 --jitter none \
  --schedule 2>&1) || { printf '%s\n' "$out"; say "FAILED: plugin"; exit 1; }
printf '%s\n' "$out" | sed 's/^/    /'
say "an out-of-tree plugin built with pkg-config runs in the packaged command"
cd /
# shellcheck disable=SC2086
dpkg --purge $pkgs >/dev/null
say "ok: built, lintian-clean, installed, used, purged"
