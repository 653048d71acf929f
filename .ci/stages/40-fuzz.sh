#!/bin/sh
# SPDX-License-Identifier: MIT
# make fuzz, briefly (FUZZ_TIME seconds per target, default 20): needs
# clang with libFuzzer. As root, installs Debian's libclang-rt-14-dev if
# -fsanitize=fuzzer does not link; otherwise says why and skips.
. "$(dirname "$0")/common.inc"
cd "$top"
probe() {
  echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
    clang -fsanitize=fuzzer,address,undefined -x c - -o /dev/null 2>/dev/null
}
if ! command -v clang >/dev/null 2>&1 || ! probe; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing clang libclang-rt-14-dev"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null 2>&1 || true
  fi
fi
if ! command -v clang >/dev/null 2>&1 || ! probe; then
  say "clang -fsanitize=fuzzer unavailable: skipped"
  exit 0
fi
[ -f Makefile ] || ./configure -q
say "make fuzz FUZZ_TIME=${FUZZ_TIME:-20}"
make fuzz FUZZ_TIME="${FUZZ_TIME:-20}" || { say "FAILED"; exit 1; }
say "ok"
