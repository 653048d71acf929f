/* SPDX-License-Identifier: MIT */
/* shm: budgets: one token count shared by the processes of a host.
 *
 * The object is a small POSIX shared memory file: a header naming what it
 * is (magic, layout version, size, the budget's settings and a checksum of
 * them) and, on a cache line of its own, the count, changed only by
 * compare-and-swap. No lock lives in it, so a process killed at any
 * instant can lose only the tokens it had withdrawn.
 *
 * Creation cannot be seen half-done: the creator builds the object in an
 * O_TMPFILE (or, where there is none, under a private temporary name) and
 * then link(2)s it to the real one, which fails when another process got
 * there first (that one's object is then used). link needs a file name,
 * so this file relies on POSIX shared memory living in /dev/shm, as it
 * does on Linux. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget_backend.h"
#include "internal.h"

/* A count shared by processes must be a lock-free atomic (a lock inside
 * libatomic is per process). Where 64-bit atomics are not lock-free,
 * shm: budgets are left out and the rest of the library still builds. */
#if defined(__GCC_ATOMIC_LLONG_LOCK_FREE) && __GCC_ATOMIC_LLONG_LOCK_FREE == 2

#define SHM_DIR "/dev/shm"
#define OBJ_PREFIX "backoff-budget."
#define TMP_PREFIX "backoff-tmp."
#define NAME_MAX_LEN 200
#define LAYOUT_VERSION 1u
#define TOKENS_MAX ((int64_t)BACKOFF__BUDGET_MAX * BACKOFF__MILLI)

static const char magic[8] = {'l', 'i', 'b', 'b', 'k', 'o', 'f', 0x01};

/* Fixed-size fields only, so the layout is the same for every compiler of
 * one architecture; `check` covers the settings so a scribbled header is
 * told from a budget with other settings. */
typedef struct shm_budget_s {
  char magic[8];
  uint32_t version; /* LAYOUT_VERSION */
  uint32_t size;    /* sizeof(shm_budget_t) */
  uint32_t kind;
  uint32_t zero;
  int64_t capacity, retry_cost, timeout_cost, success_refund, ratio;
  uint64_t check;
  char pad_[64 - 8];
  int64_t tokens __attribute__((aligned(64)));
  char tail_[64 - 8];
} shm_budget_t;

_Static_assert(__atomic_always_lock_free(sizeof(int64_t), 0),
               "shm: budgets need lock-free 64-bit atomics");
_Static_assert(offsetof(shm_budget_t, tokens) % 64 == 0,
               "the count has a cache line of its own");

static uint64_t header_check(const shm_budget_t *h) {
  const unsigned char *p = (const unsigned char *)h;
  const size_t n = offsetof(shm_budget_t, check);
  uint64_t x = 14695981039346656037ull; /* FNV-1a */
  size_t i;
  for (i = 0; i < n; i++)
    x = (x ^ p[i]) * 1099511628211ull;
  return x;
}

static int check_name(const char *name) {
  size_t i;
  for (i = 0; name[i] != '\0'; i++) {
    const char c = name[i];
    if (i >= NAME_MAX_LEN)
      return backoff__fail(BACKOFF_ESYNTAX,
                           "shm:%.40s...: the name is longer than %d "
                           "characters",
                           name, NAME_MAX_LEN);
    if (c == '/')
      return backoff__fail(BACKOFF_ESYNTAX,
                           "shm:%.200s: a name may not contain '/'", name);
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return backoff__fail(BACKOFF_ESYNTAX,
                           "shm:%.200s: character %d of the name is not "
                           "one of [A-Za-z0-9_.-]",
                           name, (int)i + 1);
  }
  if (i == 0)
    return backoff__fail(BACKOFF_ESYNTAX,
                         "shm: needs a name (shm:NAME, NAME 1 to %d of "
                         "[A-Za-z0-9_.-])",
                         NAME_MAX_LEN);
  return 0;
}

static void conf_from(backoff__budget_conf_t *c, const shm_budget_t *h) {
  c->kind = (int)h->kind;
  c->capacity = h->capacity;
  c->retry_cost = h->retry_cost;
  c->timeout_cost = h->timeout_cost;
  c->success_refund = h->success_refund;
  c->ratio = h->ratio;
  backoff__budget_derive(c);
}

