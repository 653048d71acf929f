/* SPDX-License-Identifier: MIT */
/* The plugin loader: the only code that touches libltdl.
 *
 * Two sides. The read side, a lookup of a loaded module by bare name or by
 * an absolute path exactly as given, takes no lock and makes no system
 * call: it reads an immutable hash table published through one atomic
 * pointer and takes a reference on the module it finds. The write side
 * (loading, evicting) runs under `lock`, which also serialises every
 * libltdl call (libltdl is not thread-safe); a lookup never waits for it,
 * so a plugin whose load takes seconds stalls no other thread's lookup of
 * a loaded strategy.
 *
 * Reclamation. A writer replaces the table and then waits for a grace
 * period before freeing the old table or an evicted module: every lookup
 * announces itself in a per-thread counter (one of READER_SLOTS, each on
 * its own cache line, two per slot so that new lookups move to the other
 * one while a writer waits for the old one to drain: sleepable RCU's
 * scheme). A lookup holds no pointer after it returns except through the
 * reference it took, and an evicted module is freed only if, after the
 * grace period, its reference count is still zero: no lookup can find it
 * any more, so none can revive it (no ABA, no use after free).
 *
 * Cache. Modules stay loaded while referenced; released ones stay loaded
 * too, up to IDLE_MAX of them, so a program cycling through many
 * strategies in the call form does not dlopen and dlclose on every call.
 * Past IDLE_MAX idle modules, a load evicts idle ones by the clock
 * algorithm: a module looked up since the hand last passed gets a second
 * chance. Releasing a reference is one atomic decrement: eviction happens
 * only when a load adds a module. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#ifndef LT_MODULE_EXT
#define LT_MODULE_EXT ".so"
#endif

/* Released modules kept loaded (documented in backoff_strategy_open(3)). */
#define IDLE_MAX 64

struct backoff__alias_s {
  backoff__alias_t *next;
  char key[]; /* a bare name or an absolute path, as requested */
};

/* ---- the read side --------------------------------------------------------
 */

#define READER_SLOTS 64

typedef struct {
  unsigned long n[2]; /* atomic: lookups running, by grace-period parity */
  /* atomic: a module borrowed by a call-form handle (a hazard pointer),
   * or NULL; see take(). */
  backoff__module_t *hazard;
  char pad_[64 - 2 * sizeof(unsigned long) - sizeof(void *)];
} reader_slot_t;

typedef struct {
  uint64_t hash;
  size_t len;
  const char *key; /* NULL: an empty slot */
  backoff__module_t *module;
} entry_t;

typedef struct {
  size_t mask; /* slots - 1; slots is a power of two, at least 2 x entries */
  entry_t slots[];
} table_t;

static reader_slot_t readers[READER_SLOTS] __attribute__((aligned(64)));
static unsigned long grace;      /* atomic: grace periods started */
static unsigned reader_next;     /* atomic: hands out reader slots */
static table_t *table;           /* atomic: the published table, or NULL */
static __thread unsigned my_slot /* this thread's slot + 1; 0: none yet */
    __attribute__((tls_model("initial-exec")));

/* A word at a time: an absolute path is tens of bytes, and a lookup by
 * path must cost about what one by name does. */
static uint64_t hash_key(const char *s, size_t len) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

  for (; len >= 8; s += 8, len -= 8) {
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  if (len > 0) {
    w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
  }
  return h;
}

static reader_slot_t *reader_slot(void) {
  unsigned s = my_slot;
  if (BACKOFF_UNLIKELY(s == 0)) {
    s = __atomic_fetch_add(&reader_next, 1, __ATOMIC_RELAXED) % READER_SLOTS +
        1;
    my_slot = s;
  }
  return &readers[s - 1];
}

/* Takes m for the caller: a borrow when asked for (borrow != NULL) and
 * this thread's slot is free, recorded in *borrow (the slot + 1), which the
 * handle keeps and hands back on release; else a reference. The call
 * form's borrow writes nothing to the module's shared cache line. Nested
 * call forms, and threads sharing a slot, find it taken and count a
 * reference. Called inside a lookup's read-side section, so a writer's
 * grace period sees either. */
