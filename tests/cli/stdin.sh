#!/bin/sh
# SPDX-License-Identifier: MIT
# Every attempt sees the same stdin: a pipe is teed and replayed, a file
# rewound; only what the attempt consumes is read; past --stdin-limit no
# retry is made rather than one fed partial input.
. "$srcdir/tests/cli/lib.sh"
plan 20
fast="--scale-factor 0.01 --seed 1"

# A command that stores its stdin per attempt and fails the first time.
cat >"$tmp/store.sh" <<'SH'
n=$(cat "$1/n" 2>/dev/null || echo 0)
echo $((n + 1)) >"$1/n"
cat >"$1/stored.$n"
[ "$n" -ge 1 ]
SH
store() { rm -f "$tmp"/n "$tmp"/stored.*; }

store; st=0
printf 'payload' | "$BACKOFF" $fast -n 3 -- sh "$tmp/store.sh" "$tmp" \
  >"$tmp/out" 2>"$tmp/err" || st=$?
check "a pipe: the retry gets the same input (no data loss)" \
  sh -c "test $st = 0 && test \"\$(cat '$tmp/stored.1')\" = payload &&
         test \"\$(cat '$tmp/stored.0')\" = payload"

# Over the memory threshold: the copy spills to a temporary file.
head -c 3000000 /dev/urandom >"$tmp/big"
store; st=0
cat "$tmp/big" | "$BACKOFF" $fast -n 3 -- sh "$tmp/store.sh" "$tmp" \
  >"$tmp/out" 2>"$tmp/err" || st=$?
check "3 MB through a pipe: both attempts get all of it (spilled copy)" \
  sh -c "test $st = 0 && cmp -s '$tmp/big' '$tmp/stored.0' &&
         cmp -s '$tmp/big' '$tmp/stored.1'"

printf 'line one\nline two\n' >"$tmp/file"
store; bo $fast -n 3 -- sh "$tmp/store.sh" "$tmp" <"$tmp/file"
check "a regular file is rewound for the retry" \
  sh -c "test $st = 0 && cmp -s '$tmp/file' '$tmp/stored.1'"
store; st=0
sh -c 'read -r skipped; exec "$@"' sh "$BACKOFF" $fast -n 3 -- \
  sh "$tmp/store.sh" "$tmp" <"$tmp/file" >"$tmp/out" 2>"$tmp/err" || st=$?
check "... to the offset it had when backoff started" \
  sh -c "test $st = 0 && test \"\$(cat '$tmp/stored.1')\" = 'line two'"

# A command that reads part of its input: the retry starts from the top.
rm -f "$tmp/seen"; st=0
printf 'a\nb\nc\n' | "$BACKOFF" $fast -n 3 -- sh -c '
  read -r x; echo "$x" >>"$1/seen"; [ $(wc -l <"$1/seen") -ge 2 ]' sh "$tmp" \
  >"$tmp/out" 2>"$tmp/err" || st=$?
check "a retry after a partial read starts from the first byte" \
  sh -c "test $st = 0 && test \"\$(cat '$tmp/seen')\" = 'a
a'"

# An endless producer the command never reads: backoff reads no more
# than fits in the attempt's pipe, so the copy stays small.
st=0
yes | "$BACKOFF" $fast -n 3 --stdin-limit 200k -- sh -c 'sleep 0.1; exit 1' \
  >"$tmp/out" 2>"$tmp/err" || st=$?
check "an endless producer the command ignores: retried, nothing held up" \
  sh -c "test $st = 1 && test \$(grep -c retrying '$tmp/err') = 2 &&
         ! grep -q stdin-limit '$tmp/err'"

st=0
yes | "$BACKOFF" $fast -n 2 -- head -c 5 >"$tmp/out" 2>"$tmp/err" || st=$?
check "an endless producer the command reads a little of" \
  sh -c "test $st = 0 && test \"\$(cat '$tmp/out')\" = 'y
y
y'"

# Over the limit: the attempt gets all of its input, no retry follows.
store; st=0
head -c 300000 /dev/zero | "$BACKOFF" $fast -n 3 --stdin-limit 100k -- \
  sh "$tmp/store.sh" "$tmp" >"$tmp/out" 2>"$tmp/err" || st=$?
