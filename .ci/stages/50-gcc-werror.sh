#!/bin/sh
# SPDX-License-Identifier: MIT
# A configuration a packager uses, VPATH, whole suite: gcc, every warning an error.
. "$(dirname "$0")/common.inc"
check_config gcc-werror CC=gcc --enable-werror