static void take(backoff__module_t *m, reader_slot_t *slot, unsigned *borrow) {
  backoff__module_t *none = NULL;

  if (borrow != NULL &&
      __atomic_load_n(&slot->hazard, __ATOMIC_RELAXED) == NULL &&
      __atomic_compare_exchange_n(&slot->hazard, &none, m, 0, __ATOMIC_SEQ_CST,
                                  __ATOMIC_RELAXED)) {
    *borrow = (unsigned)(slot - readers) + 1;
    return;
  }
  __atomic_fetch_add(&m->refs_, 1, __ATOMIC_RELAXED);
}

/* The module cached under key, taken (see take()); NULL if none. */
static backoff__module_t *lookup(const char *key, unsigned *borrow) {
  const size_t len = strlen(key);
  const uint64_t h = hash_key(key, len);
  reader_slot_t *slot = reader_slot();
  const unsigned parity = __atomic_load_n(&grace, __ATOMIC_RELAXED) & 1;
  backoff__module_t *m = NULL;
  const table_t *t;
  size_t i;

  /* seq_cst: the announcement is ordered before the table is read, and a
   * writer's publication before its check of the counters, so either the
   * writer sees this lookup or this lookup sees the writer's table. */
  __atomic_fetch_add(&slot->n[parity], 1, __ATOMIC_SEQ_CST);
  t = __atomic_load_n(&table, __ATOMIC_SEQ_CST);
  if (t != NULL) {
    for (i = h & t->mask; t->slots[i].key != NULL; i = (i + 1) & t->mask) {
      if (t->slots[i].hash == h && t->slots[i].len == len &&
          memcmp(t->slots[i].key, key, len) == 0) {
        m = t->slots[i].module;
        take(m, slot, borrow);
        if (!__atomic_load_n(&m->used_, __ATOMIC_RELAXED))
          __atomic_store_n(&m->used_, 1, __ATOMIC_RELAXED);
        break;
      }
    }
  }
  __atomic_fetch_sub(&slot->n[parity], 1, __ATOMIC_RELEASE);
  return m;
}

/* ---- the write side: state under `lock` ------------------------------------
 */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int lt_ready;                /* under lock */
static lt_dladvise advise_local;    /* under lock */
static lt_dladvise advise_preload;  /* under lock */
static backoff__module_t **mods;    /* under lock: every loaded module */
static size_t nmods, capmods, hand; /* under lock; hand: the clock's */
/* Which request this thread is loading while it holds `lock`: a plugin's
 * constructor or destructor runs inside lt_dlopen or lt_dlclose, and a
 * strategy it asks for that is not loaded yet cannot be loaded then. */
static __thread const char *loading __attribute__((tls_model("initial-exec")));

/* Waits until no lookup that may have read an older table is running. */
static void synchronize_locked(void) {
  int phase;
  for (phase = 0; phase < 2; phase++) {
    const unsigned long g = __atomic_fetch_add(&grace, 1, __ATOMIC_SEQ_CST);
    size_t i;
    for (i = 0; i < READER_SLOTS; i++)
      while (__atomic_load_n(&readers[i].n[g & 1], __ATOMIC_SEQ_CST) != 0)
        sched_yield();
  }
}

static size_t table_slots(size_t entries) {
  size_t n = 16;
  while (n < 2 * entries)
    n *= 2;
  return n;
}

/* Builds and publishes the table of every key of every module in mods,
 * then frees the old one once no lookup can be reading it. */