static void fill(shm_budget_t *h, const backoff__budget_conf_t *c) {
  memset(h, 0, sizeof(*h));
  memcpy(h->magic, magic, sizeof(magic));
  h->version = LAYOUT_VERSION;
  h->size = sizeof(*h);
  h->kind = (uint32_t)c->kind;
  h->capacity = c->capacity;
  h->retry_cost = c->retry_cost;
  h->timeout_cost = c->timeout_cost;
  h->success_refund = c->success_refund;
  h->ratio = c->ratio;
  h->check = header_check(h);
  h->tokens = c->capacity;
}

static int values_ok(const shm_budget_t *h) {
  const int64_t t = __atomic_load_n(&h->tokens, __ATOMIC_RELAXED);
  if (h->kind != BACKOFF_BUDGET_TOKEN_BUCKET &&
      h->kind != BACKOFF_BUDGET_RATIO)
    return 0;
  if (h->capacity < 1 || h->capacity > TOKENS_MAX || t < 0 || t > h->capacity)
    return 0;
  if (h->kind == BACKOFF_BUDGET_RATIO)
    return h->ratio >= 1 && h->ratio <= TOKENS_MAX;
  return h->retry_cost >= 0 && h->retry_cost <= h->capacity &&
         h->timeout_cost >= 0 && h->timeout_cost <= h->capacity &&
         h->success_refund >= 0 && h->success_refund <= TOKENS_MAX;
}

/* A mapped object of `size` bytes (size >= sizeof(shm_budget_t)). */
static int check_header(const shm_budget_t *h, const char *name) {
  if (memcmp(h->magic, magic, sizeof(magic)) != 0)
    return backoff__fail(BACKOFF_ECORRUPT,
                         "shm:%s is not a libbackoff budget (foreign "
                         "object; remove it with backoff_budget_unlink)",
                         name);
  if (h->version != LAYOUT_VERSION)
    return backoff__fail(BACKOFF_ECORRUPT,
                         "shm:%s has layout version %u; this libbackoff "
                         "reads version %u",
                         name, h->version, LAYOUT_VERSION);
  if (h->size != sizeof(*h))
    return backoff__fail(BACKOFF_ECORRUPT,
                         "shm:%s: header says %u bytes, layout version %u "
                         "has %zu (corrupt)",
                         name, h->size, LAYOUT_VERSION, sizeof(*h));
  if (h->check != header_check(h) || h->zero != 0 || !values_ok(h))
    return backoff__fail(BACKOFF_ECORRUPT,
                         "shm:%s: corrupt header or count (checksum or "
                         "values out of range); remove it with "
                         "backoff_budget_unlink",
                         name);
  return 0;
}

static int same_settings(const backoff__budget_conf_t *a,
                         const backoff__budget_conf_t *b) {
  return a->kind == b->kind && a->capacity == b->capacity &&
         a->retry_cost == b->retry_cost &&
         a->timeout_cost == b->timeout_cost &&
         a->success_refund == b->success_refund && a->ratio == b->ratio;
}

/* Adopts (attach) or compares the object's settings. */
static int settle(const shm_budget_t *h, const char *name,
                  backoff__budget_conf_t *conf, int attach) {
  backoff__budget_conf_t have = *conf;

  conf_from(&have, h);
  backoff__budget_conf_text(&have, have.text, sizeof(have.text));
  if (attach || same_settings(&have, conf)) {
    *conf = have;
    return 0;
  }
  return backoff__fail(BACKOFF_EMISMATCH,
                       "shm:%s exists with %s; this open asked for %s", name,
                       have.text, conf->text);
}

/* 1 when g is one of this process's groups, 0 when not, -1 out of memory.
 * Open-time only: the list is as long as the kernel's (up to 65536). */
static int in_my_groups(gid_t g) {
  gid_t *list;
  int n, i, found = 0;

  if (g == getegid())
    return 1;
  if ((n = getgroups(0, NULL)) <= 0)
    return 0;
  if ((list = malloc((size_t)n * sizeof(*list))) == NULL)
    return -1;
  n = getgroups(n, list);
  for (i = 0; i < n && !found; i++)
    found = list[i] == g;
  free(list);
  return found;
}

/* Whoever can write the object can crash its users (a truncated mapping
 * raises SIGBUS) or steer their retries: only an object this user owns,
 * or with BACKOFF_BUDGET_GROUP one of this user's groups, and that not
 * every user may write, is used. */
