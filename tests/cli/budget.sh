#!/bin/sh
# SPDX-License-Identifier: MIT
# --budget, --budget-param, --budget-status: a shm: budget shared by
# successive runs of the command, and every bad input (one line on stderr,
# exit status 2, the command never runs, no password in a message).
. "$srcdir/tests/cli/lib.sh"

name="cli-$$"
obj="/dev/shm/backoff-budget.$name"
trap 'rm -rf "$tmp" "$obj"' EXIT
count() { if [ -f "$tmp/count" ]; then wc -l <"$tmp/count" | tr -d ' '; else echo 0; fi; }
failing="echo x >>'$tmp/count'; exit 1"

plan 20

# capacity 12, retry_cost 5: 12 -> 7 -> 2, then refused: 3 runs of 10.
bo -q -n 10 --budget "shm:$name" --budget-param capacity=12 -- sh -c "$failing"
check "the budget stops the run after two paid retries" \
  test "$st" -eq 1 -a "$(count)" -eq 3
check "the object is created with mode 0600" \
  test "$(stat -c %a "$obj")" = 600
rm -f "$tmp/count"
bo -q -n 10 --budget "shm:$name" --budget-param capacity=12 -- sh -c "$failing"
check "a second process shares the count: no retry left" \
  test "$st" -eq 1 -a "$(count)" -eq 1
bo --budget-status "shm:$name"
check "--budget-status prints kind, settings and tokens" \
  test "$st" -eq 0 -a "$(sed -n 's/^kind: //p' "$tmp/out")" = token-bucket \
  -a "$(sed -n 's/^capacity: //p' "$tmp/out")" = 12 \
  -a "$(sed -n 's/^tokens: //p' "$tmp/out")" = 2.000
bo -q --budget "shm:$name" --budget-param capacity=12 -- true
bo --budget-status "shm:$name"
check "a success refunds one token" \
  test "$(sed -n 's/^tokens: //p' "$tmp/out")" = 3.000
rm -f "$obj"
bo -q --budget "shm:$name-g" --budget-param group=1 -- true
check "group=1 creates it with mode 0660" \
  test "$(stat -c %a "$obj-g" 2>/dev/null)" = 660
rm -f "$obj-g"
bo -q --budget "shm:$name" --budget-param kind=ratio \
  --budget-param max_tokens=4 -- true
bo --budget-status "shm:$name"
check "a ratio budget shows its own settings" \
  test "$(sed -n 's/^kind: //p' "$tmp/out")" = ratio \
  -a "$(sed -n 's/^max_tokens: //p' "$tmp/out")" = 4.000

# bad_usage DESCRIPTION FRAGMENT ARGS...: exit 2, one line naming the
# problem, the command not run.
bad_usage() {
  desc=$1 frag=$2
  shift 2
  rm -f "$tmp/count"
  bo "$@"
  if [ "$st" -eq 2 ] && [ "$(count)" -eq 0 ] && [ "$(lines "$tmp/err")" -eq 1 ] &&
    grep -q "^backoff: .*$frag" "$tmp/err" && [ ! -s "$tmp/out" ]; then
    ok "$desc"
  else
    not_ok "$desc"
  fi
}

bad_usage "unknown budget parameter" "unknown budget parameter 'bogus'" \
  --budget "shm:$name" --budget-param bogus=1 -- sh -c "$failing"
bad_usage "bad parameter value" "'capacity=x': expected a whole number" \
  --budget "shm:$name" --budget-param capacity=x -- sh -c "$failing"
bad_usage "bad kind" "expected token-bucket or ratio" \
  --budget "shm:$name" --budget-param kind=leaky -- sh -c "$failing"
bad_usage "--budget-param without --budget" "needs --budget SPEC" \
  --budget-param capacity=1 -- sh -c "$failing"
bad_usage "malformed spec" "expected shm:NAME or redis://" \
  --budget nonsense -- sh -c "$failing"
bad_usage "a name with '/'" "may not contain '/'" \
  --budget shm:a/b -- sh -c "$failing"
bad_usage "a name too long" "longer than 200 characters" \
  --budget "shm:$(printf '%0201d' 0)" -- sh -c "$failing"
bad_usage "other settings than the budget's" "exists with kind=ratio" \
  --budget "shm:$name" --budget-param capacity=99 -- sh -c "$failing"
bad_usage "status of a budget that does not exist" "no such budget" \
  --budget-status "shm:$name-none"
if [ "${BUDGET_REDIS_BUILT-}" = yes ]; then
  bad_usage "a Redis URL without a key" "redis URL without a key" \
    --budget redis://127.0.0.1:6379 -- sh -c "$failing"
  # A port nothing listens on: one the kernel just handed out and took back.
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 1)
  bad_usage "an unreachable Redis at open" "cannot connect" \
    --budget "redis://:sekrit-pw@127.0.0.1:$port/k" -- sh -c "$failing"
  if grep -q sekrit "$tmp/err"; then not_ok "the password stays secret"; else ok "the password stays secret"; fi
else
  for what in "a Redis URL without a key" "an unreachable Redis at open" \
      "the password stays secret"; do
    test_n=$((test_n + 1))
    echo "ok $test_n # SKIP $what: the budget_redis module is not built"
  done
fi
bad_usage "--budget-status takes no command" "takes no command" \
  --budget-status "shm:$name" -- sh -c "$failing"
exit $test_failed
