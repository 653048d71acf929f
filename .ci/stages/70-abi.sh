#!/bin/sh
# SPDX-License-Identifier: MIT
# The ABI guard: the library built from a clean copy of the tree must have
# exactly the ABI recorded in abi/libbackoff.abi, with the -version-info
# recorded beside it; any change fails until -version-info and the baseline
# are updated in the same change (make abi-baseline; see RELEASING). As
# root it installs abigail-tools if missing.
. "$(dirname "$0")/common.inc"
if ! command -v abidiff >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    say "FAILED: abidiff not found (as root: apt-get install abigail-tools)"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || say "apt-get update reported errors; installing anyway"
  apt-get install -y -qq --no-install-recommends abigail-tools >/dev/null
fi
dir=${TMPDIR:-/tmp}/libbackoff-abi.$$
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src" "$dir/build"
(cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -C "$dir/src" -xf -
(cd "$dir/src" && autoreconf -fi >/dev/null 2>&1)
(cd "$dir/build" && "$dir/src/configure" -q CFLAGS="-g -O2" &&
  make -s -j"$jobs" lib/libbackoff.la >/dev/null)
(cd "$dir/build" && make -s abi-check)
