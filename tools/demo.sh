#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: the backoff command retrying a flaky command, then a
# --schedule preview of each strategy. Run by tools/local.am with BACKOFF
# (the built program), FLAKY (tools/flaky.sh) and BACKOFF_PLUGIN_PATH (the
# build tree's plugins) set. Delays are scaled down to keep it short.
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
    *) echo "(exit status $status)" ;;
  esac
  echo
}

echo "== A command that fails twice, then succeeds (delays scaled by 0.1)"
show --scale-factor 0.1 --seed 7 --max-tries 5 -- "$FLAKY" "$state" 2

echo "== The same with --verbose, and a command that never succeeds"
rm -f "$state"
show --verbose --strategy fibonacci --scale-factor 0.05 --seed 7 \
  --max-tries 3 -- "$FLAKY" "$state" 5 3

echo "== Schedule previews: up to 8 tries within a 60s budget, seed 1"
for s in exponential fibonacci linear "polynomial --param exponent=2" \
         "fixed --param sequence=1,2,5,10" \
         "decorrelated --param base=1 --param ceiling=30 --jitter none"; do
  # shellcheck disable=SC2086
  show --strategy $s --max-tries 8 --max-delay 60 --seed 1 --schedule
done

echo "== For scripts: --format tsv, without jitter"
show --strategy fibonacci --jitter none --max-tries 6 --schedule --format tsv
