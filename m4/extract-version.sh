#!/bin/sh
# SPDX-License-Identifier: MIT
# Prints the package version from include/backoff/version.h for AC_INIT.
h="$(dirname "$0")/../include/backoff/version.h"
v() { sed -n "s/^#define BACKOFF_VERSION_$1 \([0-9][0-9]*\)$/\1/p" "$h"; }
printf '%s.%s.%s' "$(v MAJOR)" "$(v MINOR)" "$(v PATCH)"
