/* SPDX-License-Identifier: MIT */
/* Checks, before dlopen, that a plugin file is safe to map: dlopen itself
 * would crash the host on some broken files, and libltdl's messages hide
 * the cause of others. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
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
 * excludes.) */
static int check_elf(const char *shown, const char *file) {
  ElfW(Ehdr) eh;
  ElfW(Phdr) ph;
  struct stat st;
  unsigned i;
  int fd, rc = 0;

  /* libltdl reports an unreadable file as "file not found": say why. */
  if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
    return backoff__fail(BACKOFF_ELOAD, "cannot load strategy '%s': cannot "
                         "read %s: %s", shown, file, strerror(errno));
  if (fstat(fd, &st) != 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      eh.e_phentsize != sizeof(ph))
    goto done;
  if ((uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(ph) >
      (uint64_t)st.st_size) {
    rc = backoff__fail(BACKOFF_ELOAD,
                       "cannot load strategy '%s': %s is truncated (%lld "
                       "bytes, its program headers end past that)",
                       shown, file, (long long)st.st_size);
    goto done;
  }
  for (i = 0; i < eh.e_phnum; i++) {
    if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
        sizeof(ph))
      break;
    if (ph.p_type == PT_LOAD &&
        ((uint64_t)ph.p_offset + (uint64_t)ph.p_filesz < ph.p_offset ||
         (uint64_t)ph.p_offset + (uint64_t)ph.p_filesz >
             (uint64_t)st.st_size)) {
      rc = backoff__fail(BACKOFF_ELOAD,
                         "cannot load strategy '%s': %s is truncated (%lld "
                         "bytes, a segment ends at byte %llu)",
                         shown, file, (long long)st.st_size,
                         (unsigned long long)ph.p_offset +
                             (unsigned long long)ph.p_filesz);
      break;
    }
  }
done:
  close(fd);
  return rc;
}

/* Reads `key='value'` from a libtool .la file into buf ("" if absent). */
static void la_value(FILE *f, const char *key, char *buf, size_t size) {
  char line[4200];
  const size_t klen = strlen(key);

  buf[0] = '\0';
  rewind(f);
  while (fgets(line, sizeof(line), f) != NULL) {
    char *v, *end;
    if (strncmp(line, key, klen) != 0 || line[klen] != '=')
      continue;
    v = line + klen + 1;
    if (*v == '\'')
      v++;
    end = v + strcspn(v, "'\n");
    *end = '\0';
    if ((size_t)(end - v) < size)
      memcpy(buf, v, (size_t)(end - v) + 1);
    return;
  }
}

/* Checks the shared object that libltdl will open for `path`: the file
 * itself, or for a libtool .la the first of (installed) libdir/dlname,
 * (not installed) dir/.libs/dlname, dir/dlname that exists, which is the
 * order libltdl tries them in. */
int backoff__check_shared_object(const char *path) {
  const size_t len = strlen(path);
  char dlname[256], libdir[2048], installed[8], cand[4096 + 300];
  const char *slash;
  int dlen;
  FILE *f;

  if (len < 3 || strcmp(path + len - 3, ".la") != 0)
    return check_elf(path, path);
  if ((f = fopen(path, "re")) == NULL)
    return backoff__fail(BACKOFF_ELOAD, "cannot load strategy '%s': cannot "
                         "read it: %s", path, strerror(errno));
  la_value(f, "dlname", dlname, sizeof(dlname));
  la_value(f, "libdir", libdir, sizeof(libdir));
  la_value(f, "installed", installed, sizeof(installed));
  fclose(f);
  if (dlname[0] == '\0' || strchr(dlname, '/') != NULL)
    return 0;
  slash = strrchr(path, '/');
  dlen = slash ? (int)(slash - path) : 1;
  if (!slash)
    path = ".";
  if (strcmp(installed, "no") != 0 && libdir[0] != '\0') {
    snprintf(cand, sizeof(cand), "%s/%s", libdir, dlname);
    if (access(cand, F_OK) == 0)
      return check_elf(path, cand);
  }
  if (strcmp(installed, "no") == 0) {
    snprintf(cand, sizeof(cand), "%.*s/.libs/%s", dlen, path, dlname);
    if (access(cand, F_OK) == 0)
      return check_elf(path, cand);
  }
  snprintf(cand, sizeof(cand), "%.*s/%s", dlen, path, dlname);
  if (access(cand, F_OK) == 0)
    return check_elf(path, cand);
  return 0;
}

