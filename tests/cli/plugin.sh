#!/bin/sh
# SPDX-License-Identifier: MIT
# Strategies from files: a custom plugin loaded by path (and by name from
# BACKOFF_PLUGIN_PATH), --list-strategies, --help and --version.
. "$srcdir/tests/cli/lib.sh"
plan 10

plugin="$(pwd)/tests/cli/strategy_halves.la"

bo --strategy "$plugin" --jitter none --max-tries 5 --schedule --format tsv
check "a custom plugin loaded by path (.la)" \
  sh -c "test $st = 0 && printf 'retry\tdelay\ttotal\n1\t0.500000\t0.500000\n2\t1.000000\t1.500000\n3\t1.500000\t3.000000\n4\t2.000000\t5.000000\n' | cmp -s - '$tmp/out'"

bo --strategy "$(pwd)/tests/cli/.libs/strategy_halves.so" --param step=4 \
  --jitter none --max-tries 3 --schedule --format tsv
check "... by path to the .so, with its own --param" \
  sh -c "test $st = 0 && printf 'retry\tdelay\ttotal\n1\t2.000000\t2.000000\n2\t4.000000\t6.000000\n' | cmp -s - '$tmp/out'"

bo --strategy ./tests/cli/strategy_halves.la --param nope=1 --schedule
check "... whose unknown parameters are refused (exit 2)" \
  sh -c "test $st = 2 && grep -q nope '$tmp/err'"

fresh; bo --strategy "$plugin" --param step=0.02 --max-tries 5 --seed 1 \
  --jitter none -- "$FLAKY" "$tmp/state" 2
check "running a command with a custom plugin: delays and label" \
  sh -c "test $st = 0 && grep -qx 'backoff: attempt 2/5 failed (exit 1); retrying in 0.02s \[halves\]' '$tmp/err'"

fresh; BACKOFF_PLUGIN_PATH="$(pwd)/tests/cli:$BACKOFF_PLUGIN_PATH" \
  bo --strategy halves --jitter none --max-tries 2 --schedule --format tsv
check "a custom plugin found by name on BACKOFF_PLUGIN_PATH" \
  sh -c "test $st = 0 && sed -n 2p '$tmp/out' | grep -qx '1	0.500000	0.500000'"

bo --strategy /nonexistent/strategy_x.so --schedule
check "a plugin path that does not exist: exit 2, one line" \
  sh -c "test $st = 2 && test \$(wc -l <'$tmp/err') = 1"

bo --list-strategies
check "--list-strategies: the five strategies with their files" \
  sh -c "test $st = 0 &&
    for s in exponential fibonacci linear polynomial fixed; do
      grep -q \"^\$s	/.*/strategy_\$s\" '$tmp/out' || exit 1; done"
check "... with their parameters" \
  sh -c "grep -q -- '--param exponent=1 ' '$tmp/out' &&
         grep -q -- '--param sequence=1,\.\.\. ' '$tmp/out'"

BACKOFF_PLUGIN_PATH="$(pwd)/tests/cli:$BACKOFF_PLUGIN_PATH" bo --list-strategies
check "... and a custom one found on the path" \
  sh -c "test $st = 0 && grep -q '^halves	' '$tmp/out' &&
         grep -q 'test strategy: step' '$tmp/out'"

bo --help
ok_help=1
for o in strategy param max-tries max-delay minimum scale-factor cap jitter \
         jitter-factor seed retry-on stop-on timeout kill-after quiet \
         verbose schedule format list-strategies help version; do
  grep -q -- "--$o\b" "$tmp/out" || ok_help=0
done
bo --version
check "--help covers every option and the exit statuses; --version" \
  sh -c "test $ok_help = 1 && test $st = 0 &&
         grep -qx 'backoff (libbackoff) [0-9][0-9.]*.*' '$tmp/out'"
done_testing
