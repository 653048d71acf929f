#!/bin/sh
# SPDX-License-Identifier: MIT
# Puts an SPDX-License-Identifier line in every source file of the tree
# (C, C++, headers, shell, automake, autoconf, CMake, Python) that lacks
# one, in the file's own comment syntax, or, with --check, lists those that
# lack it and fails. Files with a licence of their own (the automake
# helpers in build-aux/, debian/) and data (fuzz inputs) are left alone.
#
#   build-aux/spdx.sh [--check] [FILE...]
#
# Without FILE arguments: the files git tracks, or every file under the
# directory holding build-aux/ when it is not a git checkout (a tarball).
set -eu

id='SPDX-License-Identifier: MIT'
check=no
if [ "${1-}" = --check ]; then
  check=yes
  shift
fi
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# The comment line for a file, or nothing if the file is not ours to mark.
comment_for() {
  case $1 in
    build-aux/spdx.sh) echo "# $id"; return ;;
    build-aux/* | debian/* | fuzz/corpus/* | fuzz/regress/* | LICENSE) return ;;
    *.c | *.h | *.cc | *.cpp | *.hpp) echo "/* $id */"; return ;;
    *.ac | *.m4) echo "dnl $id"; return ;;
    *.sh | *.inc | *.am | *.py | *.cmake | */CMakeLists.txt | CMakeLists.txt)
      echo "# $id"; return ;;
  esac
  # Extensionless scripts (bootstrap, .ci/run): by their #! line.
  case $(head -c 64 "$1" 2>/dev/null | head -n 1) in
    '#!'*sh* | '#!'*python*) echo "# $id" ;;
  esac
}

list_files() {
  if [ $# -gt 0 ]; then
    printf '%s\n' "$@"
  elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files
  else
    find . -type f ! -path './.git/*' | sed 's|^\./||' | sort
  fi
}

# Marked: the identifier within the first three lines.
has_id() { head -n 3 "$1" | grep -q "$id"; }

add_id() {
  f=$1
  line=$2
  tmp=$f.spdx.$$
  if head -n 1 "$f" | grep -q '^#!'; then
    { head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$tmp"
  else
    { echo "$line"; cat "$f"; } >"$tmp"
  fi
  # Keeps the file's mode (scripts stay executable).
  cat "$tmp" >"$f"
  rm -f "$tmp"
}

missing=0
list_files "$@" | {
  while IFS= read -r f; do
    [ -f "$f" ] || continue
    line=$(comment_for "$f")
    [ -n "$line" ] || continue
    has_id "$f" && continue
    if [ "$check" = yes ]; then
      echo "spdx: no '$id' line: $f" >&2
      missing=$((missing + 1))
    else
      add_id "$f" "$line"
      echo "spdx: added: $f"
    fi
  done
  if [ "$missing" -gt 0 ]; then
    echo "spdx: $missing file(s) lack it; run build-aux/spdx.sh to add it" >&2
    exit 1
  fi
}
