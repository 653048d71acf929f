/* SPDX-License-Identifier: MIT */
/* Counts libbackoff's libltdl calls, to prove that opening a cached
 * strategy never reaches libltdl: the executable's definitions of the
 * lt_dl* entry points come first in symbol lookup, so the library's calls
 * land here and are forwarded to libltdl through dlsym(RTLD_NEXT). */
#include "config.h"

#include <dlfcn.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

static long long calls;

long long bench_ltdl_calls(void) {
  return __atomic_load_n(&calls, __ATOMIC_RELAXED);
}

static void *next(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (f == NULL) {
    fprintf(stderr, "bench: cannot find libltdl's %s: %s\n", name, dlerror());
    abort();
  }
  return f;
}

/* One forwarder per entry point; the pointer is resolved on first use. */
#define FORWARD(ret, name, params, args)                                      \
  ret name params {                                                           \
    static ret(*real) params;                                                 \
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);                          \
    if (real == NULL)                                                         \
      real = (ret(*) params)next(#name);                                      \
    return real args;                                                         \
  }

FORWARD(int, lt_dlinit, (void), ())
FORWARD(int, lt_dlexit, (void), ())
FORWARD(lt_dlhandle, lt_dlopen, (const char *f), (f))
FORWARD(lt_dlhandle, lt_dlopenext, (const char *f), (f))
FORWARD(lt_dlhandle, lt_dlopenadvise, (const char *f, lt_dladvise a), (f, a))
FORWARD(void *, lt_dlsym, (lt_dlhandle h, const char *s), (h, s))
FORWARD(int, lt_dlclose, (lt_dlhandle h), (h))
FORWARD(const char *, lt_dlerror, (void), ())
FORWARD(int, lt_dladvise_init, (lt_dladvise * a), (a))
FORWARD(int, lt_dladvise_destroy, (lt_dladvise * a), (a))
FORWARD(int, lt_dladvise_local, (lt_dladvise * a), (a))
FORWARD(int, lt_dladvise_preload, (lt_dladvise * a), (a))
