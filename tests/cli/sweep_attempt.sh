# The command of the signal sweep (tests/cli/helper sweep): marks each
# attempt's start, a SIGTERM received, and a second attempt that ran to
# its end unsignalled, in $SWEEP_FILE. The first attempt fails at once.
trap 'echo got >>"$SWEEP_FILE"; exit 3' TERM
echo start >>"$SWEEP_FILE"
[ -e "$SWEEP_FILE.once" ] || { : >"$SWEEP_FILE.once"; exit 1; }
sleep 2 &
wait
echo end >>"$SWEEP_FILE"
