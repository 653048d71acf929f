#!/bin/sh
# SPDX-License-Identifier: MIT
# 32-bit x86 with x87 maths (gcc -m32's default: 80-bit intermediates, the
# case where floating-point results differ from SSE2 in the last bits),
# VPATH, whole suite. Needs the i386 multiarch packages; as root the stage
# installs them (dpkg --add-architecture i386), otherwise it says what is
# missing and is skipped.
. "$(dirname "$0")/common.inc"

pkgs="gcc-multilib g++-multilib libltdl-dev:i386 check:i386 libsubunit-dev:i386"
have() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=
for p in $pkgs; do have "$p" || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    say "SKIP: i386 packages missing (as root: dpkg --add-architecture i386;" \
      "apt-get update; apt-get install$missing)"
    exit 0
  fi
  say "installing:$missing"
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    dpkg --add-architecture i386
  fi
  export DEBIAN_FRONTEND=noninteractive
  # A mirror mid-sync fails one index now and then: the install says
  # whether what it needs was there.
  apt-get update -qq || say "apt-get update reported errors; installing anyway"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The consumer tests' C++ compiler, 32-bit too.
CXX="g++ -m32"
export CXX
check_config i386 --build=i686-linux-gnu CC="gcc -m32 -mfpmath=387" \
  PKG_CONFIG_LIBDIR=/usr/lib/i386-linux-gnu/pkgconfig:/usr/share/pkgconfig
# The library really is 32-bit, and uses the 64-bit file interfaces.
lib=$build/lib/.libs/libbackoff.so
file -L "$lib" | grep -q 'ELF 32-bit' || { say "FAILED: $lib is not 32-bit"; exit 1; }
if nm -D --undefined-only "$lib" | grep -qw 'readdir\|stat\|lstat\|open\|fstat'; then
  nm -D --undefined-only "$lib" | grep -w 'readdir\|stat\|lstat\|open\|fstat'
  say "FAILED: 32-bit file interfaces imported (AC_SYS_LARGEFILE)"
  exit 1
fi
say "ok: 32-bit library with 64-bit file interfaces"
