/* SPDX-License-Identifier: MIT */
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
  if (len > BACKOFF_NAME_MAX)
    return 0;
  memcpy(nm, base + 9, len);
  nm[len] = '\0';
  return backoff__is_bare_name(nm);
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
  const size_t first = l->n;
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
  /* In search order: directory by directory, each sorted. */
  if (rc == 0 && l->n - first > 1)
    qsort(l->names + first, l->n - first, sizeof(*l->names), name_cmp);
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

/* Edit distance (insertions, deletions, substitutions, transpositions of
 * neighbours), for suggestions: both strings are at most BACKOFF_NAME_MAX
 * bytes. */
static size_t distance(const char *a, const char *b) {
  unsigned short d[BACKOFF_NAME_MAX + 1][BACKOFF_NAME_MAX + 1];
  const size_t la = strlen(a), lb = strlen(b);
  size_t i, j;

  for (i = 0; i <= la; i++)
    d[i][0] = (unsigned short)i;
  for (j = 0; j <= lb; j++)
    d[0][j] = (unsigned short)j;
  for (i = 1; i <= la; i++) {
    for (j = 1; j <= lb; j++) {
      unsigned short best =
          (unsigned short)(d[i - 1][j - 1] + (a[i - 1] != b[j - 1]));
      if (d[i - 1][j] + 1 < best)
        best = (unsigned short)(d[i - 1][j] + 1);
      if (d[i][j - 1] + 1 < best)
        best = (unsigned short)(d[i][j - 1] + 1);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = (unsigned short)(d[i - 2][j - 2] + 1);
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

int backoff__closest_name(const char *name, char *out, size_t size) {
  names_t l = {NULL, 0, 0};
  backoff__dirs_t it;
  const char *env;
  size_t i, best = (size_t)-1, limit;
  int rc = 0;

  if (size > 0)
    out[0] = '\0';
  if (strlen(name) > BACKOFF_NAME_MAX || backoff__plugin_path(&env) != 0)
    return 0;
  /* A suggestion closer than a third of the name, and at most 2 edits. */
  limit = strlen(name) / 3 < 2 ? strlen(name) / 3 : 2;
  backoff__dirs_start(&it, env);
  while (rc == 0 && backoff__dirs_next(&it))
    rc = scan_dir(&it, &l);
  for (i = 0; rc == 0 && i < l.n; i++) {
    const size_t dist = distance(name, l.names[i]);
    if (dist <= limit && dist < best && strlen(l.names[i]) < size) {
      best = dist;
      memcpy(out, l.names[i], strlen(l.names[i]) + 1);
    }
  }
  free(l.names);
  return best != (size_t)-1;
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
  if (rc == 0)
    rc = report(&l, cb, ctx);
  free(l.names);
  if (rc == BACKOFF_ENOMEM)
    return backoff__fail(rc, "out of memory listing strategies");
  return rc;
}
