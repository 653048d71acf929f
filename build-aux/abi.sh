#!/bin/sh
# SPDX-License-Identifier: MIT
# The ABI guard. abi/libbackoff.abi is the ABI of the public interface
# (abidw of libbackoff.so, public headers only) and abi/version-info the
# libtool -version-info it was made with.
#
#   build-aux/abi.sh check  LIBSO SRCDIR   the built library must have the
#       baseline's ABI exactly, and lib/local.am the baseline's
#       -version-info: an ABI change fails until -version-info and the
#       baseline are updated in the same change.
#   build-aux/abi.sh update LIBSO SRCDIR   regenerate the baseline; refused
#       unless -version-info was bumped the way the change requires
#       (incompatible: CURRENT+1, AGE=0; additions only: CURRENT+1, AGE+1),
#       or ABI_FORCE=yes (an ABI never released, e.g. before 1.0).
#
# Exit status: 0 ok, 1 the guard failed, 2 usage or a missing tool.
set -eu
mode=${1-}
lib=${2-}
srcdir=${3-}
if [ -z "$mode" ] || [ -z "$lib" ] || [ -z "$srcdir" ]; then
  echo "usage: $0 check|update LIBSO SRCDIR" >&2
  exit 2
fi
for t in abidw abidiff; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "abi: $t not found (Debian: apt-get install abigail-tools)" >&2
    exit 2
  }
done
[ -f "$lib" ] || { echo "abi: $lib: no such file (a shared build?)" >&2; exit 2; }

base=$srcdir/abi/libbackoff.abi
base_vi=$srcdir/abi/version-info
vi=$(sed -n 's/^BACKOFF_VERSION_INFO = *\([0-9:]*\) *$/\1/p' "$srcdir/lib/local.am")
[ -n "$vi" ] || { echo "abi: no BACKOFF_VERSION_INFO in lib/local.am" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backoff-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Public types only, no paths or line numbers: the file changes only when
# the ABI does.
abidw --headers-dir "$srcdir/include" --drop-private-types --no-corpus-path \
  --no-comp-dir-path --no-show-locs "$lib" >"$tmp/new.abi"

# compare OLD NEW: returns 0 same, 4 additions only, 8 incompatible.
# abidiff flags only removed symbols as incompatible; a changed type (a
# struct grown, a parameter changed) breaks callers too, so anything
# "Removed" or "Changed" in its summaries counts as incompatible.
compare() {
  rc=0
  abidiff --no-show-locs "$1" "$2" >"$tmp/diff" 2>&1 || rc=$?
  if [ $((rc & 3)) -ne 0 ]; then
    cat "$tmp/diff" >&2
    echo "abi: abidiff failed (exit $rc)" >&2
    exit 2
  fi
  [ "$rc" -eq 0 ] && return 0
  broken=$(sed -n 's/^\(Functions\|Variables\) changes summary: \([0-9]*\) Removed[^,]*, \([0-9]*\) Changed.*/\2 \3/p' "$tmp/diff" |
    awk '{ n += $1 + $2 } END { print n + 0 }')
  [ $((rc & 8)) -ne 0 ] || [ "$broken" -gt 0 ] && return 8
  return 4
}
cur() { echo "${1%%:*}"; }
age() { echo "${1##*:}"; }

case $mode in
check)
  [ -f "$base" ] && [ -f "$base_vi" ] || {
    echo "abi: no baseline in $srcdir/abi (make abi-baseline)" >&2
    exit 1
  }
  old_vi=$(cat "$base_vi")
  status=0
  compare "$base" "$tmp/new.abi" || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$tmp/diff"
    if [ $((status & 8)) -ne 0 ]; then
      echo "abi: INCOMPATIBLE change to the ABI of $old_vi (above)." >&2
      echo "abi: if intended: CURRENT+1, REVISION=0, AGE=0 in lib/local.am," >&2
    else
      echo "abi: the ABI of $old_vi grew (above)." >&2
      echo "abi: if intended: CURRENT+1, REVISION=0, AGE+1 in lib/local.am," >&2
    fi
    echo "abi: then make abi-baseline, in the same commit (see RELEASING)." >&2
    exit 1
  fi
  if [ "$vi" != "$old_vi" ]; then
    echo "abi: lib/local.am says -version-info $vi, the baseline was made" \
      "with $old_vi: make abi-baseline" >&2
    exit 1
  fi
  echo "abi: ok: the ABI is the baseline's (-version-info $vi)"
  ;;
update)
  if [ -f "$base" ] && [ -f "$base_vi" ] && [ "${ABI_FORCE-}" != yes ]; then
    old_vi=$(cat "$base_vi")
    status=0
    compare "$base" "$tmp/new.abi" || status=$?
    need=
    if [ $((status & 8)) -ne 0 ]; then
      [ "$(cur "$vi")" -gt "$(cur "$old_vi")" ] && [ "$(age "$vi")" -eq 0 ] ||
        need="an incompatible change needs CURRENT+1 and AGE=0"
    elif [ "$status" -ne 0 ]; then
      [ "$(cur "$vi")" -gt "$(cur "$old_vi")" ] &&
        [ "$(age "$vi")" -gt "$(age "$old_vi")" ] ||
        need="added interfaces need CURRENT+1 and AGE+1"
    fi
    if [ -n "$need" ]; then
      cat "$tmp/diff"
      echo "abi: refused: $need (lib/local.am: $old_vi -> $vi)." >&2
      echo "abi: (an ABI never released: ABI_FORCE=yes make abi-baseline)" >&2
      exit 1
    fi
  fi
  mkdir -p "$srcdir/abi"
  cp "$tmp/new.abi" "$base"
  echo "$vi" >"$base_vi"
  echo "abi: baseline written: $base (-version-info $vi)"
  ;;
*)
  echo "usage: $0 check|update LIBSO SRCDIR" >&2
  exit 2
  ;;
esac
