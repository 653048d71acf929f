#!/bin/sh
# SPDX-License-Identifier: MIT
# The command as a supervisor: process groups and --timeout as timeout(1),
# the signals backoff was started with, exec as execvp, signals forwarded
# exactly once and never lost between two attempts.
. "$srcdir/tests/cli/lib.sh"
plan 22
HELPER=$(pwd)/tests/cli/helper
fast="--scale-factor 0.01 --seed 1"
ulimit -c 0 2>/dev/null || :

# in_group PGID: some process still belongs to process group PGID.
in_group() { ps -e -o pgid= | tr -d ' ' | grep -qx "$1"; }

# A timed-out attempt: its whole group gets the signal, no process of it
# survives, and the next attempt starts only once it is gone.
fresh
cat >"$tmp/attempt.sh" <<'SH'
sh -c 'trap "" TERM; sleep 2' &
sleep 30 &
echo $! >>"$1/kids"
for g in $(cat "$1/groups" 2>/dev/null); do
  if ps -e -o pgid= | tr -d ' ' | grep -qx "$g"; then echo "$g" >>"$1/overlap"; fi
done
ps -o pgid= -p $$ | tr -d ' ' >>"$1/groups"
wait
SH
bo --timeout 0.5 --kill-after 0.2 --max-tries 3 $fast -- sh "$tmp/attempt.sh" "$tmp"
# The attempt's first process ends on the TERM: 124 as with timeout(1),
# though what it left behind needed the SIGKILL.
check "a timed-out attempt whose leftover needed SIGKILL: 124, three attempts" \
  sh -c "test $st = 124 && test \$(wc -l <'$tmp/groups') = 3"
alive=0
for g in $(sort -u "$tmp/groups"); do in_group "$g" && alive=$((alive + 1)); done
for k in $(cat "$tmp/kids"); do kill -0 "$k" 2>/dev/null && alive=$((alive + 1)); done
check "no process of a timed-out attempt's group survives (ps)" \
  test "$alive" = 0 -a "$(sort -u "$tmp/groups" | wc -l)" = 3
check "attempts never overlap: each started with the previous group gone" \
  test ! -e "$tmp/overlap"
# Whatever the outcome, nothing of this test outlives it.
for k in $(cat "$tmp/kids"); do kill -KILL "$k" 2>/dev/null; done

fresh; bo --timeout 0.2 --max-tries 1 --signal USR1 -- \
  sh -c 'trap "echo USR1 >\"$1/got\"; exit 5" USR1; sleep 30 & wait' sh "$tmp"
check "--signal USR1 is the timeout's signal; 124 when it sufficed" \
  sh -c "test $st = 124 && grep -qx USR1 '$tmp/got'"

# An attempt that exits by itself leaves its background processes alone.
fresh; bo --timeout 5 --max-tries 1 -- \
  sh -c 'sleep 30 >/dev/null 2>&1 & echo $! >"$1/kid"' sh "$tmp"
kid=$(cat "$tmp/kid")
check "an attempt that exits by itself is not touched (its daemon lives)" \
  sh -c "test $st = 0 && kill -0 $kid"
kill "$kid" 2>/dev/null

fresh; bo --foreground --max-tries 1 -- sh -c 'ps -o pgid= -p $$' 
mine=$(ps -o pgid= -p $$ | tr -d ' ')
theirs=$("$HELPER" sigexec -- "$BACKOFF" -- sh -c 'ps -o pgid= -p $$' | tr -d ' ')
check "--foreground: the command stays in backoff's group; else its own" \
  sh -c "test \$(tr -d ' ' <'$tmp/out') = $mine && test '$theirs' != $mine"

# The signal mask and ignored signals backoff started with are the
# command's, exactly as if it had been run directly (exec's rule).
show='grep -E ^Sig(Blk|Ign) /proc/self/status'
direct=$("$HELPER" sigexec -i INT -i HUP -b USR2 -- $show)
through=$("$HELPER" sigexec -i INT -i HUP -b USR2 -- "$BACKOFF" -- $show)
case ${SANITIZER_CFLAGS-} in
*thread*)
  # ThreadSanitizer's runtime installs a handler for glibc's internal
  # signal 33 in backoff, and exec resets a handled signal: compare
  # signals 1-32 (the low 32 bits), which that runtime leaves alone.
  low() { sed 's/^\(Sig[A-Za-z]*:[[:space:]]*\).*\(.\{8\}\)$/\1\2/'; }
  direct=$(printf '%s\n' "$direct" | low)
  through=$(printf '%s\n' "$through" | low)
  ;;
