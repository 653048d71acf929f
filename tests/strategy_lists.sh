#!/bin/sh
# SPDX-License-Identifier: MIT
# The list of strategies has one source: the plugins the build installs
# (plugin_LTLIBRARIES in plugins/local.am). Every passage of the
# documentation that lists the installed strategies must name each of them,
# so a new plugin cannot be left out. Other pages do not list them: they
# point at these or at `backoff --list-strategies`. TAP, one line per
# passage.
srcdir=${srcdir:-.}
LC_ALL=C
export LC_ALL

# The passages that list the installed strategies: files (a glob)|first
# line|last line (sed addresses). Add a row when a page starts listing them.
PASSAGES='README|/^Strategies$/|/^Then the core applies/
doc/backoff.3|/^\.SS Strategies installed/|/^\.SS When retrying stops/
tools/help.c|/--strategy NAME/|/--param NAME/
doc/backoff.1|/strategy " .fIname/|/param " .fIname/'
# Passages being brought up to date on another branch: reported as TODO,
# not failed. Remove a row once it passes.
PENDING=''

names=$(sed -n 's|.*plugins/strategy_\([a-z0-9_]*\)\.la.*|\1|p' \
  "$srcdir/plugins/local.am" | sort -u)
count=$(printf '%s\n' $names | wc -l)
echo "1..$(($(printf '%s\n' "$PASSAGES" | wc -l) + 1))"
n=1
bad=0
if [ "$count" -ge 6 ]; then
  echo "ok 1 - $count installed strategies:" $names
else
  bad=1
  echo "not ok 1 - only $count strategies read from plugins/local.am"
fi
while IFS='|' read -r page from to; do
  n=$((n + 1))
  pending=
  case " $PENDING " in *" $page "*) pending=" # TODO pending" ;; esac
  # shellcheck disable=SC2086
  text=$(cd "$srcdir" && sed -n "${from},${to}p" $page)
  if [ -z "$text" ]; then
    [ -n "$pending" ] || bad=1
    echo "not ok $n - $page: no passage $from,$to (update this test)$pending"
    continue
  fi
  missing=""
  for s in $names; do
    printf '%s\n' "$text" | grep -qw -- "$s" || missing="$missing $s"
  done
  if [ -z "$missing" ]; then
    echo "ok $n - $page $from names every installed strategy"
  elif [ -n "$pending" ]; then
    echo "not ok $n - $page $from lacks:$missing$pending"
  else
    bad=1
    echo "not ok $n - $page $from lacks:$missing"
  fi
done <<EOT
$PASSAGES
EOT
exit $bad
