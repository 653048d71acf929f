/* SPDX-License-Identifier: MIT */
/* The plugin loader: the only code that touches libltdl.
 *
 * libltdl is not thread-safe (lt_dlerror and the handle list are global), so
 * every libltdl call happens under `lock`. Modules are cached by bare name
 * or by resolved path, and reference-counted, so opening a loaded strategy
 * again is a list walk under the lock, with no dlopen. The search path is
 * built here, as full file names: lt_dlsetsearchpath is process-global and
 * belongs to the application. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "budget_backend.h"
#include "internal.h"

#ifndef LT_MODULE_EXT
#define LT_MODULE_EXT ".so"
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int lt_ready;                     /* under lock */
static lt_dladvise advise_local;         /* under lock */
static lt_dladvise advise_preload;       /* under lock */
static backoff__module_t *cache;         /* under lock */
static unsigned long release_seq;        /* under lock */

/* Modules nobody uses stay loaded, up to this many: a program calling
 * backoff() with a strategy no policy holds would otherwise dlopen and
 * dlclose the plugin on every call (about 44 us and 21 allocations). */
#define IDLE_MAX 8

/* BACKOFF_PLUGIN_PATH, read once: the environment is the process's
 * configuration, like the BACKOFF_DEFAULT_* values. Read under `lock`, and
 * only marked read once copied: a failed copy is reported (ENOMEM) and
 * tried again, never silently turned into "no path set". */
static int env_read;                     /* under lock */
static const char *env_plugin_path;      /* set under lock, then fixed */

static int read_env_path_locked(void) {
  const char *v;
  char *copy = NULL;

  if (env_read)
    return 0;
#ifdef HAVE_SECURE_GETENV
  /* NULL in setuid/setgid programs: an unprivileged user must not choose
   * the code they run. */
  v = secure_getenv("BACKOFF_PLUGIN_PATH");
#else
  v = getenv("BACKOFF_PLUGIN_PATH");
#endif
  if (v != NULL && (copy = strdup(v)) == NULL)
    return backoff__fail(BACKOFF_ENOMEM,
                         "out of memory copying BACKOFF_PLUGIN_PATH");
  env_plugin_path = copy;
  env_read = 1;
  return 0;
}

