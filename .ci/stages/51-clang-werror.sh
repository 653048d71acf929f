#!/bin/sh
# SPDX-License-Identifier: MIT
# A configuration a packager uses, VPATH, whole suite: clang, every warning an error.
. "$(dirname "$0")/common.inc"
check_config clang-werror CC=clang --enable-werror
