#!/bin/sh
# SPDX-License-Identifier: MIT
# make lint: format (.clang-format), cppcheck warnings, and no sprintf /
# strcpy in lib/. Needs clang-format and cppcheck; as root, installs them
# if missing.
. "$(dirname "$0")/common.inc"
cd "$top"
for tool in clang-format cppcheck; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
     command -v apt-get >/dev/null 2>&1; then
    say "installing $tool"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null 2>&1 || true
  fi
done
[ -f Makefile ] || ./configure -q
say "make lint"
make -s lint || { say "FAILED"; exit 1; }
say "ok"
