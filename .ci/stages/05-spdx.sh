#!/bin/sh
# SPDX-License-Identifier: MIT
# Every source file carries its SPDX-License-Identifier line (files added
# since the last run of build-aux/spdx.sh are listed; run it to add them).
. "$(dirname "$0")/common.inc"
cd "$top"
sh build-aux/spdx.sh --check
say "ok: every source file has its SPDX line"
