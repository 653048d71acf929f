#!/bin/sh
# SPDX-License-Identifier: MIT
# make fuzz: build each libFuzzer target with clang -fsanitize=fuzzer,
# address,undefined (the library's sources compiled in, so they are
# instrumented too) and run it for FUZZ_TIME seconds from its committed
# seed corpus (fuzz/corpus/<target>/, read-only: new inputs go to a work
# corpus in the build tree). A crash fails the run and leaves the input in
# fuzz-out/; commit it to fuzz/regress/<target>/ and `make check` replays
# it from then on (tests/fuzz_replay_*). One input that runs over 10 s
# fails the run too (a hang is a finding).
#
# Environment (set by fuzz/local.am): srcdir, builddir, FUZZ_CC, FUZZ_TIME,
# PLUGINDIR, BACKOFF_PLUGIN_PATH, EXTRA_CPPFLAGS.
set -eu
srcdir=${srcdir:-.}
builddir=${builddir:-.}
cc=${FUZZ_CC:-clang}
time=${FUZZ_TIME:-20}
out=$builddir/fuzz-out
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

if ! echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
    $cc $flags -x c - -o /dev/null 2>/dev/null; then
  echo "fuzz: '$cc -fsanitize=fuzzer' does not link (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 77
fi

mkdir -p "$out"
cppflags="-I$builddir -I$srcdir/include -I$srcdir/lib -I$srcdir/tools -DHAVE_CONFIG_H ${EXTRA_CPPFLAGS:-}"
lib_sources=$(ls "$srcdir"/lib/*.c "$srcdir"/lib/seam/*.c)

targets="fuzz_configure fuzz_env fuzz_cli_duration fuzz_cli_codes fuzz_cli_args fuzz_ere fuzz_budget_shm"
extra_fuzz_cli="$srcdir/tools/cli_parse.c $srcdir/tools/ere.c"

status=0
for t in $targets; do
  extra=""
  case $t in
  fuzz_cli_*) extra=$extra_fuzz_cli ;;
  fuzz_ere) extra=$srcdir/tools/ere.c ;;
  esac
  echo "fuzz: building $t"
  # shellcheck disable=SC2086
  $cc $flags $cppflags -DBACKOFF_PLUGINDIR="\"${PLUGINDIR:-/nonexistent}\"" \
    -o "$out/$t" "$srcdir/fuzz/$t.c" $lib_sources $extra -lltdl -lm -lpthread
  rm -rf "$out/$t.corpus"
  mkdir -p "$out/$t.corpus"
  # Past crashes (fuzz/regress/<target>/) are read first, with the seeds.
  regress=""
  [ -d "$srcdir/fuzz/regress/$t" ] && regress="$srcdir/fuzz/regress/$t"
  echo "fuzz: running $t for ${time}s"
  # shellcheck disable=SC2086
  if "$out/$t" -max_total_time="$time" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$out/$t-" "$out/$t.corpus" "$srcdir/fuzz/corpus/$t" \
      $regress > "$out/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1)
    echo "fuzz: $t ok: ${runs:-?} executions, $cov, corpus $(ls "$out/$t.corpus" | wc -l) new inputs"
  else
    status=1
    echo "fuzz: $t FAILED; the input is in $out/$t-*; commit it to fuzz/regress/$t/"
    tail -40 "$out/$t.log"
  fi
done
exit $status