static int publish_locked(void) {
  table_t *t, *old;
  size_t i, keys = 0, n;

  for (i = 0; i < nmods; i++) {
    const backoff__alias_t *a;
    for (a = mods[i]->aliases_; a != NULL; a = a->next)
      keys++;
  }
  n = table_slots(keys);
  if ((t = calloc(1, sizeof(*t) + n * sizeof(entry_t))) == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory caching a strategy");
  t->mask = n - 1;
  for (i = 0; i < nmods; i++) {
    const backoff__alias_t *a;
    for (a = mods[i]->aliases_; a != NULL; a = a->next) {
      const size_t len = strlen(a->key);
      const uint64_t h = hash_key(a->key, len);
      size_t j = h & t->mask;
      while (t->slots[j].key != NULL)
        j = (j + 1) & t->mask;
      t->slots[j] = (entry_t){h, len, a->key, mods[i]};
    }
  }
  old = __atomic_exchange_n(&table, t, __ATOMIC_SEQ_CST);
  synchronize_locked();
  free(old);
  return 0;
}

/* Records key as a name of m (published by the next publish_locked). */
static int add_alias_locked(backoff__module_t *m, const char *key) {
  const size_t len = strlen(key) + 1;
  backoff__alias_t *a = malloc(sizeof(*a) + len);

  if (a == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory caching %s", key);
  memcpy(a->key, key, len);
  a->next = m->aliases_;
  m->aliases_ = a;
  return 0;
}

static void free_module_locked(backoff__module_t *m) {
  backoff__alias_t *a = m->aliases_;
  while (a != NULL) {
    backoff__alias_t *next = a->next;
    free(a);
    a = next;
  }
  if (m->handle_ != NULL) {
    lt_dlclose((lt_dlhandle)m->handle_);
    (void)lt_dlerror();
  }
  free(m);
}

/* 1 when some thread has m borrowed. */
static int borrowed_anywhere(const backoff__module_t *m) {
  size_t i;
  for (i = 0; i < READER_SLOTS; i++)
    if (__atomic_load_n(&readers[i].hazard, __ATOMIC_SEQ_CST) == m)
      return 1;
  return 0;
}

static size_t idle_locked(void) {
  size_t i, idle = 0;
  for (i = 0; i < nmods; i++)
    if (__atomic_load_n(&mods[i]->refs_, __ATOMIC_ACQUIRE) == 0)
      idle++;
  return idle;
}

/* The clock: the next idle module not looked up since the hand last
 * passed it, taken out of mods. */
static backoff__module_t *clock_victim_locked(void) {
  size_t steps;
  for (steps = 0; steps < 2 * nmods + 1; steps++) {
    backoff__module_t *m;
    if (hand >= nmods)
      hand = 0;
    m = mods[hand];
    if (__atomic_load_n(&m->refs_, __ATOMIC_ACQUIRE) == 0 &&
        !__atomic_exchange_n(&m->used_, 0, __ATOMIC_RELAXED)) {
      mods[hand] = mods[--nmods];
      return m;
    }
    hand++;
  }
  return NULL;
}

/* Makes room for the module just loaded (in use, so not counted): at most
 * IDLE_MAX - 1 others idle, so at most IDLE_MAX once it is released too.
 * One taken again between the choice
 * and the grace period (a lookup that read the old table) stays. */
static void evict_locked(void) {
  backoff__module_t *victims[8];
  size_t nv = 0, idle = idle_locked(), i;

  while (idle >= IDLE_MAX && nv < sizeof(victims) / sizeof(victims[0])) {
    backoff__module_t *m = clock_victim_locked();
    if (m == NULL)
      break;
    victims[nv++] = m;
    idle--;
  }
  if (nv == 0 || publish_locked() != 0) {
    for (i = 0; i < nv; i++) /* out of memory: keep them all */
      mods[nmods++] = victims[i];
    return;
  }
  for (i = 0; i < nv; i++) {
    /* The borrows first: a reference taken since (a copy of a borrowing
     * handle, made before that handle's release cleared its slot) is then
     * visible to the count read after. */
    if (!borrowed_anywhere(victims[i]) &&
        __atomic_load_n(&victims[i]->refs_, __ATOMIC_SEQ_CST) == 0) {
      free_module_locked(victims[i]);
      victims[i] = NULL;
    } else {
      mods[nmods++] = victims[i];
    }
  }
  for (i = 0; i < nv && victims[i] == NULL; i++)
    ;
  if (i < nv)
    (void)publish_locked(); /* a survivor: findable again */
}

/* ---- loading --------------------------------------------------------------
 */

/* fork() waits for a load or eviction in progress, so the child never
 * inherits the loader half-updated. A plugin constructor or destructor
 * that forks runs on the thread that already holds the lock (it is
 * loading): that fork neither takes nor releases it. */
static __thread int fork_in_load __attribute__((tls_model("initial-exec")));

static void before_fork(void) {
  fork_in_load = loading != NULL;
  if (!fork_in_load)
    pthread_mutex_lock(&lock);
}

static void after_fork_parent(void) {
  if (!fork_in_load)
    pthread_mutex_unlock(&lock);
}

/* Only the forking thread exists in the child, and it is not inside a
 * lookup: counts and borrows left by other threads would stall every later
 * grace period or pin their modules. The forking thread's own slot keeps
 * its borrow (a call form that forks, e.g. a retried spawn, still uses
 * its module in the child). */
static void after_fork_child(void) {
  backoff__module_t *mine =
      my_slot != 0
          ? __atomic_load_n(&readers[my_slot - 1].hazard, __ATOMIC_RELAXED)
          : NULL;

  memset(readers, 0, sizeof(readers));
  if (mine != NULL)
    readers[my_slot - 1].hazard = mine;
  if (!fork_in_load)
    pthread_mutex_unlock(&lock);
}

#ifdef BACKOFF_BUILTIN_PRELOADED
extern const lt_dlsymlist lt_libbackoff_LTX_preloaded_symbols[];
#endif

/* Called with the lock held. */
static int ltdl_init_locked(void) {
  if (lt_ready)
    return 0;
  if (lt_dlinit() != 0) {
    /* lt_dlinit counts the call even when it fails: without this
     * lt_dlexit the next lt_dlinit would skip initialising, and the next
     * lt_dlopen would crash on libltdl's half-built state. */
    const char *e = lt_dlerror();
    int rc = backoff__fail(BACKOFF_ELOAD, "libltdl failed to initialise: %s",
                           e ? e : "unknown error");
    lt_dlexit();
    (void)lt_dlerror();
    return rc;
  }
  if (lt_dladvise_init(&advise_local) || lt_dladvise_local(&advise_local) ||
      lt_dladvise_init(&advise_preload) ||
      lt_dladvise_preload(&advise_preload) ||
      lt_dladvise_local(&advise_preload)) {
    const char *e = lt_dlerror();
    lt_dladvise_destroy(&advise_local);
    lt_dladvise_destroy(&advise_preload);
    lt_dlexit();
    return backoff__fail(BACKOFF_ENOMEM, "libltdl: %s", e ? e : "advise");
  }
#ifdef BACKOFF_BUILTIN_PRELOADED
  /* A static-only build carries the built-in strategies (lib/local.am). */
  if (lt_dlpreload(lt_libbackoff_LTX_preloaded_symbols) != 0) {
    const char *e = lt_dlerror();
    lt_dladvise_destroy(&advise_local);
    lt_dladvise_destroy(&advise_preload);
    lt_dlexit();
    return backoff__fail(BACKOFF_ENOMEM, "libltdl: %s", e ? e : "preload");
  }
#endif
  lt_ready = 1;
  return 0;
}

static int check_file(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    int err = errno;
    return backoff__fail(err == ENOENT || err == ENOTDIR ? BACKOFF_ENOENT
                                                         : BACKOFF_ELOAD,
                         "cannot load '%s': %s", path, strerror(err));
  }
  if (S_ISDIR(st.st_mode))
    return backoff__fail(BACKOFF_ELOAD, "cannot load '%s': it is a directory",
                         path);
  return 0;
}

static void *symbol(lt_dlhandle h, const char *sym) {
  void *p = lt_dlsym(h, sym);
  (void)lt_dlerror(); /* a missing optional symbol is not an error */
  return p;
}

/* The file a request names: for a bare name, what the search path offers
 * (rc 1: nothing, try the preloaded modules); for a path, the file it
 * resolves to now. */
static int resolve(const char *name, int bare, char *path, size_t size) {
  char searched[1024];
  int rc;

  if (bare) {
    rc = backoff__find_strategy(name, path, size, searched, sizeof(searched));
    if (rc == 1) {
      /* Remembered for the message if no preloaded module matches. */
      snprintf(path, size, "%s", searched[0] ? searched : "(no directory)");
    }
    return rc;
  }
  if (strlen(name) >= PATH_MAX || size < PATH_MAX)
    return backoff__fail(BACKOFF_ENAME, "strategy path is too long");
  if (realpath(name, path) == NULL)
    return (rc = check_file(name)) != 0
               ? rc
               : backoff__fail(BACKOFF_ELOAD,
                               "cannot load strategy '%.200s': %s", name,
                               strerror(errno));
  return 0;
}

static lt_dlhandle open_preloaded(const char *name, const char *searched) {
  char pre[BACKOFF_NAME_MAX + 16], near[BACKOFF_NAME_MAX + 1];
  lt_dlhandle h;

  /* Preloaded modules (-dlpreopen) are known by their libtool name. */
  snprintf(pre, sizeof(pre), "strategy_%s", name);
  h = lt_dlopenadvise(pre, advise_preload);
  (void)lt_dlerror();
  if (h != NULL)
    return h;
  if (backoff__closest_name(name, near, sizeof(near)))
    backoff__fail(BACKOFF_ENOENT,
                  "strategy '%s' not found: did you mean '%s'? (no "
                  "strategy_%s%s or strategy_%s.la in %s)",
                  name, near, name, LT_MODULE_EXT, name, searched);
  else
    backoff__fail(BACKOFF_ENOENT,
                  "strategy '%s' not found: no strategy_%s%s or "
                  "strategy_%s.la in %s, and no such preloaded module (set "
                  "BACKOFF_PLUGIN_PATH to an absolute directory, or give a "
                  "path)",
                  name, name, LT_MODULE_EXT, name, searched);
  return NULL;
}

/* The module name libtool derives from a file name (strategy_x.so ->
 * strategy_x), which prefixes its _LTX_ symbols. */
static void ltx_prefix(const char *path, char *buf, size_t size) {
  const char *base = strrchr(path, '/');
  size_t len, i;

  /* A preloaded module is shown as "preloaded:<name>"; libltdl looks up
   * its symbols under the file it was built as, strategy_<name>. */
  if (strncmp(path, "preloaded:", 10) == 0) {
    snprintf(buf, size, "strategy_%s", path + 10);
    return;
  }
  base = base ? base + 1 : path;
  len = strcspn(base, ".");
  if (len >= size)
    len = size - 1;
  for (i = 0; i < len; i++) {
    const char c = base[i];
    buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9')
                 ? c
                 : '_';
  }
  buf[len] = '\0';
}

/* Why a required symbol is missing. A plugin built with libtool's _LTX_
 * prefixes exports them under its original file name (libltdl derives the
 * prefix it looks for from the file name): renamed or copied, it loads but
 * has nothing libltdl can find. Say so. */
static int missing_symbol(const char *shown, const char *sym) {
  char want[BACKOFF_NAME_MAX + 32], has[BACKOFF_NAME_MAX + 32];

  ltx_prefix(shown, want, sizeof(want));
  if (backoff__ltx_prefix_in(shown, has, sizeof(has)) &&
      strcmp(has, want) != 0)
    return backoff__fail(BACKOFF_ENOSYM,
                         "%s: its symbols carry libtool's prefix '%s_LTX_' "
                         "(it was built as %s), but under this file name "
                         "libltdl looks for '%s_LTX_%s': keep the file name "
                         "%s" LT_MODULE_EXT ", or rebuild it with "
                         "BACKOFF_PLUGIN_LTX_PREFIX %s",
                         shown, has, has, want, sym, has, want);
  return backoff__fail(BACKOFF_ENOSYM,
                       "%s: no symbol %s (nor %s_LTX_%s): is it a libbackoff "
                       "plugin? nm -D shows what it exports",
                       shown, sym, want, sym);
}

/* Every plugin, strategy or budget module, exports the ABI it was built
 * for. */
static int check_plugin_abi(lt_dlhandle h, const char *shown) {
  const int *abi = symbol(h, "backoff_plugin_abi");

  if (abi == NULL)
    return missing_symbol(shown, "backoff_plugin_abi");
  if (*abi != BACKOFF_PLUGIN_ABI)
    return backoff__fail(BACKOFF_EABI,
                         "%s: built for plugin ABI %d, this libbackoff %s "
                         "speaks ABI %d: rebuild the plugin against this "
                         "backoff/plugin.h",
                         shown, *abi, BACKOFF_VERSION_STRING,
                         BACKOFF_PLUGIN_ABI);
  return 0;
}

/* Reads and checks a freshly opened module's symbols into m. */
static int read_symbols(lt_dlhandle h, const char *shown,
                        const char *const *reserved, backoff__module_t *m) {
  const backoff_param_t *params;
  const char *description;
  const unsigned int *flags;
  size_t nparams = 0;
  int rc;

  if ((rc = check_plugin_abi(h, shown)) != 0)
    return rc;
  m->compute = (backoff_compute_delay_fn)(uintptr_t)symbol(h, "compute_delay");
  if (m->compute == NULL)
    return missing_symbol(shown, "compute_delay");
  params = symbol(h, "backoff_plugin_params");
  if (params != NULL &&
      (rc = backoff__check_params(shown, params, reserved, &nparams)) != 0)
    return rc;
  description = symbol(h, "backoff_plugin_description");
  flags = symbol(h, "backoff_plugin_flags");
  m->params = nparams ? params : NULL;
  m->nparams = nparams;
  m->description = description ? description : "";
  m->flags = flags ? *flags : 0;
  return 0;
}

static int dlopen_checked(const char *name, int bare, int found,
                          const char *path, lt_dlhandle *out) {
  int rc;

  if (bare && !found) {
    *out = open_preloaded(name, path);
    return *out != NULL ? 0 : BACKOFF_ENOENT;
  }
  if ((rc = check_file(path)) != 0 ||
      (rc = backoff__check_shared_object(path)) != 0)
    return rc;
  if ((*out = lt_dlopenadvise(path, advise_local)) == NULL) {
    const char *e = lt_dlerror();
    return backoff__fail(BACKOFF_ELOAD,
                         "cannot load '%s': %s (is it a shared "
                         "object for this machine? ldd(1) shows missing "
                         "libraries)",
                         path, e ? e : "unknown libltdl error");
  }
  return 0;
}

/* Opens, checks and adds one module to mods (not yet published). */
static int load_locked(backoff__module_t **out, const char *name, int bare,
                       int found, const char *path,
                       const char *const *reserved) {
  char pre[BACKOFF_NAME_MAX + 16];
  const char *shown = path;
  lt_dlhandle h = NULL;
  backoff__module_t *m;
  size_t plen;
  int rc;

  if ((rc = dlopen_checked(name, bare, found, path, &h)) != 0)
    return rc;
  if (bare && !found) {
    snprintf(pre, sizeof(pre), "preloaded:%s", name);
    shown = pre;
  }
  plen = strlen(shown) + 1;
  if ((m = calloc(1, sizeof(*m) + plen)) == NULL) {
    rc = backoff__fail(BACKOFF_ENOMEM, "out of memory loading %s", shown);
    goto fail_handle;
  }
  if ((rc = read_symbols(h, shown, reserved, m)) != 0)
    goto fail_module;
  if (nmods == capmods) {
    size_t nc = capmods ? 2 * capmods : 16;
    void *nm = realloc(mods, nc * sizeof(*mods));
    if (nm == NULL) {
      rc = backoff__fail(BACKOFF_ENOMEM, "out of memory loading %s", shown);
      goto fail_module;
    }
    mods = nm;
    capmods = nc;
  }
  memcpy(m + 1, shown, plen);
  m->path = (const char *)(m + 1);
  m->handle_ = h;
  m->refs_ = 1;
  m->used_ = 1;
  mods[nmods++] = m;
  *out = m;
  return 0;

fail_module:
  free(m);
fail_handle:
  lt_dlclose(h);
  (void)lt_dlerror();
  return rc;
}

static backoff__module_t *find_by_path_locked(const char *path) {
  size_t i;
  for (i = 0; i < nmods; i++)
    if (strcmp(mods[i]->path, path) == 0)
      return mods[i];
  return NULL;
}

/* The slow path, with the lock held: another thread may have loaded the
 * request meanwhile, or the same file under another spelling. */
static int open_locked(backoff__module_t **out, const char *name, int bare,
                       int cacheable, const char *const *reserved) {
  char path[PATH_MAX + 1100];
  backoff__module_t *m;
  int rc, found;

  if (cacheable && (*out = lookup(name, NULL)) != NULL)
    return 0;
  if ((rc = ltdl_init_locked()) != 0)
    return rc;
  if ((rc = resolve(name, bare, path, sizeof(path))) < 0)
    return rc;
  found = rc == 0;
  m = found ? find_by_path_locked(path) : NULL;
  if (m != NULL) {
    __atomic_fetch_add(&m->refs_, 1, __ATOMIC_RELAXED);
  } else if ((rc = load_locked(&m, name, bare, found, path, reserved)) != 0) {
    return rc;
  }
  *out = m;
  /* Caching is an optimisation: out of memory here costs a slow open
   * next time, not this one. */
  if (cacheable && add_alias_locked(m, name) == 0 && publish_locked() != 0)
    backoff__clear_error();
  evict_locked();
  return 0;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void) {
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

int backoff__module_open(backoff__module_t **out, const char *name,
                         const char *const *reserved, unsigned *borrow) {
  int bare, cacheable, rc;

  if (borrow != NULL)
    *borrow = 0;
  if (BACKOFF_UNLIKELY(name == NULL)) {
    *out = NULL;
    return backoff__fail(BACKOFF_EINVAL, "strategy name is NULL");
  }
  /* Only valid bare names and absolute paths are ever cached, so a hit
   * needs no validation: the common case costs one lookup. */
  /* A plugin's constructor or destructor (this thread holds the lock) may
   * be handed a module it keeps past this call: a reference, never a
   * borrow. */
  if ((*out = lookup(name, loading == NULL ? borrow : NULL)) != NULL)
    return 0;
  bare = strchr(name, '/') == NULL;
  if (bare && !backoff__is_bare_name(name))
    return backoff__fail(BACKOFF_ENAME,
                         "bad strategy name '%.80s': a name is 1 to %d of "
                         "[a-z0-9_]; give a path (with a '/') to load a file",
                         name, BACKOFF_NAME_MAX);
  /* A relative path means another file after a chdir: it is resolved on
   * every open, never cached by its spelling. */
  cacheable = bare || name[0] == '/';
  if (loading != NULL)
    return backoff__fail(BACKOFF_ESTATE,
                         "recursive load of strategy '%.200s' while loading "
                         "'%.200s': a plugin's constructor or destructor may "
                         "open only strategies already loaded",
                         name, loading);
  pthread_once(&once, init_once);
  pthread_mutex_lock(&lock);
  loading = name;
  rc = open_locked(out, name, bare, cacheable, reserved);
  loading = NULL;
  pthread_mutex_unlock(&lock);
  return rc;
}

void backoff__module_ref(backoff__module_t *m) {
  __atomic_fetch_add(&m->refs_, 1, __ATOMIC_RELAXED);
}

void backoff__module_unref(backoff__module_t *m, unsigned borrow) {
  if (m == NULL)
    return;
  /* Exactly the borrow this handle took: release, so a copy's reference
   * taken before it is seen by an evictor that finds the slot empty. */
  if (borrow != 0) {
    __atomic_store_n(&readers[borrow - 1].hazard, NULL, __ATOMIC_RELEASE);
    return;
  }
  __atomic_fetch_sub(&m->refs_, 1, __ATOMIC_RELEASE);
}

/* ---- other plugin kinds
 * ----------------------------------------------------- */

/* Modules of other kinds (budget_<name>) are few and hold running state
 * (connections, threads) for handles that may outlive any cache policy:
 * opened once, they stay loaded. Looked up rarely (when a handle is made),
 * so a list under the lock. */
typedef struct kind_entry_s {
  struct kind_entry_s *next;
  const void *entry;
  char key[BACKOFF_NAME_MAX * 2 + 2];
} kind_entry_t;
static kind_entry_t *kind_entries; /* under lock */

static int kind_load_locked(const char *prefix, const char *name,
                            const char *sym, const void **entry) {
  char path[PATH_MAX + 1100], searched[1024];
  lt_dlhandle h;
  int rc;

  rc = backoff__find_plugin(prefix, name, path, sizeof(path), searched,
                            sizeof(searched));
  if (rc > 0)
    return backoff__fail(BACKOFF_ENOENT,
                         "no module %s%s%s or %s%s.la in %s (set "
                         "BACKOFF_PLUGIN_PATH to an absolute directory)",
                         prefix, name, LT_MODULE_EXT, prefix, name,
                         searched[0] ? searched : "(no directory)");
  if (rc < 0 || (rc = dlopen_checked(name, 0, 1, path, &h)) != 0)
    return rc;
  if ((rc = check_plugin_abi(h, path)) != 0)
    goto fail_handle;
  if ((*entry = symbol(h, sym)) == NULL) {
    rc = missing_symbol(path, sym);
    goto fail_handle;
  }
  return 0;

fail_handle:
  lt_dlclose(h);
  (void)lt_dlerror();
  return rc;
}

static int plugin_entry_locked(const char *key, const char *prefix,
                               const char *name, const char *sym,
                               const void **entry) {
  kind_entry_t *e;
  int rc;

  for (e = kind_entries; e != NULL; e = e->next) {
    if (strcmp(e->key, key) == 0) {
      *entry = e->entry;
      return 0;
    }
  }
  if ((rc = ltdl_init_locked()) != 0 ||
      (rc = kind_load_locked(prefix, name, sym, entry)) != 0)
    return rc;
  /* Out of memory here costs a second lt_dlopen next time (libltdl counts
   * it and hands back the same handle), not this call. */
  if ((e = malloc(sizeof(*e))) != NULL) {
    memcpy(e->key, key, sizeof(e->key));
    e->entry = *entry;
    e->next = kind_entries;
    kind_entries = e;
  }
  return 0;
}

int backoff__plugin_entry(const char *prefix, const char *name,
                          const char *sym, const void **entry) {
  char key[sizeof(((kind_entry_t *)0)->key)];
  int rc;

  *entry = NULL;
  if (!backoff__is_bare_name(name) || strlen(prefix) > BACKOFF_NAME_MAX)
    return backoff__fail(BACKOFF_ENAME, "bad module name '%.80s'", name);
  memset(key, 0, sizeof(key));
  snprintf(key, sizeof(key), "%s%s", prefix, name);
  if (loading != NULL)
    return backoff__fail(BACKOFF_ESTATE,
                         "recursive load of module '%s' while loading "
                         "'%.200s'",
                         key, loading);
  pthread_once(&once, init_once);
  pthread_mutex_lock(&lock);
  loading = key;
  rc = plugin_entry_locked(key, prefix, name, sym, entry);
  loading = NULL;
  pthread_mutex_unlock(&lock);
  return rc;
}
