#!/bin/sh
# SPDX-License-Identifier: MIT
# A custom plugin built out of tree with a plain compiler (not libtool),
# loaded by path and by name. Each load runs tests/probe as a fresh process:
# BACKOFF_PLUGIN_PATH is read once per process. TAP.

srcdir=${srcdir:-.}
top=${BACKOFF_PLUGIN_PATH%/plugins}
[ -n "$top" ] && [ -d "$top/tests" ] || top=.
probe=$top/tests/probe

# The compiler configure chose, as libtool recorded it.
CC=$(sed -n 's/^CC="\(.*\)"$/\1/p' "$top/libtool" 2>/dev/null | head -n 1)
: "${CC:=cc}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-oot-XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

echo "1..6"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
expect() { # description, expected output, actual output
  if [ "$2" = "$3" ]; then ok "$1"; else
    not_ok "$1"
    printf '# want:\n%s\n# got:\n%s\n' "$2" "$3" | sed 's/^/# /'
  fi
}

if $CC -shared -fPIC -fvisibility=hidden -I"$srcdir/include" \
    -o "$tmp/strategy_oot.so" "$srcdir/tests/outoftree/strategy_oot.c" \
    2>"$tmp/cc.err"; then
  ok "compiled with $CC -shared -fPIC, no libtool"
else
  not_ok "compile failed: $(cat "$tmp/cc.err")"
  exit 1
fi

want="path $tmp/strategy_oot.so
0 1
1 2
2 3
3 4"
expect "loads by path" "$want" "$("$probe" -n 4 "$tmp/strategy_oot.so" 2>&1)"

want="path $tmp/strategy_oot.so
0 0.5
1 1
2 1.5"
expect "loads by name through BACKOFF_PLUGIN_PATH (its parameter works)" \
  "$want" \
  "$(BACKOFF_PLUGIN_PATH=$tmp "$probe" -n 3 -c step=2 oot 2>&1)"

# Later directories still searched; the in-tree ones stay reachable.
want="path $tmp/strategy_oot.so
0 1"
expect "found in the second directory of BACKOFF_PLUGIN_PATH" "$want" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/nonexistent:$tmp "$probe" -n 1 oot 2>&1)"

out=$(BACKOFF_PLUGIN_PATH=$tmp:$BACKOFF_PLUGIN_PATH "$probe" -l 2>&1)
if printf '%s\n' "$out" | grep -qx "oot $tmp/strategy_oot.so" &&
   printf '%s\n' "$out" | grep -q '^linear '; then
  ok "listed by backoff_strategy_foreach beside the in-tree strategies"
else
  not_ok "listing: $out"
fi

out=$(BACKOFF_PLUGIN_PATH=$tmp "$probe" -c nosuch=1 oot 2>&1)
case $out in
  "error BACKOFF_EPARAM:"*nosuch*) ok "its parameter table is enforced" ;;
  *) not_ok "unknown parameter accepted: $out" ;;
esac
exit $failed
