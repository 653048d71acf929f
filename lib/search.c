/* SPDX-License-Identifier: MIT */
/* Where strategies are looked for: the strategy-name grammar, the search
 * path (BACKOFF_PLUGIN_PATH, then the built-in directory) walked by one
 * iterator, and the one rule that picks the file a name loads (the name
 * grammar itself is the seam's backoff__is_bare_name, shared with the
 * command-line tool). Opening and
 * listing both use it, so a listing never names a file an open would not
 * load. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#ifndef LT_MODULE_EXT
#define LT_MODULE_EXT ".so"
#endif

/* BACKOFF_PLUGIN_PATH, read once: the environment is the process's
 * configuration, like the BACKOFF_DEFAULT_* values. NULL until read,
 * `no_path` when unset, else a copy kept for the life of the process. A
 * failed copy is reported (ENOMEM) and tried again next time, never taken
 * for "no path set". Published with one compare-and-swap, so readers take
 * no lock. */
static char no_path[1];
static char *plugin_path;

int backoff__plugin_path(const char **out) {
  char *p = __atomic_load_n(&plugin_path, __ATOMIC_ACQUIRE);
  char *copy, *expected = NULL;
  const char *v;

  if (p == NULL) {
#ifdef HAVE_SECURE_GETENV
    /* NULL in setuid/setgid programs: an unprivileged user must not choose
     * the code they run. */
    v = secure_getenv("BACKOFF_PLUGIN_PATH");
#else
    v = getenv("BACKOFF_PLUGIN_PATH");
#endif
    copy = v != NULL ? strdup(v) : no_path;
    if (copy == NULL)
      return backoff__fail(BACKOFF_ENOMEM,
                           "out of memory copying BACKOFF_PLUGIN_PATH");
    if (__atomic_compare_exchange_n(&plugin_path, &expected, copy, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      p = copy;
    } else {
      if (copy != no_path)
        free(copy);
      p = expected;
    }
  }
  *out = p == no_path ? NULL : p;
  return 0;
}

void backoff__dirs_start(backoff__dirs_t *it, const char *path) {
  it->rest_ = path;
  it->builtin_done_ = 0;
  it->dir = NULL;
  it->len = 0;
}

int backoff__dirs_next(backoff__dirs_t *it) {
  while (it->rest_ != NULL) {
    const char *d = it->rest_, *colon = strchr(d, ':');
    const size_t len = colon ? (size_t)(colon - d) : strlen(d);

    it->rest_ = colon ? colon + 1 : NULL;
    /* Empty and relative entries would search the current directory. */
    if (len > 0 && d[0] == '/') {
      it->dir = d;
      it->len = len;
      return 1;
    }
  }
  if (!it->builtin_done_) {
    it->builtin_done_ = 1;
    it->dir = BACKOFF_PLUGINDIR;
    it->len = strlen(BACKOFF_PLUGINDIR);
    return 1;
  }
  return 0;
}

/* Appends dir (and why it was passed over, if it was) to the list of
 * searched directories shown when nothing is found. */
static void note_dir(char *searched, size_t size, const backoff__dirs_t *it,
                     const char *why) {
  const size_t used = strlen(searched);

  if (used + it->len + strlen(why) + 3 >= size)
    return;
  snprintf(searched + used, size - used, "%s%.*s%s", used ? ", " : "",
           (int)it->len, it->dir, why);
}

/* 0: this candidate wins; 1: not here, try the next; 2: the directory
 * cannot be searched, skip it. */
static int probe(const char *path) {
  struct stat st;

  if (stat(path, &st) == 0)
    return 0;
  if (errno == ENOENT || errno == ENOTDIR)
    return 1; /* a dangling symlink too: as if it were not there */
  if (errno == EACCES)
    return 2; /* only a directory's search bit gives EACCES to stat */
  return 0;   /* there but unusable (ELOOP...): the open says why */
}

int backoff__find_strategy(const char *name, char *path, size_t size,
                           char *searched, size_t searched_size) {
  return backoff__find_plugin("strategy_", name, path, size, searched,
                              searched_size);
}

int backoff__find_plugin(const char *prefix, const char *name, char *path,
                         size_t size, char *searched, size_t searched_size) {
  static const char *const exts[] = {LT_MODULE_EXT, ".la"};
  const char *env;
  backoff__dirs_t it;
  int rc;

  if (searched_size > 0)
    searched[0] = '\0';
  if ((rc = backoff__plugin_path(&env)) != 0)
    return rc;
  backoff__dirs_start(&it, env);
  while (backoff__dirs_next(&it)) {
    size_t e;
    int verdict = 1;

    for (e = 0; e < sizeof(exts) / sizeof(exts[0]) && verdict == 1; e++) {
      int n = snprintf(path, size, "%.*s/%s%s%s", (int)it.len, it.dir, prefix,
                       name, exts[e]);
      if (n > 0 && (size_t)n < size)
        verdict = probe(path);
    }
    if (verdict == 0)
      return 0;
    note_dir(searched, searched_size, &it,
             verdict == 2 ? " (not searchable, skipped)" : "");
  }
  return 1;
}
