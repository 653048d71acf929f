#!/bin/sh
# SPDX-License-Identifier: MIT
# Export check: the library exports only backoff and backoff_<lowercase>...
# (hidden visibility and the export regex together: either alone leaks),
# each plugin only the contract symbols of backoff/plugin.h under its own
# strategy_<name>_LTX_ prefix. TAP, one line per file.
# Runs from the build directory (make check); reads nothing from $srcdir.

top=${BACKOFF_PLUGIN_PATH%/plugins}
[ -n "$top" ] && [ -d "$top/lib" ] || top=.
lib=$top/lib/.libs/libbackoff.so

if ! command -v nm >/dev/null 2>&1; then
  echo "1..0 # SKIP nm(1) not found"
  exit 0
fi
if [ ! -f "$lib" ]; then
  echo "1..0 # SKIP no shared library built (--disable-shared?)"
  exit 0
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

# Prints the defined dynamic symbols of $1 that do not match regex $2.
strays() {
  nm -D --defined-only "$1" | awk '{ print $NF }' | grep -Ev -- "$2"
}

# check FILE REGEX MUST_HAVE...: no stray symbol, every MUST_HAVE present.
check() {
  file=$1 re=$2
  shift 2
  if ! syms=$(nm -D --defined-only "$file" | awk '{ print $NF }'); then
    not_ok "$file: nm failed"
    return
  fi
  bad=$(printf '%s\n' "$syms" | grep -Ev -- "$re")
  if [ -n "$bad" ]; then
    not_ok "$file exports symbols outside the contract: $(echo $bad)"
    return
  fi
  for want in "$@"; do
    if ! printf '%s\n' "$syms" | grep -qx -- "$want"; then
      not_ok "$file lacks $want"
      return
    fi
  done
  ok "$file exports only the contract ($(printf '%s\n' "$syms" | wc -l) symbols)"
}

plugins=$(ls "$top"/plugins/.libs/strategy_*.so 2>/dev/null)
fixture=$top/tests/plugins/.libs/strategy_plain_a.so
echo "1..$(( $(echo "$plugins" | wc -w) + 2 + 1))"

check "$lib" '^backoff($|_[a-z])' backoff backoff_strerror \
  backoff_strategy_open backoff_version
for so in $plugins; do
  name=$(basename "$so" .so)
  p="${name}_LTX_"
  check "$so" "^${p}(compute_delay|backoff_plugin_abi|backoff_plugin_params|backoff_plugin_description|backoff_plugin_flags)\$" \
    "${p}compute_delay" "${p}backoff_plugin_abi"
done
# Every plugin the build lists (plugin_LTLIBRARIES, as the .la files it
# made) has its shared object checked above.
want=$(ls "$top"/plugins/strategy_*.la 2>/dev/null | wc -l)
if [ "$want" -ge 6 ] && [ "$(echo "$plugins" | wc -w)" -eq "$want" ]; then
  ok "all $want in-tree plugins are built and checked"
else
  not_ok "expected $want (>= 6) plugins in $top/plugins/.libs, found: $plugins"
fi
# The checker itself must be able to fail: the plain_a fixture exports a
# helper (fixture_value) on purpose.
if [ -f "$fixture" ] && [ -n "$(strays "$fixture" '^strategy_plain_a_LTX_')" ]; then
  ok "the check catches a stray export (fixture strategy_plain_a)"
else
  not_ok "the check did not catch fixture_value in $fixture"
fi
exit $failed
