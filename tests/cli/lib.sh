# SPDX-License-Identifier: MIT
# Shared by the tests/cli/*.sh TAP scripts. They run from the top build
# directory (make check), read sources from $srcdir, and write only into a
# private temporary directory.
set -u
: "${srcdir:=.}"
BACKOFF=${BACKOFF:-$(pwd)/tools/backoff}
FLAKY="$srcdir/tools/flaky.sh"
case $FLAKY in /*) ;; *) FLAKY="$(pwd)/$FLAKY" ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset BACKOFF_DEFAULT_TRIES BACKOFF_DEFAULT_DELAY

test_n=0
test_failed=0
plan() { echo "1..$1"; }
ok() { test_n=$((test_n + 1)); echo "ok $test_n - $1"; }
not_ok() {
  test_n=$((test_n + 1))
  echo "not ok $test_n - $1"
  test_failed=1
  echo "#   status=${st-}"
  [ -f "$tmp/err" ] && sed 's/^/#   stderr: /' "$tmp/err" | head -n 20
  [ -f "$tmp/out" ] && sed 's/^/#   stdout: /' "$tmp/out" | head -n 20
  return 0
}
# check DESCRIPTION COMMAND...: one TAP line from COMMAND's status.
check() {
  desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# bo ARGS...: run backoff; stdout, stderr in $tmp/out, $tmp/err; status $st.
bo() {
  st=0
  "$BACKOFF" "$@" >"$tmp/out" 2>"$tmp/err" || st=$?
}
# runs: how many times flaky.sh ran with state file $tmp/state.
runs() { if [ -f "$tmp/state" ]; then cat "$tmp/state"; else echo 0; fi; }
fresh() { rm -f "$tmp/state" "$tmp/out" "$tmp/err"; }
# lines FILE: number of lines.
lines() { wc -l <"$1" | tr -d ' '; }
# backoff_lines: stderr lines written by backoff itself.
backoff_lines() { grep -c '^backoff: ' "$tmp/err" || true; }
# same FILE TEXT: FILE holds exactly TEXT (plus a final newline).
same() { printf '%s\n' "$2" | cmp -s - "$1"; }
# wait_gone PID TENTHS: wait up to TENTHS/10 s for PID to exit; 0 if it did.
wait_gone() {
  i=0
  while kill -0 "$1" 2>/dev/null; do
    [ "$i" -ge "$2" ] && return 1
    sleep 0.1
    i=$((i + 1))
  done
  return 0
}
# wait_for FILE PATTERN TENTHS: wait until FILE contains PATTERN.
wait_for() {
  i=0
  until grep -q "$2" "$1" 2>/dev/null; do
    [ "$i" -ge "$3" ] && return 1
    sleep 0.1
    i=$((i + 1))
  done
  return 0
}
done_testing() { exit "$test_failed"; }
# reap PID TENTHS: wait for the background PID, killing it if it is still
# running after TENTHS/10 s; its status in $st ("hung" if killed).
reap() {
  st=0
  if wait_gone "$1" "$2"; then
    wait "$1" || st=$?
  else
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    st=hung
  fi
}
