#!/bin/sh
# SPDX-License-Identifier: MIT
# Fails when a public function (BACKOFF_EXTERN in include/backoff.h) or a
# public function-like macro has no man page, when a page does not name it
# in its NAME section, when a page is not installed (not in doc/local.am),
# or when a page's .TH line disagrees with its file name or the version.
# TAP output, one line per public name, then one per page.
srcdir=${srcdir:-.}
LC_ALL=C
export LC_ALL
header=$srcdir/include/backoff.h
am=$srcdir/doc/local.am
version=$(sh "$srcdir/m4/extract-version.sh")

# Declarations may span lines: drop preprocessor lines, join the rest, and
# take the identifier right before the first '(' after each BACKOFF_EXTERN.
funcs=$(sed '/^[[:space:]]*#/d' "$header" | tr '\n' ' ' |
  grep -o 'BACKOFF_EXTERN[^(;]*(' | sed 's/[[:space:]]*($//; s/.*[^A-Za-z0-9_]//')
# Public function-like macros (a trailing '_' marks an internal one).
macros=$(sed -n 's/^#define \(BACKOFF_[A-Z0-9_]*[A-Z0-9]\)(.*/\1/p' "$header")

nfuncs=$(printf '%s\n' $funcs | wc -l)
pages=$(cd "$srcdir/doc" && ls ./*.[1-9] | sed 's|^\./||')
npages=$(printf '%s\n' $pages | wc -l)
echo "1..$((nfuncs + $(printf '%s\n' $macros | wc -l) + npages + 1))"
i=0
bad=0
ok() { i=$((i + 1)); echo "ok $i - $*"; }
notok() { i=$((i + 1)); echo "not ok $i - $*"; bad=1; }

# The parse itself: a broken parse must not pass as "nothing to document".
nextern=$(sed '/^[[:space:]]*#/d' "$header" | grep -o 'BACKOFF_EXTERN' | wc -l)
if [ "$nfuncs" -eq "$nextern" ] && [ "$nfuncs" -ge 40 ] &&
   printf '%s\n' $funcs | grep -qx backoff_strategy_foreach &&
   printf '%s\n' $funcs | grep -qx backoff_strategy_description; then
  ok "parsed $nfuncs public functions from backoff.h"
else
  notok "parsed $nfuncs public functions from $nextern BACKOFF_EXTERN in backoff.h"
fi

# The NAME section's words of a page (after following a .so link).
name_section() {
  p=$srcdir/doc/$1
  first=$(sed -n 1p "$p")
  case $first in .so\ *) p=$srcdir/doc/${first##*/} ;; esac
  sed -n '/^\.SH NAME/,/^\.SH/p' "$p" | sed '1d;$d' |
    sed 's/\\-.*//; s/\\f[BIRP]//g; s/\\//g' | tr ', ' '\n\n'
}

for f in $funcs $macros; do
  page=$f.3
  if [ ! -f "$srcdir/doc/$page" ]; then
    notok "$f: no page doc/$page"
  elif ! name_section "$page" | grep -qx "$f"; then
    notok "$f: doc/$page does not name $f in NAME"
  else
    ok "$f: doc/$page"
  fi
done

for page in $pages; do
  sect=${page##*.}
  if ! grep -q "doc/$page\\( \\|\$\\)" "$am"; then
    notok "$page: not listed in doc/local.am (it would not be installed)"
    continue
  fi
  first=$(sed -n 1p "$srcdir/doc/$page")
  case $first in .so\ *) ok "$page: link"; continue ;; esac
  th=$(grep -m1 '^\.TH ' "$srcdir/doc/$page")
  # .TH TITLE SECTION DATE "libbackoff X.Y.Z" "libbackoff Manual"
  title=$(printf '%s\n' "$th" | awk '{ print $2 }' | tr 'A-Z' 'a-z')
  thsect=$(printf '%s\n' "$th" | awk '{ print $3 }')
  want=$(printf '%s\n' "${page%.*}" | tr 'A-Z' 'a-z')
  missing=
  for s in NAME DESCRIPTION; do
    grep -q "^\\.SH $s\$" "$srcdir/doc/$page" || missing="$missing $s"
  done
  grep -q -E '^\.SH "?SEE ALSO"?$' "$srcdir/doc/$page" || missing="$missing SEE-ALSO"
  if [ "$sect" = 3 ]; then
    grep -q '^\.SH SYNOPSIS$' "$srcdir/doc/$page" || missing="$missing SYNOPSIS"
  fi
  if [ "$title" != "$want" ] || [ "$thsect" != "$sect" ]; then
    notok "$page: .TH says '$title' section '$thsect'"
  elif ! printf '%s\n' "$th" | grep -q "\"libbackoff $version\""; then
    notok "$page: .TH does not say \"libbackoff $version\""
  elif [ -n "$missing" ]; then
    notok "$page: missing sections:$missing"
  else
    ok "$page"
  fi
done
exit $bad
