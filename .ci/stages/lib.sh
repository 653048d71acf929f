# Shared by the stages (sourced, not run: no .sh suffix, so .ci/run skips it).
# vpath_build DIR CONFIGURE-ARGS...: a clean copy of the committed tree in
# DIR/src (the checkout itself is already configured in-tree by .ci/run,
# and configure refuses a VPATH build from a configured tree), configured
# out of tree in DIR/build (a VPATH build, like distcheck's); builds
# everything `make check` builds. Sets $build.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

say() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*"; }

vpath_build() {
  dir=$1
  shift
  rm -rf "$dir"
  mkdir -p "$dir/src" "$dir/build"
  (cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -C "$dir/src" -xf -
  (cd "$dir/src" && autoreconf -fi >/dev/null 2>&1)
  build=$dir/build
  say "VPATH build in $build: configure $*"
  (cd "$build" && "$dir/src/configure" -q "$@")
  say "make -j$jobs (library, plugins, tools, tests)"
  (cd "$build" && make -s -j"$jobs" all >/dev/null &&
    make -s -j"$jobs" check TESTS= >/dev/null)
}

# show_failures DIR: the logs of failed tests, for the CI output.
show_failures() {
  for log in "$1"/tests/*.log "$1"/test-suite*.log; do
    [ -f "$log" ] || continue
    if grep -q '^\(not ok\|FAIL\|ERROR\)' "$log" ||
       grep -q 'ERROR: \(Address\|Leak\|Undefined\|Thread\)Sanitizer\|WARNING: ThreadSanitizer\|runtime error:' "$log"; then
      echo "----- $log"
      tail -80 "$log"
    fi
  done
}

# count_reports DIR: sanitizer reports in every test log (0 is the goal).
count_reports() {
  cat "$1"/tests/*.log 2>/dev/null |
    grep -c 'ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|WARNING: ThreadSanitizer\|runtime error:' || true
}