static int is_bare_name(const char *name) {
  size_t i;
  for (i = 0; name[i] != '\0'; i++) {
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return i > 0 && i <= BACKOFF_NAME_MAX;
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

static int param_name_ok(const char *name) {
  size_t i;
  if (name[0] < 'a' || name[0] > 'z')
    return 0;
  for (i = 0; name[i] != '\0'; i++) {
    const char c = name[i];
    if (i >= BACKOFF_PARAM_NAME_MAX)
      return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return !backoff__is_core_setting(name);
}

/* A hostile or buggy table must not reach the pipeline: check it once. */
static int check_params(const char *path, const backoff_param_t *t,
                        size_t *count) {
  size_t i, j;
  const unsigned known = BACKOFF_PARAM_INTEGER | BACKOFF_PARAM_LIST;

  *count = 0;
  for (i = 0; t[i].name != NULL; i++) {
    const backoff_param_t *p = &t[i];
    if (i >= BACKOFF_PARAM_MAX)
      return backoff__fail(BACKOFF_EPLUGIN,
                           "%s: more than %d parameters in "
                           "backoff_plugin_params (is it NULL-terminated?)",
                           path, BACKOFF_PARAM_MAX);
    if (!param_name_ok(p->name))
      return backoff__fail(BACKOFF_EPLUGIN,
                           "%s: parameter %zu has a bad name (want "
                           "[a-z][a-z0-9_]*, at most %d bytes, not a core "
                           "setting)",
                           path, i, BACKOFF_PARAM_NAME_MAX);
    for (j = 0; j < i; j++)
      if (strcmp(t[j].name, p->name) == 0)
        return backoff__fail(BACKOFF_EPLUGIN,
                             "%s: parameter '%s' is declared twice", path,
                             p->name);
    if (!isfinite(p->min) || !isfinite(p->max) || !isfinite(p->def) ||
        p->min > p->max || p->def < p->min || p->def > p->max)
      return backoff__fail(BACKOFF_EPLUGIN,
                           "%s: parameter '%s' needs finite bounds with "
                           "min <= default <= max (has %g <= %g <= %g)",
                           path, p->name, p->min, p->def, p->max);
    if ((p->flags & ~known) != 0)
      return backoff__fail(BACKOFF_EPLUGIN,
                           "%s: parameter '%s' has unknown flags 0x%x", path,
                           p->name, p->flags & ~known);
    if ((p->flags & BACKOFF_PARAM_INTEGER) && p->def != floor(p->def))
      return backoff__fail(BACKOFF_EPLUGIN,
                           "%s: integer parameter '%s' has default %g", path,
                           p->name, p->def);
  }
  *count = i;
  return 0;
}

/* Resolves `name` to a file. Returns 0 with path set, 1 when the name is
 * not in any directory (try the preloaded modules), or an error. */
static int find_file(const char *prefix, const char *name, char *path,
                     size_t size, char *searched, size_t searched_size) {
  static const char *const exts[] = {LT_MODULE_EXT, ".la"};
  const char *dirs = env_plugin_path;
  const char *builtin = BACKOFF_PLUGINDIR;
  size_t slen = 0;

  searched[0] = '\0';
  for (;;) {
    const char *dir;
    size_t dlen;
    size_t e;

    if (dirs != NULL) {
      const char *colon = strchr(dirs, ':');
      dir = dirs;
      dlen = colon ? (size_t)(colon - dirs) : strlen(dirs);
      dirs = colon ? colon + 1 : NULL;
      /* Empty and relative entries would search the current directory. */
      if (dlen == 0 || dir[0] != '/')
        continue;
    } else if (builtin != NULL) {
      dir = builtin;
      dlen = strlen(builtin);
      builtin = NULL;
    } else {
      return 1;
    }
    if (slen + dlen + 3 < searched_size) {
      if (slen > 0) {
        memcpy(searched + slen, ", ", 2);
        slen += 2;
      }
      memcpy(searched + slen, dir, dlen);
      slen += dlen;
      searched[slen] = '\0';
    }
    for (e = 0; e < sizeof(exts) / sizeof(exts[0]); e++) {
      struct stat st;
      int n = snprintf(path, size, "%.*s/%s%s%s", (int)dlen, dir, prefix,
                       name, exts[e]);
      if (n < 0 || (size_t)n >= size)
        break;
      if (stat(path, &st) == 0)
        return 0;
      if (errno != ENOENT && errno != ENOTDIR)
        return 0; /* it is there but unusable: let the open say why */
    }
  }
}

static int check_file(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    int err = errno;
    return backoff__fail(err == ENOENT || err == ENOTDIR ? BACKOFF_ENOENT
                                                         : BACKOFF_ELOAD,
                         "cannot load strategy '%s': %s", path,
                         strerror(err));
  }
  if (S_ISDIR(st.st_mode))
    return backoff__fail(BACKOFF_ELOAD,
                         "cannot load strategy '%s': it is a directory", path);
  return 0;
}

static void *symbol(lt_dlhandle h, const char *sym) {
  void *p = lt_dlsym(h, sym);
  (void)lt_dlerror(); /* a missing optional symbol is not an error */
  return p;
}

/* Opens, checks and caches one module. Called with the lock held. */
static int load_locked(backoff__module_t **out, const char *name, int bare) {
  char path[4096], searched[1024];
  const char *shown;
  lt_dlhandle h = NULL;
  const int *abi;
  backoff_compute_delay_fn compute;
  const backoff_param_t *params;
  const char *description;
  const unsigned int *flags;
  size_t nparams = 0, klen, plen;
  backoff__module_t *m;
  int rc;

  if (bare) {
    rc = find_file("strategy_", name, path, sizeof(path), searched,
                   sizeof(searched));
    if (rc < 0)
      return rc;
    if (rc == 0) {
      if ((rc = check_file(path)) != 0 || (rc = backoff__check_shared_object(path)) != 0)
        return rc;
      h = lt_dlopenadvise(path, advise_local);
    } else {
      /* Preloaded modules (-dlpreopen) are known by their libtool name. */
      char pre[BACKOFF_NAME_MAX + 16];
      snprintf(pre, sizeof(pre), "strategy_%s", name);
      h = lt_dlopenadvise(pre, advise_preload);
      (void)lt_dlerror();
      if (h == NULL)
        return backoff__fail(BACKOFF_ENOENT,
                             "strategy '%s' not found: no strategy_%s%s or "
                             "strategy_%s.la in %s, and no such preloaded "
                             "module (set BACKOFF_PLUGIN_PATH to an absolute "
                             "directory, or give a path)",
                             name, name, LT_MODULE_EXT, name,
                             searched[0] ? searched : "(no directory)");
      snprintf(path, sizeof(path), "preloaded:%s", name);
    }
  } else {
    if (strlen(name) >= sizeof(path))
      return backoff__fail(BACKOFF_ENAME, "strategy path is too long");
    if ((rc = check_file(name)) != 0 || (rc = backoff__check_shared_object(name)) != 0)
      return rc;
    strcpy(path, name);
    h = lt_dlopenadvise(path, advise_local);
  }
  shown = path;
  if (h == NULL) {
    const char *e = lt_dlerror();
    return backoff__fail(BACKOFF_ELOAD,
                         "cannot load strategy '%s': %s (is it a shared "
                         "object for this machine? ldd(1) shows missing "
                         "libraries)",
                         shown, e ? e : "unknown libltdl error");
  }

  abi = symbol(h, "backoff_plugin_abi");
  if (abi == NULL) {
    rc = backoff__fail(BACKOFF_ENOSYM,
                       "%s: no symbol backoff_plugin_abi (nor "
                       "<module>_LTX_backoff_plugin_abi): is it a libbackoff "
                       "strategy plugin? nm -D shows what it exports",
                       shown);
    goto fail;
  }
  if (*abi != BACKOFF_PLUGIN_ABI) {
    rc = backoff__fail(BACKOFF_EABI,
                       "%s: built for plugin ABI %d, this libbackoff %s "
                       "speaks ABI %d: rebuild the plugin against this "
                       "backoff/plugin.h",
                       shown, *abi, BACKOFF_VERSION_STRING,
                       BACKOFF_PLUGIN_ABI);
    goto fail;
  }
  compute = (backoff_compute_delay_fn)(uintptr_t)symbol(h, "compute_delay");
  if (compute == NULL) {
    rc = backoff__fail(BACKOFF_ENOSYM,
                       "%s: no entry point compute_delay (nor "
                       "<module>_LTX_compute_delay): every strategy must "
                       "export it",
                       shown);
    goto fail;
  }
  params = symbol(h, "backoff_plugin_params");
  if (params != NULL && (rc = check_params(shown, params, &nparams)) != 0)
    goto fail;
  description = symbol(h, "backoff_plugin_description");
  flags = symbol(h, "backoff_plugin_flags");

  klen = strlen(name) + 1;
  plen = strlen(path) + 1;
  m = malloc(sizeof(*m) + klen + plen);
  if (m == NULL) {
    rc = backoff__fail(BACKOFF_ENOMEM, "out of memory loading %s", shown);
    goto fail;
  }
  m->compute = compute;
  m->params = nparams ? params : NULL;
  m->nparams = nparams;
  m->description = description ? description : "";
  m->flags = flags ? *flags : 0;
  m->key_ = (char *)(m + 1);
  memcpy(m->key_, name, klen);
  m->path = m->key_ + klen;
  memcpy((char *)m->path, path, plen);
  m->handle_ = h;
  m->refs_ = 1;
  m->released_ = 0;
  m->next_ = cache;
  cache = m;
  *out = m;
  return 0;

fail:
  lt_dlclose(h);
  (void)lt_dlerror();
  return rc;
}

int backoff__module_open(backoff__module_t **out, const char *name) {
  char resolved[PATH_MAX];
  backoff__module_t *m;
  int bare, rc;

  *out = NULL;
  if (name == NULL)
    return backoff__fail(BACKOFF_EINVAL, "strategy name is NULL");
  bare = strchr(name, '/') == NULL;
  if (bare && !is_bare_name(name))
    return backoff__fail(BACKOFF_ENAME,
                         "bad strategy name '%.80s': a name is 1 to %d of "
                         "[a-z0-9_]; give a path (with a '/') to load a file",
                         name, BACKOFF_NAME_MAX);
  /* A path is cached by the file it resolves to, so "./x.so" after a
   * chdir, or a path through a symlink, finds the right module. */
  if (!bare) {
    if (strlen(name) >= sizeof(resolved))
      return backoff__fail(BACKOFF_ENAME, "strategy path is too long");
    if (realpath(name, resolved) == NULL)
      return (rc = check_file(name)) != 0
                 ? rc
                 : backoff__fail(BACKOFF_ELOAD,
                                 "cannot load strategy '%.200s': %s", name,
                                 strerror(errno));
    name = resolved;
  }
  pthread_mutex_lock(&lock);
  for (m = cache; m != NULL; m = m->next_) {
    if (strcmp(m->key_, name) == 0) {
      m->refs_++;
      pthread_mutex_unlock(&lock);
      *out = m;
      return 0;
    }
  }
  rc = read_env_path_locked();
  if (rc == 0)
    rc = ltdl_init_locked();
  if (rc == 0)
    rc = load_locked(out, name, bare);
  pthread_mutex_unlock(&lock);
  return rc;
}

void backoff__module_ref(backoff__module_t *m) {
  pthread_mutex_lock(&lock);
  m->refs_++;
  pthread_mutex_unlock(&lock);
}

/* Unloads the module released longest ago, when more than IDLE_MAX are
 * idle. Called with the lock held. */
static void trim_idle_locked(void) {
  backoff__module_t **pp, **oldest = NULL;
  size_t idle = 0;

  for (pp = &cache; *pp != NULL; pp = &(*pp)->next_) {
    if ((*pp)->refs_ != 0)
      continue;
    idle++;
    if (oldest == NULL || (*pp)->released_ < (*oldest)->released_)
      oldest = pp;
  }
  if (idle > IDLE_MAX) {
    backoff__module_t *m = *oldest;
    *oldest = m->next_;
    lt_dlclose((lt_dlhandle)m->handle_);
    (void)lt_dlerror();
    free(m);
  }
}

void backoff__module_unref(backoff__module_t *m) {
  if (m == NULL)
    return;
  pthread_mutex_lock(&lock);
  if (--m->refs_ == 0) {
    m->released_ = ++release_seq;
    trim_idle_locked();
  }
  pthread_mutex_unlock(&lock);
}

/* ---- listing ---------------------------------------------------------- */

typedef struct {
  char name[BACKOFF_NAME_MAX + 1];
  char *path;
} found_t;

static int found_cmp(const void *a, const void *b) {
  return strcmp(((const found_t *)a)->name, ((const found_t *)b)->name);
}

/* Adds dir's strategy files to *list, skipping names already found. */
static int scan_dir(const char *dir, size_t dlen, found_t **list, size_t *n,
                    size_t *cap) {
  char dbuf[4096];
  DIR *d;
  struct dirent *e;
  size_t first = *n;

  if (dlen >= sizeof(dbuf))
    return 0;
  memcpy(dbuf, dir, dlen);
  dbuf[dlen] = '\0';
  if ((d = opendir(dbuf)) == NULL) {
    /* A missing or unreadable directory simply holds no strategy; running
     * out of memory or descriptors must not shorten the list silently. */
    if (errno == ENOMEM)
      return BACKOFF_ENOMEM;
    if (errno == EMFILE || errno == ENFILE)
      return backoff__fail(BACKOFF_ESYS, "cannot list %s: %s", dbuf,
                           strerror(errno));
    return 0;
  }
  while ((e = readdir(d)) != NULL) {
    const char *base = e->d_name, *dot;
    char nm[BACKOFF_NAME_MAX + 1];
    size_t len, i;

    if (strncmp(base, "strategy_", 9) != 0 || (dot = strrchr(base, '.')) == NULL)
      continue;
    if (strcmp(dot, LT_MODULE_EXT) != 0 && strcmp(dot, ".la") != 0)
      continue;
    len = (size_t)(dot - base) - 9;
    if (len == 0 || len > BACKOFF_NAME_MAX)
      continue;
    memcpy(nm, base + 9, len);
    nm[len] = '\0';
    if (!is_bare_name(nm))
      continue;
    for (i = 0; i < *n; i++)
      if (strcmp((*list)[i].name, nm) == 0)
        break;
    if (i < *n) {
      /* The same name as .so and .la in one directory: the loader takes
       * the LT_MODULE_EXT file, so show that one. */
      if (i >= first && strcmp(dot, LT_MODULE_EXT) == 0) {
        char *p = malloc(dlen + strlen(base) + 2);
        if (p == NULL) {
          closedir(d);
          return BACKOFF_ENOMEM;
        }
        sprintf(p, "%s/%s", dbuf, base);
        free((*list)[i].path);
        (*list)[i].path = p;
      }
      continue;
    }
    if (*n == *cap) {
      size_t nc = *cap ? *cap * 2 : 16;
      found_t *nl = realloc(*list, nc * sizeof(*nl));
      if (nl == NULL) {
        closedir(d);
        return BACKOFF_ENOMEM;
      }
      *list = nl;
      *cap = nc;
    }
    (*list)[*n].path = malloc(dlen + strlen(base) + 2);
    if ((*list)[*n].path == NULL) {
      closedir(d);
      return BACKOFF_ENOMEM;
    }
    sprintf((*list)[*n].path, "%s/%s", dbuf, base);
    memcpy((*list)[*n].name, nm, len + 1);
    (*n)++;
  }
  closedir(d);
  /* *list is still NULL when no directory so far held a strategy. */
  if (*n > first)
    qsort(*list + first, *n - first, sizeof(found_t), found_cmp);
  return 0;
}

int backoff_strategy_foreach(int (*cb)(const char *, const char *, void *),
                             void *ctx) {
  found_t *list = NULL;
  size_t n = 0, cap = 0, i;
  const char *dirs;
  int rc = 0;

  if (cb == NULL)
    return backoff__fail(BACKOFF_EINVAL, "callback is NULL");
  pthread_mutex_lock(&lock);
  rc = read_env_path_locked();
  pthread_mutex_unlock(&lock);
  if (rc != 0)
    return rc;
  for (dirs = env_plugin_path; dirs != NULL && rc == 0;) {
    const char *colon = strchr(dirs, ':');
    size_t dlen = colon ? (size_t)(colon - dirs) : strlen(dirs);
    if (dlen > 0 && dirs[0] == '/')
      rc = scan_dir(dirs, dlen, &list, &n, &cap);
    dirs = colon ? colon + 1 : NULL;
  }
  if (rc == 0)
    rc = scan_dir(BACKOFF_PLUGINDIR, strlen(BACKOFF_PLUGINDIR), &list, &n,
                  &cap);
  for (i = 0; i < n && rc == 0; i++)
    rc = cb(list[i].name, list[i].path, ctx);
  for (i = 0; i < n; i++)
    free(list[i].path);
  free(list);
  if (rc == BACKOFF_ENOMEM)
    return backoff__fail(rc, "out of memory listing strategies");
  return rc;
}

/* ---- other plugin kinds ------------------------------------------------ */

/* Modules of other kinds (budget_<name>) are few and hold running state
 * (connections, threads) for handles that may outlive any cache policy: they
 * are opened once and stay loaded. */
typedef struct entry_s {
  struct entry_s *next;
  const void *entry;
  char key[BACKOFF_NAME_MAX * 2 + 2];
} entry_t;
static entry_t *entries; /* under lock */

static int entry_load_locked(const char *prefix, const char *name,
                             const char *sym, const void **entry) {
  char path[4096], searched[1024];
  lt_dlhandle h;
  const int *abi;
  int rc;

  rc = find_file(prefix, name, path, sizeof(path), searched, sizeof(searched));
  if (rc > 0)
    return backoff__fail(BACKOFF_ENOENT,
                         "no module %s%s%s or %s%s.la in %s (set "
                         "BACKOFF_PLUGIN_PATH to an absolute directory)",
                         prefix, name, LT_MODULE_EXT, prefix, name,
                         searched[0] ? searched : "(no directory)");
  if (rc < 0 || (rc = check_file(path)) != 0 ||
      (rc = backoff__check_shared_object(path)) != 0)
    return rc;
  h = lt_dlopenadvise(path, advise_local);
  if (h == NULL) {
    const char *e = lt_dlerror();
    return backoff__fail(BACKOFF_ELOAD,
                         "cannot load '%s': %s (ldd(1) shows missing "
                         "libraries)",
                         path, e ? e : "unknown libltdl error");
  }
  abi = symbol(h, "backoff_plugin_abi");
  if (abi == NULL || *abi != BACKOFF_PLUGIN_ABI) {
    rc = abi == NULL ? backoff__fail(BACKOFF_ENOSYM,
                                     "%s: no symbol backoff_plugin_abi", path)
                     : backoff__fail(BACKOFF_EABI,
                                     "%s: built for plugin ABI %d, this "
                                     "libbackoff speaks ABI %d",
                                     path, *abi, BACKOFF_PLUGIN_ABI);
    goto fail;
  }
  if ((*entry = symbol(h, sym)) == NULL) {
    rc = backoff__fail(BACKOFF_ENOSYM, "%s: no entry point %s", path, sym);
    goto fail;
  }
  return 0;

fail:
  lt_dlclose(h);
  (void)lt_dlerror();
  return rc;
}

int backoff__plugin_entry(const char *prefix, const char *name,
                          const char *sym, const void **entry) {
  entry_t *e;
  char key[sizeof(e->key)];
  int rc;

  *entry = NULL;
  if (!is_bare_name(name) || strlen(prefix) > BACKOFF_NAME_MAX)
    return backoff__fail(BACKOFF_ENAME, "bad module name '%.80s'", name);
  snprintf(key, sizeof(key), "%s%s", prefix, name);
  pthread_mutex_lock(&lock);
  for (e = entries; e != NULL; e = e->next)
    if (strcmp(e->key, key) == 0)
      break;
  if (e != NULL) {
    *entry = e->entry;
    rc = 0;
  } else if ((rc = read_env_path_locked()) == 0 &&
             (rc = ltdl_init_locked()) == 0 &&
             (rc = entry_load_locked(prefix, name, sym, entry)) == 0) {
    if ((e = malloc(sizeof(*e))) != NULL) {
      memcpy(e->key, key, sizeof(key));
      e->entry = *entry;
      e->next = entries;
      entries = e;
    }
  }
  pthread_mutex_unlock(&lock);
  return rc;
}
