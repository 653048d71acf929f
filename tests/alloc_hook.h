/* SPDX-License-Identifier: MIT */
/* A malloc interposer for tests: the test binary defines malloc, calloc,
 * realloc, free, strdup and strndup, and they forward to the next
 * definition (libc's, or the sanitizer's/valgrind's replacement), so every
 * allocation made by libbackoff, its plugins, libltdl and the dynamic loader
 * passes through here and can be counted or made to fail. */
#ifndef BACKOFF_ALLOC_HOOK_H
#define BACKOFF_ALLOC_HOOK_H

#include <stddef.h>

typedef struct {
  unsigned long calls;   /* allocation calls while armed */
  unsigned long fail_at; /* 1-based call that returns NULL; 0: none */
  void *failed_caller;   /* return address of the call that failed */
  long live;             /* armed allocations not yet freed */
} alloc_hook_t;

extern alloc_hook_t alloc_hook;

/* Start counting (and failing the fail_at-th call) / stop. */
void alloc_hook_arm(unsigned long fail_at);
void alloc_hook_disarm(void);

/* Live allocations made by any object whose file name does not start
 * with `prefix` (e.g. "ld-": the dynamic loader). */
long alloc_hook_live_not_from(const char *prefix);

/* Lists who made each live allocation: " [object:function]...". */
void alloc_hook_describe_live(char *buf, size_t size);

#endif
