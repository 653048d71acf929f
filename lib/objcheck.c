/* SPDX-License-Identifier: MIT */
/* Checks, before dlopen, that a plugin file is safe to map: dlopen itself
 * would crash the host on some broken files, and libltdl's messages hide
 * the cause of others. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* glibc's dlopen maps a shared object's segments without comparing them
 * with the file's size: a truncated plugin (a copy cut short, a full disk)
 * is mapped past its end and the process dies of SIGBUS inside dlopen.
 * So check that every loadable segment lies within the file first. Only
 * files that look like native ELF objects are checked; anything else is
 * left to dlopen, which refuses it with a message. (A file truncated
 * between this check and dlopen still gets through: that needs a writer
 * racing the loader in a plugin directory, which the trust model already
 * excludes.) Returns 0 for a sound ELF object, 1 for a file that is not
 * one, or BACKOFF_ELOAD. */
static int check_elf(const char *shown, const char *file) {
  ElfW(Ehdr) eh;
  ElfW(Phdr) ph;
  struct stat st;
  unsigned i;
  int fd, rc = 1;

  /* libltdl reports an unreadable file as "file not found": say why. */
  if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
    return backoff__fail(BACKOFF_ELOAD,
                         "cannot load '%s': cannot "
                         "read %s: %s",
                         shown, file, strerror(errno));
  if (fstat(fd, &st) != 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] !=
          (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      eh.e_phentsize != sizeof(ph))
    goto done;
  rc = 0;
  if ((uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(ph) >
      (uint64_t)st.st_size) {
    rc = backoff__fail(BACKOFF_ELOAD,
                       "cannot load '%s': %s is truncated (%lld "
                       "bytes, its program headers end past that)",
                       shown, file, (long long)st.st_size);
    goto done;
  }
  for (i = 0; i < eh.e_phnum && rc == 0; i++) {
    uint64_t end;
    if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
        sizeof(ph))
      break;
    end = (uint64_t)ph.p_offset + (uint64_t)ph.p_filesz;
    if (ph.p_type == PT_LOAD &&
        (end < ph.p_offset || end > (uint64_t)st.st_size))
      rc = backoff__fail(BACKOFF_ELOAD,
                         "cannot load '%s': %s is truncated (%lld "
                         "bytes, a segment ends at byte %llu)",
                         shown, file, (long long)st.st_size,
                         (unsigned long long)end);
  }
done:
  close(fd);
  return rc;
}

/* ---- libtool .la files, read as libltdl reads them -------------------- */

typedef struct {
  char *dlname, *libdir;
  int installed; /* libltdl's default: an old .la without the line */
  int bad;       /* libltdl would refuse the file */
} la_t;

/* libltdl's trim(): the value runs from after a leading quote to the
 * line's last quote; a line with no quote, or whose only quote is the
 * leading one, is an error, and a value of fewer than two characters plus
 * the quotes and newline is "none". */
static int la_value(const char *v, char **out) {
  const char *end = strrchr(v, '\'');
  size_t len = strlen(v);

  free(*out);
  *out = NULL;
  if (end == NULL || end == v)
    return 1;
  if (len > 3 && v[0] == '\'') {
    if ((*out = strndup(v + 1, (size_t)(end - v) - 1)) == NULL)
      return 1;
  }
  return 0;
}

/* One line, in libltdl's order of tests: the last dlname= wins; installed
 * is recognised only as exactly "installed=yes" or "installed=no"; the
 * last word of library_names= stands in for a dlname not seen yet. */
static int la_line(la_t *la, const char *line) {
  if (line[0] == '\n' || line[0] == '#')
    return 0;
  if (strncmp(line, "dlname=", 7) == 0)
    return la_value(line + 7, &la->dlname);
  if (strncmp(line, "libdir=", 7) == 0)
    return la_value(line + 7, &la->libdir);
  if (strcmp(line, "installed=yes\n") == 0)
    la->installed = 1;
  else if (strcmp(line, "installed=no\n") == 0)
    la->installed = 0;
  else if (la->dlname == NULL && strncmp(line, "library_names=", 14) == 0) {
    char *last;
    if (la_value(line + 14, &la->dlname) != 0)
      return 1;
    if (la->dlname != NULL && (last = strrchr(la->dlname, ' ')) != NULL)
      memmove(la->dlname, last + 1, strlen(last + 1) + 1);
  }
  return 0;
}

static int la_read(FILE *f, la_t *la) {
  char *line = NULL;
  size_t cap = 0;

  while (!la->bad && getline(&line, &cap, f) != -1)
    la->bad = la_line(la, line);
  free(line);
  return la->bad;
}

/* The candidates libltdl's find_module tries, in order, each opened if it
 * exists: (installed) libdir/dlname, (not installed) dir/.libs/dlname,
 * then dir/dlname. The first that dlopen would map must be sound; one that
 * is not an ELF object, or cannot be read, is refused by dlopen and
 * libltdl moves on. When none is sound, the first unreadable one is named:
 * libltdl would only say "file not found". */
static int la_check(const char *shown, const char *dir, size_t dlen,
                    const la_t *la) {
  char cand[3][4400];
  int n = 0, i, rc, unreadable = -1;

  if (la->installed && la->libdir != NULL)
    snprintf(cand[n++], sizeof(cand[0]), "%s/%s", la->libdir, la->dlname);
  if (!la->installed)
    snprintf(cand[n++], sizeof(cand[0]), "%.*s/.libs/%s", (int)dlen, dir,
             la->dlname);
  snprintf(cand[n++], sizeof(cand[0]), "%.*s/%s", (int)dlen, dir, la->dlname);
  for (i = 0; i < n; i++) {
    if (access(cand[i], F_OK) != 0)
      continue;
    if (faccessat(AT_FDCWD, cand[i], R_OK, AT_EACCESS) != 0) {
      if (unreadable < 0)
        unreadable = i;
      continue;
    }
    if ((rc = check_elf(shown, cand[i])) != 1)
      return rc;
  }
  if (unreadable >= 0)
    return check_elf(shown, cand[unreadable]); /* says why it cannot */
  return 0;
}

