/* SPDX-License-Identifier: MIT */
/* libbackoff version, at compile time.
 *
 * This file is the single source of the version number: configure.ac reads
 * it (m4/extract-version.sh), so the tarball name, backoff_version_string()
 * and these macros never disagree. The shared library's -version-info is a
 * different number with its own rules: see BACKOFF_VERSION_INFO in
 * lib/local.am. */
#ifndef BACKOFF_VERSION_H
#define BACKOFF_VERSION_H

#define BACKOFF_VERSION_MAJOR 1
#define BACKOFF_VERSION_MINOR 0
#define BACKOFF_VERSION_PATCH 0

/* 0xMMmmpp: compare with >= in #if, e.g. BACKOFF_VERSION_HEX >= 0x010000. */
#define BACKOFF_VERSION_HEX                                                   \
  ((BACKOFF_VERSION_MAJOR << 16) | (BACKOFF_VERSION_MINOR << 8) |             \
   (BACKOFF_VERSION_PATCH))

#define BACKOFF_VERSION_STRINGIFY_(v) #v
#define BACKOFF_VERSION_STRINGIFY(v) BACKOFF_VERSION_STRINGIFY_(v)
#define BACKOFF_VERSION_STRING                                                \
  BACKOFF_VERSION_STRINGIFY(BACKOFF_VERSION_MAJOR)                            \
  "." BACKOFF_VERSION_STRINGIFY(                                              \
      BACKOFF_VERSION_MINOR) "." BACKOFF_VERSION_STRINGIFY(BACKOFF_VERSION_PATCH)

#endif /* BACKOFF_VERSION_H */