esac
check "the command inherits the mask and ignored signals backoff got" \
  test "$direct" = "$through"

"$HELPER" sigexec -b CHLD -- "$BACKOFF" -n 1 -- true >"$tmp/out" 2>"$tmp/err" &
reap $! 50
check "started with SIGCHLD blocked, backoff does not hang" test "$st" = 0

# ENOEXEC: a script without "#!" runs with /bin/sh, by path and in PATH.
printf 'echo ran "$1"\n' >"$tmp/nobang"
chmod +x "$tmp/nobang"
fresh; bo -- "$tmp/nobang" arg
check "an executable script without #! runs with /bin/sh" \
  sh -c "test $st = 0 && test \"\$(cat '$tmp/out')\" = 'ran arg'"
fresh; PATH="$tmp:$PATH" bo -- nobang
check "... also when found in PATH" test "$st" = 0

# A broken stderr: the progress line fails, nothing else changes.
st=0
"$HELPER" brokenerr -- "$BACKOFF" --timeout 0.1 --max-tries 2 $fast -- \
  sleep 5 || st=$?
check "a broken stderr does not kill backoff (124, not 141)" test "$st" = 124
st=0
"$HELPER" brokenerr -- "$BACKOFF" --bogus -- true || st=$?
check "... nor a usage error written to it (2, not 141)" test "$st" = 2

# SIGQUIT is a stop signal: forwarded, no more retries, no core.
fresh; rm -f "$tmp/ready" "$tmp/got"
"$HELPER" sigexec -d QUIT -- "$BACKOFF" --max-tries 5 -- sh -c '
  trap "echo QUIT >\"$1/got\"; exit 7" QUIT
  echo $$ >"$1/qpid"
  echo ready >"$1/ready"
  while :; do sleep 0.05; done' sh "$tmp" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_for "$tmp/ready" ready 100
kill -QUIT "$pid"
reap "$pid" 100
check "SIGQUIT reaches the command and stops retries" \
  sh -c "test $st = 7 && grep -qx QUIT '$tmp/got'"
kill -KILL "$(cat "$tmp/qpid")" 2>/dev/null

# backoff SIGKILLed: the attempt does not run on unsupervised, nor does
# what it started.
fresh
"$BACKOFF" --max-tries 1 -- sh -c 'sleep 30 & echo $! >"$1/kid"; echo $$ >"$1/pid"; wait' \
  sh "$tmp" >/dev/null 2>&1 &
pid=$!
wait_for "$tmp/pid" . 100
kill -KILL "$pid"
wait "$pid" 2>/dev/null
both_gone() { wait_gone "$1" 20 && wait_gone "$2" 20; }
check "when backoff is killed, so is the attempt and its children" \
  both_gone "$(cat "$tmp/pid")" "$(cat "$tmp/kid")"
kill -KILL "$(cat "$tmp/pid")" "$(cat "$tmp/kid")" 2>/dev/null

# ... also when the SIGKILL goes to backoff's whole process group.
rm -f "$tmp/pid" "$tmp/kid" "$tmp/ready"
"$HELPER" groupkill9 "$tmp/ready" -- "$BACKOFF" --max-tries 1 -- sh -c '
  sleep 30 & echo $! >"$1/kid"; echo $$ >"$1/pid"; echo >"$1/ready"; wait' \
  sh "$tmp" >/dev/null 2>&1
check "a SIGKILL to backoff's whole group: the attempt's group is gone too" \
  both_gone "$(cat "$tmp/pid")" "$(cat "$tmp/kid")"
kill -KILL "$(cat "$tmp/pid")" "$(cat "$tmp/kid")" 2>/dev/null

# A group-wide SIGTERM (kill -TERM -PGID of backoff's group) reaches the
# command once: backoff forwards it, the command is not in that group.
# Eight runs: when it was in that group, two arrived in some of them.
counts=
for i in 1 2 3 4 5 6 7 8; do
  rm -f "$tmp/ready" "$tmp/got"
  st=$("$HELPER" groupkill "$tmp/ready" -- "$BACKOFF" --max-tries 1 -- \
    "$HELPER" countsig "$tmp/ready" "$tmp/got")
  counts="$counts $(cat "$tmp/got" 2>/dev/null || echo none)/$st"
