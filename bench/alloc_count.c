/* SPDX-License-Identifier: MIT */
/* A malloc-counting interposer linked into the benchmark itself (no
 * LD_PRELOAD): the executable's definitions come first in symbol lookup,
 * so libbackoff's calls to malloc land here, are counted, and go on to
 * glibc's allocator through its __libc_* entry points (dlsym(RTLD_NEXT)
 * would itself allocate while resolving). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h> /* memalign */
#endif

#include "bench.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||    \
    __has_feature(memory_sanitizer)
#define BENCH_NO_INTERPOSER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) ||          \
    !defined(__GLIBC__)
#define BENCH_NO_INTERPOSER 1
#endif

#ifndef BENCH_NO_INTERPOSER

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static long long count; /* atomic: threads allocate too */

static void bump(void) { __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED); }

long long bench_allocs(void) {
  return __atomic_load_n(&count, __ATOMIC_RELAXED);
}

void *malloc(size_t size) {
  bump();
  return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
  bump();
  return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size) {
  bump();
  return __libc_realloc(p, size);
}

void free(void *p) { __libc_free(p); }

/* Memory from these is freed by the free() above, so they must come from
 * the same allocator; they count like malloc. */
int posix_memalign(void **out, size_t align, size_t size) {
  void *p;
  bump();
  if (align < sizeof(void *) || (align & (align - 1)) != 0)
    return 22; /* EINVAL */
  p = __libc_memalign(align, size);
  if (p == NULL)
    return 12; /* ENOMEM */
  *out = p;
  return 0;
}

void *aligned_alloc(size_t align, size_t size) {
  bump();
  return __libc_memalign(align, size);
}

void *memalign(size_t align, size_t size) {
  bump();
  return __libc_memalign(align, size);
}

#else

long long bench_allocs(void) { return -1; }

#endif
