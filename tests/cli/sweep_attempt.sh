# SPDX-License-Identifier: MIT
# The command of the signal sweep (tests/cli/helper sweep): marks each
# attempt's start, a SIGTERM received, a second attempt that ran to its
# end unsignalled, and the pid of the process it starts (which the signal
# must reach too), in $SWEEP_FILE. The first attempt fails at once.
trap 'echo got >>"$SWEEP_FILE"; exit 3' TERM
echo start >>"$SWEEP_FILE"
[ -e "$SWEEP_FILE.once" ] || { : >"$SWEEP_FILE.once"; exit 1; }
sleep 2 &
echo "bg $!" >>"$SWEEP_FILE"
wait
echo end >>"$SWEEP_FILE"
