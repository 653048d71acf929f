#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench-peers: BENCH PEERS_PY PEERS_TXT OUT [bench flags...]
# Times the Python peers (PEERS_PY under /usr/bin/python3, the interpreter
# Debian's python3-* packages serve), then runs BENCH's rows 1 and 2 and
# prints the measured ratios. Skips, saying what to install, when python3
# or a peer is missing. The pure-Python backoff-utils reference is not
# packaged by Debian and is not installable here: it is not measured.
bench=$1 peers_py=$2 peers_txt=$3 out=$4
shift 4
py=/usr/bin/python3
if [ ! -x "$py" ]; then
  echo "bench-peers: skipped: $py not found (apt-get install python3" \
       "python3-tenacity python3-backoff python3-retrying)"
  exit 0
fi
"$py" "$peers_py" > "$peers_txt" || exit 1
if grep -q '^missing' "$peers_txt"; then
  echo "bench-peers: missing peers (skipped):" \
       "apt-get install $(sed -n 's/^missing [^ ]* //p' "$peers_txt" | tr '\n' ' ')"
fi
if ! grep -q '^[a-z]* first_try' "$peers_txt"; then
  echo "bench-peers: skipped: no peer could be imported"
  exit 0
fi
exec "$bench" --peers "$peers_txt" --out "$out" "$@"
