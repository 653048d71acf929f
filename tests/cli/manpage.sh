#!/bin/sh
# SPDX-License-Identifier: MIT
# --help and man 1 backoff must not disagree: the same long options, the
# same short forms paired with the same long ones, and the man page covers
# exit statuses 125 and 128+N, SIGHUP, --max-delay none and proportional
# jitter. (check_cli_parse ties --help to the parser's own tables.)
. "$srcdir/tests/cli/lib.sh"
if ! command -v groff >/dev/null 2>&1; then
  echo "1..0 # SKIP groff not found (Debian package: groff-base)"
  exit 0
fi
plan 4
LC_ALL=C
export LC_ALL

"$BACKOFF" --help >"$tmp/help"
groff -man -Tascii -P-bcu -rLL=1000n "$srcdir/doc/backoff.1" 2>/dev/null \
  >"$tmp/man"

longs() { grep -oE -- '--[a-z][a-z-]*[a-z]' "$1" | sort -u; }
shorts() { grep -oE -- '(^|[^a-z-])-[a-zA-Z], --[a-z][a-z-]*' "$1" |
  sed 's/^[^-]*//' | sort -u; }

longs "$tmp/help" >"$tmp/help.long"
longs "$tmp/man" >"$tmp/man.long"
if cmp -s "$tmp/help.long" "$tmp/man.long"; then
  ok "the same $(lines "$tmp/help.long") long options in --help and man 1"
else
  not_ok "long options differ (< --help, > man 1)"
  diff "$tmp/help.long" "$tmp/man.long" | grep '^[<>]' | sed 's/^/#   /'
fi

shorts "$tmp/help" >"$tmp/help.short"
shorts "$tmp/man" >"$tmp/man.short"
if cmp -s "$tmp/help.short" "$tmp/man.short" &&
   [ "$(lines "$tmp/help.short")" -ge 10 ]; then
  ok "the same $(lines "$tmp/help.short") short forms, paired alike"
else
  not_ok "short forms differ (< --help, > man 1)"
  diff "$tmp/help.short" "$tmp/man.short" | grep '^[<>]' | sed 's/^/#   /'
fi

missing=
for want in 'SIGHUP' 'SIGQUIT' '125' '128+N' '137' 'proportional' \
            'none means no budget' 'PR_SET_PDEATHSIG' 'TMPDIR'; do
  grep -qF -- "$want" "$tmp/man" || missing="$missing '$want'"
done
check "man 1 covers signals, exit statuses, proportional jitter, none${missing:+ (missing:$missing)}" \
  test -z "$missing"

missing=
for want in 'SIGHUP' '125' '128+N' 'proportional' 'DURATION|none'; do
  grep -qF -- "$want" "$tmp/help" || missing="$missing '$want'"
done
check "--help covers them too${missing:+ (missing:$missing)}" test -z "$missing"
done_testing
