/* SPDX-License-Identifier: MIT */
/* The version of the library actually loaded, next to the compile-time
 * macros of backoff/version.h. */
#include "config.h"

#include "internal.h"

unsigned int backoff_version(void) { return BACKOFF_VERSION_HEX; }

const char *backoff_version_string(void) { return BACKOFF_VERSION_STRING; }
