#!/bin/sh
# SPDX-License-Identifier: MIT
# The plugin search path and the security of loading,
# each case in a fresh process (BACKOFF_PLUGIN_PATH is read once per
# process). TAP.
#
# Trust model: a bare name is looked up only in absolute directories of
# BACKOFF_PLUGIN_PATH, then the installed plugin directory, then preloaded
# modules. Empty and relative entries ("", ".", "plugins") are skipped, so
# a plugin in the current directory is never loaded unless the user gives a
# path ("./strategy_x.so"). In setuid/setgid programs the library reads the
# variable with secure_getenv(3), which returns NULL there, so only the
# installed directory is searched. That branch is not tested here: it needs
# a setuid binary, i.e. root to make one and an unprivileged user to run it,
# which `make check` and `make distcheck` cannot count on.

top=${BACKOFF_PLUGIN_PATH%/plugins}
[ -n "$top" ] && [ -d "$top/tests" ] || top=.
top=$(cd "$top" && pwd)
probe=$top/tests/probe
plain_a=$top/tests/plugins/.libs/strategy_plain_a.so
plain_b=$top/tests/plugins/.libs/strategy_plain_b.so
in_tree=$BACKOFF_PLUGIN_PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-env-XXXXXX") || exit 99
trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT

echo "1..17"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# like DESCRIPTION PATTERN OUTPUT: a case pattern on the whole output.
like() {
  case $3 in
    $2) ok "$1" ;;
    *) not_ok "$1"; printf '%s\n' "$3" | sed 's/^/# got: /' ;;
  esac
}

mkdir "$tmp/cwd" "$tmp/a" "$tmp/b" "$tmp/bad"
cp "$plain_a" "$tmp/cwd/strategy_cwdonly.so"
cp "$plain_a" "$tmp/a/strategy_dup.so"
cp "$plain_b" "$tmp/b/strategy_dup.so"

# 1-3: the current directory is never searched for a bare name.
out=$(cd "$tmp/cwd" && BACKOFF_PLUGIN_PATH=".:cwd::./:$tmp/a" "$probe" cwdonly)
like "relative and empty entries are skipped (plugin in cwd not loaded)" \
  "error BACKOFF_ENOENT:*'cwdonly' not found*$tmp/a*" "$out"
case $out in
  *"in ., "*|*", cwd"*) not_ok "a relative entry was searched: $out" ;;
  *) ok "the error lists only the absolute directories searched" ;;
esac
out=$(cd "$tmp/cwd" && BACKOFF_PLUGIN_PATH= "$probe" -n 2 ./strategy_cwdonly.so)
like "the same file loads when given as a path" \
  "path /*/cwd/strategy_cwdonly.so*0 100*1 101" "$out"

# 4-5: search order: the first directory holding the name wins.
like "first directory in BACKOFF_PLUGIN_PATH wins" "path $tmp/a/strategy_dup.so*0 100" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/a:$tmp/b "$probe" -n 1 dup)"
like "...in either order" "path $tmp/b/strategy_dup.so*0 200" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/b:$tmp/a "$probe" -n 1 dup)"

# 6: an unset variable still finds nothing in the cwd.
out=$(cd "$tmp/cwd" && env -u BACKOFF_PLUGIN_PATH "$probe" cwdonly)
like "unset BACKOFF_PLUGIN_PATH: not loaded from the cwd" \
  "error BACKOFF_ENOENT:*" "$out"

# 7-9: broken files found by bare name stop the search with a clear error
# (they do not fall through to a later directory: a broken install must be
# noticed, not silently shadowed).
mkdir "$tmp/bad/strategy_isdir.so"
like "a directory named strategy_isdir.so: ELOAD" \
  "error BACKOFF_ELOAD:*strategy_isdir.so*directory*" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/bad "$probe" isdir)"
ln -s strategy_loop2.so "$tmp/bad/strategy_loop.so"
ln -s strategy_loop.so "$tmp/bad/strategy_loop2.so"
like "a symlink loop: ELOAD" \
  "error BACKOFF_ELOAD:*strategy_loop.so*symbolic links*" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/bad "$probe" loop)"
printf 'not an ELF file\n' > "$tmp/bad/strategy_text.so"
like "a text file named strategy_text.so: ELOAD" \
  "error BACKOFF_ELOAD:*strategy_text.so*" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/bad:$tmp/a "$probe" text)"

