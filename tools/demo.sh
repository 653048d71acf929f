#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: the backoff command retrying a flaky command, then a
# --schedule preview of each strategy. Run by tools/local.am with BACKOFF
# (the built program), FLAKY (tools/flaky.sh), BACKOFF_PLUGIN_PATH (the
# build tree's plugins), and BINDIR / PLUGINDIR (where `make install` puts
# them) set. Delays are scaled down to keep it short.
set -e
: "${BACKOFF:?}" "${FLAKY:?}"
state=$(mktemp "${TMPDIR:-/tmp}/backoff-demo.XXXXXX")
trap 'rm -f "$state"' EXIT
rm -f "$state"

show() {
  echo "\$ backoff $*" | sed "s|$FLAKY|flaky.sh|; s|$state|STATE|"
  status=0
  "$BACKOFF" "$@" || status=$?
  case " $* " in
    *" --schedule "*) [ "$status" -eq 0 ] || echo "(exit status $status)" ;;
    *) echo "(exit status $status: backoff's own, that of the last run)" ;;
  esac
  echo
}

cat <<INTRO
This demo runs the backoff command from the build tree:
  program  $BACKOFF
  plugins  $BACKOFF_PLUGIN_PATH
After \`make install\` they are ${BINDIR:-\$bindir}/backoff and
${PLUGINDIR:-\$libdir/backoff}/strategy_*.so, and \`man 1 backoff\` documents them.

The command it retries is flaky.sh STATE N [CODE]: a script that fails
(exit CODE, default 1) its first N runs, then succeeds. STATE is a
scratch file where it counts its runs from one attempt to the next
(a temporary file here, removed at the end). Lines starting
"flaky:" are the script's own output; lines starting "backoff:" are
backoff's progress lines on stderr.

INTRO

echo "== A command that fails twice, then succeeds (delays scaled by 0.1)"
show --scale-factor 0.1 --seed 7 --max-tries 5 -- "$FLAKY" "$state" 2

echo "== The same with --verbose, and a command that never succeeds"
rm -f "$state"
show --verbose --strategy fibonacci --scale-factor 0.05 --seed 7 \
  --max-tries 3 -- "$FLAKY" "$state" 5 3
cat <<'SUMMARY'
The closing "stopped (REASON) after N attempts; waited W, T in all" line
says why retrying ended (exhausted: no tries left; success; deadline:
--max-delay; not retryable; cancelled: a signal), how many times the
command ran (N), the time spent in delays between attempts (W) and the
time from the first start to the end (T, so T - W is the commands' own
running time). The exit status 3 is the last run's own.

SUMMARY

echo "== Schedule previews: up to 8 tries within a 60s budget, seed 1"
echo "(each row: the retry's number, its delay, a bar to scale, and the"
echo " total waited so far; a dashed line shows where --max-delay cuts;"
echo " decorrelated draws its own randomness, so it gets no jitter on top)"
echo
for s in exponential fibonacci linear "polynomial --param exponent=2" \
         "fixed --param sequence=1,2,5,10" \
         "decorrelated --param base=1 --param ceiling=30"; do
  # shellcheck disable=SC2086
  show --strategy $s --max-tries 8 --max-delay 60 --seed 1 --schedule
done

echo "== For scripts: --format tsv, without jitter"
show --strategy fibonacci --jitter none --max-tries 6 --schedule --format tsv
