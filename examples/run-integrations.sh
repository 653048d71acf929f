#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the integration examples built by make check (examples/
# integrations.am): the libuv, libevent and GLib loops must succeed after
# their scripted failures; the libcurl client runs against a scripted HTTP
# server on 127.0.0.1 that this script starts (tests/consumers/
# http_server.py: bounded to 50 requests and 30 s) and stops. An example
# whose library configure did not find is skipped, saying so. TAP.
set -u
srcdir=${srcdir:-.}
PYTHON3=${PYTHON3:-python3}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
show() { printf '%s\n' "$1" | sed 's/^/# /'; }

echo "1..8"

# loop NAME LIBRARY: runs examples/NAME, which must succeed on its 3rd call.
loop() {
  if [ ! -x "examples/$1" ]; then
    skip "examples/$1: $2 not found by configure"
    return
  fi
  out=$("examples/$1" 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^success after 3 attempts' &&
     [ "$(printf '%s\n' "$out" | grep -c 'retrying in')" = 2 ]; then
    ok "examples/$1: two retries on $2 timers, then success"
  else
    not_ok "examples/$1 (exit $rc)"
    show "$out"
  fi
}
loop uv_retry libuv
loop event_retry libevent
loop glib_retry glib-2.0

curl_skip=
if [ ! -x examples/curl_retry ]; then
  curl_skip="libcurl not found by configure"
elif ! command -v "$PYTHON3" >/dev/null 2>&1; then
  curl_skip="python3 not found (the test's HTTP server)"
fi
if [ -n "$curl_skip" ]; then
  for t in 1 2 3 4 5; do skip "examples/curl_retry: $curl_skip"; done
  exit $failed
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-http-XXXXXX") || exit 99
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
"$PYTHON3" "$srcdir/tests/consumers/http_server.py" "$tmp/port" 2>"$tmp/log" &
server=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
if [ ! -s "$tmp/port" ]; then
  not_ok "the HTTP server did not start"
  show "$(cat "$tmp/log")"
  exit 1
fi
url=http://127.0.0.1:$(cat "$tmp/port")

# curl_case DESCRIPTION WANT-EXIT EXPECTED-OUTPUT ARGS...
curl_case() {
  what=$1 want_rc=$2 want=$3
  shift 3
  out=$(examples/curl_retry "$@" 2>&1)
  rc=$?
  if [ $rc -eq "$want_rc" ] && [ "$out" = "$want" ]; then
    ok "examples/curl_retry: $what"
  else
    not_ok "examples/curl_retry: $what (exit $rc)"
    printf '# want:\n%s\n# got:\n%s\n' "$want" "$out" | sed 's/^/# /'
  fi
}

curl_case "503 and 429 retried, each waiting its Retry-After exactly" 0 \
"attempt 1: HTTP 503 with Retry-After; retrying in 1.000 s
attempt 2: HTTP 429 with Retry-After; retrying in 0.000 s
success after 3 attempts: HTTP 200
/flaky: 200" "$url/flaky"

curl_case "503 without Retry-After: the strategy's delays, then exhausted" 1 \
"attempt 1: HTTP 503; retrying in 0.050 s
attempt 2: HTTP 503; retrying in 0.100 s
exhausted after 3 attempts: HTTP 503
/down: 503" "$url/down" 3

curl_case "404 is permanent: one request" 1 \
"permanent after 1 attempts: HTTP 404
/missing: 404" "$url/missing"

want_log="/flaky -> 503
/flaky -> 429
/flaky -> 200
/down -> 503
/down -> 503
/down -> 503
/missing -> 404"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
server=
if [ "$(cat "$tmp/log")" = "$want_log" ]; then
  ok "the server saw exactly the requests the client reported"
else
  not_ok "the server's log"
  show "$(cat "$tmp/log")"
fi

# The server is gone: no response at all is retried too.
out=$(examples/curl_retry "$url/flaky" 2 2>/dev/null)
rc=$?
want="attempt 1: no response; retrying in 0.050 s
exhausted after 2 attempts: HTTP 0"
if [ $rc -eq 1 ] && [ "$out" = "$want" ]; then
  ok "examples/curl_retry: a refused connection is retried"
else
  not_ok "examples/curl_retry: refused connection (exit $rc)"
  show "$out"
fi
exit $failed
