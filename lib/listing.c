/* backoff_strategy_foreach: every strategy name the search path offers,
 * with the file that opening the name would load. The names come from the
 * directories' entries; the file is chosen by backoff__find_strategy, the
 * rule the loader itself uses, so the two never disagree (a dangling
 * symlink or an unsearchable directory is passed over by both). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef LT_MODULE_EXT
#define LT_MODULE_EXT ".so"
#endif

typedef struct {
  char (*names)[BACKOFF_NAME_MAX + 1];
  size_t n, cap;
} names_t;

static int name_cmp(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

/* The strategy name in a directory entry "strategy_<name>.so|.la", into
 * nm; 0 if the entry is not one. */
static int entry_name(const char *base, char nm[BACKOFF_NAME_MAX + 1]) {
  const char *dot;
  size_t len;

  if (strncmp(base, "strategy_", 9) != 0 || (dot = strrchr(base, '.')) == NULL)
    return 0;
  if (strcmp(dot, LT_MODULE_EXT) != 0 && strcmp(dot, ".la") != 0)
    return 0;
  len = (size_t)(dot - base) - 9;
  if (!backoff__name_ok(base + 9, len))
    return 0;
  memcpy(nm, base + 9, len);
  nm[len] = '\0';
  return 1;
}

static int add_name(names_t *l, const char *nm) {
  size_t i;

  for (i = 0; i < l->n; i++)
    if (strcmp(l->names[i], nm) == 0)
      return 0;
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 16;
    void *nl = realloc(l->names, nc * sizeof(*l->names));
    if (nl == NULL)
      return BACKOFF_ENOMEM;
    l->names = nl;
    l->cap = nc;
  }
  /* fits: entry_name checked the length */
  memcpy(l->names[l->n++], nm, strlen(nm) + 1);
  return 0;
}

/* Adds the names dir offers. A missing or unreadable directory holds no
 * strategy; running out of memory or descriptors must not shorten the list
 * silently. */
static int scan_dir(const backoff__dirs_t *it, names_t *l) {
  char dbuf[4096];
  DIR *d;
  struct dirent *e;
  int rc = 0;

  if (it->len >= sizeof(dbuf))
    return 0;
  memcpy(dbuf, it->dir, it->len);
  dbuf[it->len] = '\0';
  if ((d = opendir(dbuf)) == NULL) {
    if (errno == ENOMEM)
      return BACKOFF_ENOMEM;
    if (errno == EMFILE || errno == ENFILE)
      return backoff__fail(BACKOFF_ESYS, "cannot list %s: %s", dbuf,
                           strerror(errno));
    return 0;
  }
  while (rc == 0 && (e = readdir(d)) != NULL) {
    char nm[BACKOFF_NAME_MAX + 1];
    if (entry_name(e->d_name, nm))
      rc = add_name(l, nm);
  }
  closedir(d);
  return rc;
}

static int report(const names_t *l,
                  int (*cb)(const char *, const char *, void *), void *ctx) {
  char path[4096], searched[8];
  size_t i;
  int rc = 0;

  for (i = 0; i < l->n && rc == 0; i++) {
    rc = backoff__find_strategy(l->names[i], path, sizeof(path), searched,
                                sizeof(searched));
    if (rc == 1) { /* only dangling links by that name: nothing to open */
      rc = 0;
      continue;
    }
    if (rc == 0)
      rc = cb(l->names[i], path, ctx);
  }
  return rc;
}

int backoff_strategy_foreach(int (*cb)(const char *, const char *, void *),
                             void *ctx) {
  names_t l = {NULL, 0, 0};
  backoff__dirs_t it;
  const char *env;
  int rc;

  if (cb == NULL)
    return backoff__fail(BACKOFF_EINVAL, "callback is NULL");
  if ((rc = backoff__plugin_path(&env)) != 0)
    return rc;
  backoff__dirs_start(&it, env);
  while (rc == 0 && backoff__dirs_next(&it))
    rc = scan_dir(&it, &l);
  if (rc == 0 && l.n > 1)
    qsort(l.names, l.n, sizeof(*l.names), name_cmp);
  if (rc == 0)
    rc = report(&l, cb, ctx);
  free(l.names);
  if (rc == BACKOFF_ENOMEM)
    return backoff__fail(rc, "out of memory listing strategies");
  return rc;
}