# 10: an unreadable plugin.
if [ "$(id -u)" = 0 ]; then
  skip "unreadable file: running as root, which reads mode-000 files anyway"
else
  cp "$plain_a" "$tmp/bad/strategy_noread.so"
  chmod 000 "$tmp/bad/strategy_noread.so"
  like "an unreadable file: ELOAD" \
    "error BACKOFF_ELOAD:*strategy_noread.so*ermission denied*" \
    "$(BACKOFF_PLUGIN_PATH=$tmp/bad "$probe" noread)"
fi

# 11: the in-tree path still works next to all this.
like "in-tree strategies still load" "path $in_tree/strategy_fibonacci.la*4 8*5 13" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/a:$in_tree "$probe" fibonacci)"

# 12-13: a directory that cannot be searched (stat gives EACCES) is skipped,
# as ld.so skips one: names in later directories, the default strategy
# included, still load. root searches any directory, so as root the probe
# runs as nobody (setpriv); without setpriv the case cannot be made.
mkdir "$tmp/locked"
chmod 755 "$tmp" "$tmp/a"
chmod 000 "$tmp/locked"
as_user=
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null 2>&1; then
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
  fi
fi
# nobody must reach the probe, the build tree and $tmp at all (a checkout
# under a 0700 directory, such as mktemp -d makes, keeps it out): without
# the locked directory, the same lookup must work as that user.
unreachable=
if [ -n "$as_user" ]; then
  case $(BACKOFF_PLUGIN_PATH=$tmp/a:$in_tree $as_user "$probe" -n 1 dup 2>&1) in
    "path $tmp/a/strategy_dup.so"*) ;;
    *) unreachable=yes ;;
  esac
fi
if [ "$(id -u)" = 0 ] && [ -z "$as_user" ]; then
  skip "unsearchable directory: running as root without setpriv"
  skip "unsearchable directory (default strategy): same"
  skip "unsearchable directory (message): same"
elif [ -n "$unreachable" ]; then
  skip "unsearchable directory: nobody cannot reach the build tree here"
  skip "unsearchable directory (default strategy): same"
  skip "unsearchable directory (message): same"
else
  like "an unsearchable directory is skipped" "path $tmp/a/strategy_dup.so*0 100" \
    "$(BACKOFF_PLUGIN_PATH=$tmp/locked:$tmp/a $as_user "$probe" -n 1 dup)"
  like "...and the default strategy still loads" \
    "path $in_tree/strategy_exponential.la*0 1*" \
    "$(BACKOFF_PLUGIN_PATH=$tmp/locked:$in_tree $as_user "$probe" -n 1 exponential)"
  like "...and a name found nowhere says the directory was skipped" \
    "error BACKOFF_ENOENT:*$tmp/locked (not searchable, skipped)*" \
    "$(BACKOFF_PLUGIN_PATH=$tmp/locked:$tmp/a $as_user "$probe" nowhere)"
fi
chmod 700 "$tmp/locked"

# 14-15: a dangling symlink in the first directory is not there, for the
# listing as for the open: both name the second directory's file.
mkdir "$tmp/d1" "$tmp/d2"
ln -s "$tmp/nowhere.so" "$tmp/d1/strategy_dang.so"
cp "$plain_a" "$tmp/d2/strategy_dang.so"
like "open skips a dangling symlink" "path $tmp/d2/strategy_dang.so*" \
  "$(BACKOFF_PLUGIN_PATH=$tmp/d1:$tmp/d2 "$probe" -n 1 dang)"
out=$(BACKOFF_PLUGIN_PATH=$tmp/d1:$tmp/d2 "$probe" -l)
case $out in
  *"dang $tmp/d2/strategy_dang.so"*) ok "the listing names the file the open loads" ;;
  *) not_ok "the listing names the file the open loads"
     printf '%s\n' "$out" | sed 's/^/# got: /' ;;
esac

# 16: a first directory without any strategy (clang's UBSan once caught a
# qsort of its empty list, NULL + 0, here).
mkdir "$tmp/empty"
out=$(BACKOFF_PLUGIN_PATH=$tmp/empty:$in_tree "$probe" -l)
case $out in
  *"fibonacci $in_tree/strategy_fibonacci.la"*) ok "a listing whose first directory is empty" ;;
  *) not_ok "a listing whose first directory is empty"
     printf '%s\n' "$out" | sed 's/^/# got: /' ;;
esac
exit $failed