static int check_owner(const struct stat *st, const char *name, int group) {
  if ((st->st_mode & S_IWOTH) != 0)
    return backoff__fail(BACKOFF_ECORRUPT,
                         "shm:%s: every user may write it (mode %04o): "
                         "not used",
                         name, (unsigned)(st->st_mode & 07777));
  if (st->st_uid == geteuid())
    return 0;
  if (group) {
    const int mine = in_my_groups(st->st_gid);
    if (mine < 0)
      return backoff__fail(BACKOFF_ENOMEM, "shm:%s: out of memory", name);
    if (mine)
      return 0;
  }
  return backoff__fail(
      BACKOFF_ECORRUPT,
      "shm:%s: owned by uid %ld, group %ld: not this user "
      "(uid %ld)%s",
      name, (long)st->st_uid, (long)st->st_gid, (long)geteuid(),
      group ? " nor one of its groups"
            : "; BACKOFF_BUDGET_GROUP shares it with a group");
}

/* Maps the existing object behind fd after checking what it is. */
static int map_existing(int fd, const char *name, int group,
                        shm_budget_t **out) {
  struct stat st;
  void *p;

  if (fstat(fd, &st) != 0)
    return backoff__fail(BACKOFF_ESYS, "shm:%s: fstat: %s", name,
                         strerror(errno));
  if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(magic))
    return backoff__fail(BACKOFF_ECORRUPT,
                         "shm:%s is not a libbackoff budget (%lld bytes)",
                         name, (long long)st.st_size);
  if (check_owner(&st, name, group) != 0)
    return BACKOFF_ECORRUPT;
  if (st.st_size != (off_t)sizeof(shm_budget_t)) {
    char head[sizeof(magic)];
    const int ours =
        pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
        memcmp(head, magic, sizeof(magic)) == 0;
    return backoff__fail(
        BACKOFF_ECORRUPT, "shm:%s %s: %lld bytes, layout version %u has %zu",
        name,
        ours ? "is truncated or of another layout"
             : "is not a libbackoff budget",
        (long long)st.st_size, LAYOUT_VERSION, sizeof(shm_budget_t));
  }
  p = mmap(NULL, sizeof(shm_budget_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
           0);
  if (p == MAP_FAILED)
    return backoff__fail(BACKOFF_ESYS, "shm:%s: mmap: %s", name,
                         strerror(errno));
  *out = p;
  return 0;
}

/* A new, unnamed-to-others file for the object: an O_TMPFILE in SHM_DIR
 * (no name at all until linked, so nothing is left behind by a crash), or
 * where that is not supported, a private temporary name. *tmp is "" for
 * the former. -1 with errno set on failure. */
static int new_file(const char *name, mode_t mode, char *tmp, size_t size) {
  static unsigned long seq;
  int fd;

  tmp[0] = '\0';
#ifdef O_TMPFILE
  /* linkat() of an O_TMPFILE goes through /proc/self/fd. */
  if (access("/proc/self/fd", X_OK) == 0) {
    fd = open(SHM_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
                    errno != EINVAL && errno != ENOENT))
      return fd;
  }
#endif
  snprintf(tmp, size, "/" TMP_PREFIX "%ld.%lu.%s", (long)getpid(),
           __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED), name);
  return shm_open(tmp, O_RDWR | O_CREAT | O_EXCL, mode);
}

/* Gives the finished object its name: 0, or -1 with errno (EEXIST:
 * someone else created it first). */