check "over --stdin-limit: the attempt gets it all, no retry" \
  sh -c "test $st = 1 && test \$(wc -c <'$tmp/stored.0') = 300000 &&
         test ! -e '$tmp/stored.1'"
check "... and one line says why" \
  grep -qx 'backoff: attempt 1/3 failed (exit 1); not retrying: its stdin is over --stdin-limit' \
  "$tmp/err"

# The limit itself: exactly --stdin-limit bytes are kept and replayed, one
# byte more is over it. 4M takes the larger pipe as well.
for case in 100k:102400:retried 100k:102401:over 4M:4194304:retried; do
  limit=${case%%:*}; size=${case#*:}; size=${size%%:*}; want=${case##*:}
  store; st=0
  head -c "$size" /dev/zero | "$BACKOFF" $fast -n 2 --stdin-limit "$limit" -- \
    sh "$tmp/store.sh" "$tmp" >"$tmp/out" 2>"$tmp/err" || st=$?
  if [ "$want" = retried ]; then
    check "$size bytes, --stdin-limit $limit: kept, the retry gets them all" \
      sh -c "test $st = 0 && test \$(wc -c <'$tmp/stored.1') = $size"
  else
    check "$size bytes, --stdin-limit $limit: over it, not retried" \
      sh -c "test $st = 1 && test ! -e '$tmp/stored.1' &&
             grep -q 'its stdin is over --stdin-limit' '$tmp/err'"
  fi
done

# Out of room for the copy (here: no $TMPDIR to spill to): the attempt
# still gets all of its input, and retrying ends with one clear line.
store; st=0
cat "$tmp/big" | TMPDIR="$tmp/none" "$BACKOFF" $fast -n 3 -- \
  sh "$tmp/store.sh" "$tmp" >"$tmp/out" 2>"$tmp/err" || st=$?
check "no room for the copy of stdin: the attempt gets it all, no retry" \
  sh -c "test $st = 1 && cmp -s '$tmp/big' '$tmp/stored.0' &&
         test ! -e '$tmp/stored.1'"
check "... and one line says why" \
  grep -q 'not retrying: cannot keep a copy of stdin: No such file or directory' \
  "$tmp/err"

store; st=0
printf 'payload' | "$BACKOFF" $fast -n 3 --stdin pass -- \
  sh "$tmp/store.sh" "$tmp" >"$tmp/out" 2>"$tmp/err" || st=$?
check "--stdin pass: the old way, the retry reads what is left (nothing)" \
  sh -c "test $st = 0 && test ! -s '$tmp/stored.1'"

st=0
printf 'payload' | "$BACKOFF" --stdin null -- cat >"$tmp/out" 2>"$tmp/err" ||
  st=$?
check "--stdin null: the command reads /dev/null" \
  sh -c "test $st = 0 && test ! -s '$tmp/out'"

# A terminal-less, pipe-less stdin (closed) is left alone.
fresh; st=0
"$BACKOFF" -n 1 -- true <&- >"$tmp/out" 2>"$tmp/err" || st=$?
check "a closed stdin is no error" test "$st" = 0
rm -f "$tmp/seen"
"$BACKOFF" -n 1 -- sh -c 'echo x >&2 && echo stderr-open >"$1/seen"' sh "$tmp" \
  2>&- >"$tmp/out" || st=$?
check "a closed stderr stays closed for the command" test ! -e "$tmp/seen"

# Only a connected stream socket is copied; a listening or datagram socket
# is the command's to use as it is.
HELPER=$(pwd)/tests/cli/helper
for kind in listen dgram; do
  st=0
  "$HELPER" sockin $kind -- "$BACKOFF" -n 1 -- \
    sh -c 'stat -L -c %F /proc/$$/fd/0' >"$tmp/out" 2>"$tmp/err" || st=$?
  check "a $kind socket on stdin is passed as it is" \
    sh -c "test $st = 0 && grep -qx socket '$tmp/out'"
done
done_testing
