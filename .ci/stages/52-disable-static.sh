#!/bin/sh
# SPDX-License-Identifier: MIT
# A configuration a packager uses, VPATH, whole suite: shared only: the preload test skips (no archives to preload).
. "$(dirname "$0")/common.inc"
check_config disable-static --disable-static