int backoff__check_shared_object(const char *path) {
  const size_t len = strlen(path);
  const char *slash;
  la_t la = {NULL, NULL, 1, 0};
  FILE *f;
  int rc = 0;

  if (len < 3 || strcmp(path + len - 3, ".la") != 0)
    return (rc = check_elf(path, path)) == 1 ? 0 : rc;
  if ((f = fopen(path, "re")) == NULL)
    return backoff__fail(BACKOFF_ELOAD,
                         "cannot load '%s': cannot "
                         "read it: %s",
                         path, strerror(errno));
  la_read(f, &la);
  fclose(f);
  /* A file libltdl refuses, or one naming no object: libltdl's own error
   * says so, with nothing mapped. */
  if (!la.bad && la.dlname != NULL) {
    slash = strrchr(path, '/');
    rc = slash ? la_check(path, path, (size_t)(slash - path), &la)
               : la_check(path, ".", 1, &la);
  }
  free(la.dlname);
  free(la.libdir);
  return rc;
}

/* ---- libtool symbol prefixes ------------------------------------------- */

int backoff__ltx_prefix_in(const char *file, char *buf, size_t size) {
  static const char sym[] = "_LTX_backoff_plugin_abi";
  char *data = NULL;
  const char *hit, *start;
  struct stat st;
  size_t len;
  int fd, found = 0;

  if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
    return 0;
  if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > (64 << 20) ||
      (data = malloc((size_t)st.st_size)) == NULL ||
      pread(fd, data, (size_t)st.st_size, 0) != (ssize_t)st.st_size)
    goto done;
  /* The dynamic string table holds "<prefix>_LTX_backoff_plugin_abi\0". */
  hit = memmem(data, (size_t)st.st_size, sym, sizeof(sym));
  if (hit == NULL)
    goto done;
  for (start = hit; start > data && start[-1] != '\0'; start--)
    ;
  len = (size_t)(hit - start);
  if (len > 0 && len < size) {
    memcpy(buf, start, len);
    buf[len] = '\0';
    found = 1;
  }
done:
  free(data);
  close(fd);
  return found;
}

/* ---- the parameter table ---------------------------------------------- */

/* How many entries the table's symbol holds, from its ELF size: a table
 * missing its NULL terminator must not be read past its end. When the
 * dynamic linker does not know the symbol (a preloaded module linked into
 * the program), one entry more than any valid table may hold. */
static size_t table_bound(const backoff_param_t *t) {
  size_t bound = BACKOFF_PARAM_MAX + 1;
#ifdef HAVE_DLADDR1
  Dl_info info;
  const ElfW(Sym) *sym = NULL;

  if (dladdr1(t, &info, (void **)&sym, RTLD_DL_SYMENT) != 0 && sym != NULL &&
      info.dli_saddr == (const void *)t && sym->st_size > 0 &&
      sym->st_size / sizeof(*t) < bound)
    bound = sym->st_size / sizeof(*t);
#endif
  return bound;
}

static int name_ok(const char *name) {
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
  return 1;
}

static const char *reserved_name(const char *name,
                                 const char *const *reserved) {
  for (; reserved != NULL && *reserved != NULL; reserved++)
    if (strcmp(*reserved, name) == 0)
      return *reserved;
  return NULL;
}

static int check_one(const char *path, const backoff_param_t *t, size_t i,
                     const char *const *reserved) {
  const backoff_param_t *p = &t[i];
  const unsigned known = BACKOFF_PARAM_INTEGER | BACKOFF_PARAM_LIST;
  const char *core;
  size_t j;

  if (!name_ok(p->name))
    return backoff__fail(BACKOFF_EPLUGIN,
                         "%s: parameter %zu has a bad name (want "
                         "[a-z][a-z0-9_]*, at most %d bytes)",
                         path, i, BACKOFF_PARAM_NAME_MAX);
  if ((core = reserved_name(p->name, reserved)) != NULL)
    return backoff__fail(BACKOFF_EPLUGIN,
                         "%s: parameter %zu, '%s', shadows the core setting "
                         "'%s' (a spec's '%s=' would never reach the "
                         "plugin): rename the plugin's parameter",
                         path, i, p->name, core, core);
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
  return 0;
}

int backoff__check_params(const char *path, const backoff_param_t *t,
                          const char *const *reserved, size_t *count) {
  const size_t bound = table_bound(t);
  size_t i;
  int rc;

  *count = 0;
  for (i = 0; i < bound && t[i].name != NULL; i++)
    if ((rc = check_one(path, t, i, reserved)) != 0)
      return rc;
  if (i == bound && bound <= BACKOFF_PARAM_MAX)
    return backoff__fail(BACKOFF_EPLUGIN,
                         "%s: backoff_plugin_params has no NULL terminator: "
                         "its %zu entries are all named (end the table with "
                         "{NULL, 0, 0, 0, NULL, 0})",
                         path, bound);
  if (i > BACKOFF_PARAM_MAX)
    return backoff__fail(BACKOFF_EPLUGIN,
                         "%s: more than %d parameters in "
                         "backoff_plugin_params (is it NULL-terminated?)",
                         path, BACKOFF_PARAM_MAX);
  *count = i;
  return 0;
}