done
check "a group-wide signal reaches the command exactly once (8 runs:$counts)" \
  test "$counts" = " 1/0 1/0 1/0 1/0 1/0 1/0 1/0 1/0"

# SIGTERM swept across start-up, the first attempt, the wait and the
# second start: each run either starts no further attempt or delivers the
# signal to it, to the whole of it (the process it started is gone too);
# never does an attempt run on unsignalled. Timed against backoff's own
# start-up, not that of libtool's wrapper script (a shell: 20-30 ms),
# whenever the build has the real program beside it.
fresh
sweep_prog=$BACKOFF
sweep_libs=${LD_LIBRARY_PATH-}
bindir=$(dirname "$BACKOFF")
if [ -x "$bindir/.libs/backoff" ] &&
   LD_LIBRARY_PATH="$bindir/../lib/.libs${sweep_libs:+:$sweep_libs}" \
     "$bindir/.libs/backoff" --version >/dev/null 2>&1; then
  sweep_prog=$bindir/.libs/backoff
  sweep_libs="$bindir/../lib/.libs${sweep_libs:+:$sweep_libs}"
fi
LD_LIBRARY_PATH=$sweep_libs "$HELPER" sweep 320 60 "$tmp/sweepfile" -- \
  "$sweep_prog" --quiet --strategy fixed --param sequence=0.004 \
  --jitter none --max-tries 5 --kill-after 0.1 \
  -- sh "$srcdir/tests/cli/sweep_attempt.sh" >"$tmp/out" 2>"$tmp/err"
st=$?
check "320 signal timings: no attempt ever runs on unsignalled (sweep)" \
  sh -c "test $st = 0 && grep -qx 'runs 320 bad 0' '$tmp/out'"
sed 's/^/# /' "$tmp/out" | tail -n 5

# A stop signal during the wait between attempts: no next attempt.
fresh
"$BACKOFF" --strategy fixed --param sequence=30 --jitter none --max-tries 3 \
  -- sh -c 'echo x >>"$1/state"; exit 1' sh "$tmp" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_for "$tmp/err" 'retrying in' 100
kill -TERM "$pid"
reap "$pid" 50
check "a stop signal between attempts: no further attempt, 143" \
  sh -c "test $st = 143 && test \$(wc -l <'$tmp/state') = 1"

# A stopped attempt still gets the timeout's signal (SIGCONT follows it).
fresh; bo --timeout 0.2 --max-tries 1 -- sh -c 'kill -STOP $$; sleep 30'
check "--timeout ends a stopped attempt too (124)" test "$st" = 124

# On a terminal, an attempt in its own group that reads it is stopped by
# SIGTTIN: not a silent hang, but a clear line (script(1) gives a pty).
if command -v script >/dev/null 2>&1; then
  fresh
  script -qec "'$BACKOFF' -n 3 -- sh -c 'read x'" /dev/null </dev/null \
    >"$tmp/out" 2>&1 &
  reap $! 100
  check "an attempt that reads the terminal: killed and said, not a hang" \
    sh -c "test $st != hung &&
           grep -q 'stopped by SIGTTIN to use the terminal); not retrying: it needs the terminal: run backoff with --foreground' '$tmp/out'"
else
  ok "# SKIP script(1) not found (util-linux)"
fi

fresh; bo --timeout 0.2 --kill-after 0 --max-tries 1 -- sleep 30
check "--kill-after 0: SIGKILL at once, 137" test "$st" = 137
# A zombie left in the group by a parent that moved to a session of its
# own (and does not reap it for 6 s) is not waited for.
if command -v setsid >/dev/null 2>&1; then
  cat >"$tmp/zomb.sh" <<'SH'
(sleep 30 & echo "$(exec sh -c 'echo $PPID')" >"$1/a"; exec setsid sleep 6) &
sleep 30
SH
  fresh; rm -f "$tmp/a"
  "$BACKOFF" -n 1 -t 0.3 -k 0.2 -- sh "$tmp/zomb.sh" "$tmp" 2>"$tmp/err" &
  pid=$!
  reap "$pid" 30
  check "a group left with only a zombie is gone: 124 at once, not after 6 s" \
    test "$st" = 124
  [ -s "$tmp/a" ] && kill "$(cat "$tmp/a")" 2>/dev/null
else
  ok "# SKIP no setsid(1)"
fi
done_testing