static int publish(int fd, const char *tmp, const char *obj_path) {
  char from[320];

  if (tmp[0] == '\0') {
    snprintf(from, sizeof(from), "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, from, AT_FDCWD, obj_path, AT_SYMLINK_FOLLOW);
  }
  snprintf(from, sizeof(from), SHM_DIR "%s", tmp);
  return link(from, obj_path);
}

/* Builds the object in a file nobody else can see, then links it into
 * place. Returns 0 (created: *out mapped), 1 (someone else created it
 * first: open theirs), or an error. */
static int create(const char *name, const char *obj_path,
                  const backoff__budget_conf_t *conf, shm_budget_t **out) {
  const mode_t mode = (conf->flags & BACKOFF_BUDGET_GROUP) ? 0660 : 0600;
  char tmp[300];
  shm_budget_t *h = MAP_FAILED;
  int fd, rc;

  fd = new_file(name, mode, tmp, sizeof(tmp));
  if (fd < 0)
    return backoff__fail(BACKOFF_ESYS,
                         "shm:%s: cannot create a file in " SHM_DIR ": %s",
                         name, strerror(errno));
  /* The umask applied; the mode asked for is the mode given. Every page
   * is allocated now: tmpfs allocates on first write, and a full
   * /dev/shm would then kill the process with SIGBUS. */
  if (fchmod(fd, mode) != 0) {
    rc = backoff__fail(BACKOFF_ESYS, "shm:%s: fchmod: %s", name,
                       strerror(errno));
    goto fail_fd;
  }
  if ((rc = posix_fallocate(fd, 0, sizeof(shm_budget_t))) != 0) {
    rc = backoff__fail(BACKOFF_ESYS,
                       "shm:%s: cannot allocate %zu bytes in " SHM_DIR ": %s",
                       name, sizeof(shm_budget_t), strerror(rc));
    goto fail_fd;
  }
  h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (h == MAP_FAILED) {
    rc =
        backoff__fail(BACKOFF_ESYS, "shm:%s: mmap: %s", name, strerror(errno));
    goto fail_fd;
  }
  fill(h, conf);
  if (publish(fd, tmp, obj_path) == 0) {
    rc = 0;
    *out = h;
    h = MAP_FAILED;
  } else if (errno == EEXIST) {
    rc = 1;
  } else {
    rc = backoff__fail(BACKOFF_ESYS,
                       "shm:%s: cannot link the new object "
                       "to %s: %s",
                       name, obj_path, strerror(errno));
  }
  if (h != MAP_FAILED)
    munmap(h, sizeof(*h));
fail_fd:
  if (tmp[0] != '\0')
    shm_unlink(tmp);
  close(fd);
  return rc;
}

/* One attempt at opening the existing object: 0, 1 (it does not exist),
 * or an error. */
static int open_existing(const char *name, const char *obj, int group,
                         shm_budget_t **out) {
  int fd = shm_open(obj, O_RDWR, 0), rc;
  if (fd < 0) {
    if (errno == ENOENT)
      return 1;
    return backoff__fail(BACKOFF_ESYS, "shm:%s: cannot open " SHM_DIR "%s: %s",
                         name, obj, strerror(errno));
  }
  rc = map_existing(fd, name, group, out);
  close(fd);
  if (rc == 0 && (rc = check_header(*out, name)) != 0) {
    munmap(*out, sizeof(shm_budget_t));
    *out = NULL;
  }
  return rc;
}

int backoff__shm_open(const char *name, backoff__budget_conf_t *conf,
                      int attach, int64_t **counter, void **map,
                      size_t *maplen) {
  char obj[256], obj_path[300];
  shm_budget_t *h = NULL;
  int rc = 1, tries;

  if ((rc = check_name(name)) != 0)
    return rc;
  snprintf(obj, sizeof(obj), "/" OBJ_PREFIX "%s", name);
  snprintf(obj_path, sizeof(obj_path), SHM_DIR "%s", obj);
  /* Open, else create; a creation lost to another process, or an object
   * unlinked between two steps, sends us round again. */
  for (tries = 0; tries < 8; tries++) {
    if ((rc = open_existing(
             name, obj, (conf->flags & BACKOFF_BUDGET_GROUP) != 0, &h)) <= 0)
      break;
    if (attach)
      return backoff__fail(BACKOFF_ENOENT, "shm:%s: no such budget (%s)", name,
                           obj_path);
    if ((rc = create(name, obj_path, conf, &h)) <= 0)
      break;
  }
  if (rc > 0)
    return backoff__fail(BACKOFF_ESYS,
                         "shm:%s: created and removed %d times in a row by "
                         "other processes",
                         name, tries);
  if (rc != 0)
    return rc;
  if ((rc = settle(h, name, conf, attach)) != 0) {
    munmap(h, sizeof(*h));
    return rc;
  }
  *counter = &h->tokens;
  *map = h;
  *maplen = sizeof(*h);
  return 0;
}

int backoff__shm_unlink(const char *name) {
  char obj[256];
  int rc;

  if ((rc = check_name(name)) != 0)
    return rc;
  snprintf(obj, sizeof(obj), "/" OBJ_PREFIX "%s", name);
  if (shm_unlink(obj) != 0)
    return backoff__fail(errno == ENOENT ? BACKOFF_ENOENT : BACKOFF_ESYS,
                         "shm:%s: cannot remove " SHM_DIR "%s: %s", name, obj,
                         strerror(errno));
  return 0;
}

#else /* no lock-free 64-bit atomics */

int backoff__shm_open(const char *name, backoff__budget_conf_t *conf,
                      int attach, int64_t **counter, void **map,
                      size_t *maplen) {
  (void)conf;
  (void)attach;
  (void)counter;
  (void)map;
  (void)maplen;
  return backoff__fail(BACKOFF_ESYS,
                       "shm:%.200s: shm: budgets need lock-free 64-bit "
                       "atomics, which this platform lacks",
                       name);
}

int backoff__shm_unlink(const char *name) {
  return backoff__shm_open(name, NULL, 0, NULL, NULL, NULL);
}

#endif
