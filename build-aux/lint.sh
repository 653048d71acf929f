#!/bin/sh
# make lint: the style checks that a tool makes, not a reviewer.
#   1. format: every C file of the tree as .clang-format lays it out;
#   2. cppcheck: no warning in the library, the command or the plugins;
#   3. lib/: no sprintf, vsprintf, strcpy, strcat or gets (bounded
#      snprintf / memcpy only).
# Each check reports what it found; the exit status is 1 if any failed.
# Needs clang-format and cppcheck (Debian: clang-format, cppcheck).
srcdir=${srcdir:-.}
cd "$srcdir" || exit 2
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
CPPCHECK=${CPPCHECK:-cppcheck}
status=0

if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  files=$(git ls-files '*.c' '*.h')
else
  files=$(find lib include tools plugins tests bench examples fuzz \
    -name '*.[ch]' 2>/dev/null | sort)
fi

if command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  unformatted=""
  for f in $files; do
    "$CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1 ||
      unformatted="$unformatted $f"
  done
  if [ -n "$unformatted" ]; then
    status=1
    echo "lint: not as .clang-format lays them out (clang-format -i FILE):"
    printf '  %s\n' $unformatted
  else
    echo "lint: format ok ($(printf '%s\n' $files | wc -l) files)"
  fi
else
  status=1
  echo "lint: $CLANG_FORMAT not found (Debian: apt-get install clang-format)"
fi

if command -v "$CPPCHECK" >/dev/null 2>&1; then
  if "$CPPCHECK" -q --enable=warning,portability --inline-suppr \
      --error-exitcode=1 --std=c99 -DHAVE_CONFIG_H -D__GNUC__ \
      -I include -I lib -I . lib tools plugins; then
    echo "lint: cppcheck ok"
  else
    status=1
    echo "lint: cppcheck found the warnings above"
  fi
else
  status=1
  echo "lint: $CPPCHECK not found (Debian: apt-get install cppcheck)"
fi

if grep -nE '(^|[^_a-z])(v?sprintf|strcpy|strcat|gets)[[:space:]]*\(' \
    $(find lib -name '*.[ch]' | sort); then
  status=1
  echo "lint: unbounded string functions in lib/ (use snprintf or memcpy)"
else
  echo "lint: no sprintf/strcpy/strcat/gets in lib/"
fi
exit $status
