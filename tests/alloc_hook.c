/* SPDX-License-Identifier: MIT */
/* See alloc_hook.h. The allocator underneath is called by its other
 * names, never through dlsym (which allocates, and crashes when a
 * sanitizer runtime calls malloc before it is initialised):
 *   - plain builds and valgrind: glibc's __libc_malloc & co. (valgrind
 *     replaces those too; it is run with --soname-synonyms=somalloc=
 *     nouserintercepts so that it leaves the definitions below alone);
 *   - ASan and TSan: the runtime's __interceptor_malloc & co., so the
 *     sanitizer still sees every allocation and checks leaks.
 * Pointers handed out while armed are remembered in a small open-addressing
 * set, so `live` counts exactly what a scenario still holds, whoever frees
 * it. Single-threaded use only: Check runs each test in its own forked
 * child. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_hook.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ALLOC_HOOK_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_HOOK_SANITIZER 1
#endif

/* The runtime calls malloc and free before its shadow memory exists:
 * the hook's own code must not be instrumented. */
#if defined(__GNUC__) || defined(__clang__)
#define NO_SAN __attribute__((no_sanitize("address", "thread", "undefined")))
#else
#define NO_SAN
#endif

#ifdef ALLOC_HOOK_SANITIZER
#define NEXT(name) __interceptor_##name
#else
#define NEXT(name) __libc_##name
#endif
extern void *NEXT(malloc)(size_t);
extern void *NEXT(calloc)(size_t, size_t);
extern void *NEXT(realloc)(void *, size_t);
extern void NEXT(free)(void *);

alloc_hook_t alloc_hook;
static int armed;

/* glibc 2.36 formats dlerror()'s message with asprintf, and under memcheck
 * a failed allocation there once wrote out of bounds (__vasprintf_internal)
 * and corrupted the scenario: glibc's own bug, not a path of ours. So no
 * allocation fails, and none is counted, while dlerror() runs (what it
 * allocates is still tracked as live); its callers' other allocations
 * (libltdl's, libbackoff's, the dynamic loader's) still fail in turn.
 * The real dlerror is looked up by a constructor, never from inside malloc
 * or dlerror: a lookup there would itself reset the error being asked for.
 * Only a sanitizer runtime calls dlerror before that constructor, while
 * it starts up; it is told "no error", as it would be by a lookup. */
static char *(*real_dlerror)(void);
static __thread int in_dlerror; /* glibc keeps dlerror's state per thread */

__attribute__((constructor)) static void find_real_dlerror(void) {
  real_dlerror = (char *(*)(void))dlsym(RTLD_NEXT, "dlerror");
}

char *dlerror(void) {
  char *s;
  if (real_dlerror == NULL)
    return NULL;
  in_dlerror++;
  s = real_dlerror();
  in_dlerror--;
  return s;
}

/* ---- the live set ----------------------------------------------------- */

#define SET_SIZE 65536u /* power of two */
static void *set[SET_SIZE];
static void *set_caller[SET_SIZE]; /* who made each live one */
static void *const TOMB = (void *)&set;

NO_SAN static size_t slot_of(const void *p) {
  uintptr_t h = (uintptr_t)p;
  h ^= h >> 17;
  h *= 0x9e3779b97f4a7c15ULL;
  return (size_t)(h >> 7) & (SET_SIZE - 1);
}

NO_SAN static void set_add(void *p, void *caller) {
  size_t i = slot_of(p), n;
  for (n = 0; n < SET_SIZE; n++, i = (i + 1) & (SET_SIZE - 1)) {
    if (set[i] == NULL || set[i] == TOMB) {
      set[i] = p;
      set_caller[i] = caller;
      alloc_hook.live++;
      return;
    }
  }
}

NO_SAN static void set_remove(void *p) {
  size_t i = slot_of(p), n;
  for (n = 0; n < SET_SIZE; n++, i = (i + 1) & (SET_SIZE - 1)) {
    if (set[i] == NULL)
      return;
    if (set[i] == p) {
      set[i] = TOMB;
      alloc_hook.live--;
      return;
    }
  }
}

void alloc_hook_arm(unsigned long fail_at) {
  memset(set, 0, sizeof(set));
  alloc_hook.calls = 0;
  alloc_hook.fail_at = fail_at;
  alloc_hook.failed_caller = NULL;
  alloc_hook.live = 0;
  armed = 1;
}

void alloc_hook_disarm(void) { armed = 0; }

/* Counts the call; returns 1 when this one must fail. */
NO_SAN static int should_fail(void *caller) {
  if (!armed || in_dlerror)
    return 0;
  alloc_hook.calls++;
  if (alloc_hook.calls == alloc_hook.fail_at) {
    alloc_hook.failed_caller = caller;
    errno = ENOMEM;
    return 1;
  }
  return 0;
}

NO_SAN static void *track(void *p, void *caller) {
  if (armed && p != NULL)
    set_add(p, caller);
  return p;
}

static int base_has_prefix(const char *path, const char *prefix) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  return strncmp(base, prefix, strlen(prefix)) == 0;
}

long alloc_hook_live_not_from(const char *prefix) {
  size_t i;
  long n = 0;
  for (i = 0; i < SET_SIZE; i++) {
    Dl_info info;
    if (set[i] == NULL || set[i] == TOMB)
      continue;
    if (dladdr(set_caller[i], &info) && info.dli_fname != NULL &&
        base_has_prefix(info.dli_fname, prefix))
      continue;
    n++;
  }
  return n;
}

void alloc_hook_describe_live(char *buf, size_t size) {
  size_t i, used = 0;
  buf[0] = '\0';
  for (i = 0; i < SET_SIZE && used + 1 < size; i++) {
    Dl_info info;
    const char *obj = "?", *sym = "?";
    int n;
    if (set[i] == NULL || set[i] == TOMB)
      continue;
    if (dladdr(set_caller[i], &info)) {
      obj = info.dli_fname ? info.dli_fname : "?";
      sym = info.dli_sname ? info.dli_sname : "?";
    }
    n = snprintf(buf + used, size - used, " [%s:%s]", obj, sym);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

NO_SAN void *malloc(size_t n) {
  if (should_fail(__builtin_return_address(0)))
    return NULL;
  return track(NEXT(malloc)(n), __builtin_return_address(0));
}

NO_SAN void *calloc(size_t n, size_t size) {
  if (should_fail(__builtin_return_address(0)))
    return NULL;
  return track(NEXT(calloc)(n, size), __builtin_return_address(0));
}

NO_SAN void *realloc(void *old, size_t n) {
  void *p;
  if (should_fail(__builtin_return_address(0)))
    return NULL;
  p = NEXT(realloc)(old, n);
  if (old != NULL && (p != NULL || n == 0))
    set_remove(old);
  return track(p, __builtin_return_address(0));
}

NO_SAN void free(void *p) {
  if (p == NULL)
    return;
  set_remove(p);
  NEXT(free)(p);
}

NO_SAN char *strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p;
  if (should_fail(__builtin_return_address(0)))
    return NULL;
  p = track(NEXT(malloc)(n), __builtin_return_address(0));
  if (p != NULL)
    memcpy(p, s, n);
  return p;
}

NO_SAN char *strndup(const char *s, size_t max) {
  size_t n = strnlen(s, max);
  char *p;
  if (should_fail(__builtin_return_address(0)))
    return NULL;
  p = track(NEXT(malloc)(n + 1), __builtin_return_address(0));
  if (p != NULL) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}
