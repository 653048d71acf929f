/* SPDX-License-Identifier: MIT */
/* Replays a fuzz target's committed inputs under `make check` (gcc, no
 * libFuzzer needed): every file in fuzz/corpus/<target>/ and
 * fuzz/regress/<target>/ goes through LLVMFuzzerTestOneInput. A crash
 * libFuzzer finds is committed to fuzz/regress/<target>/ and stays a
 * regression test here; the target's own invariants abort() on a wrong
 * answer, which Check reports as a failure naming the file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif
#ifndef FUZZ_SRCDIR
#error "FUZZ_SRCDIR must name the source tree's fuzz/"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL) {
    char path[4096];
    unsigned char *buf;
    long len;
    FILE *f;
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)len, f), len);
    fclose(f);
    mark_point();
    /* On a crash, Check's message names the last file. */
    fprintf(stderr, "# replay %s\n", path);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    n++;
  }
  closedir(d);
  return n;
}

START_TEST(replay_corpus) {
  int n = replay_dir(FUZZ_SRCDIR "/corpus/" FUZZ_TARGET);
  ck_assert_msg(n > 0,
                "no seed corpus in " FUZZ_SRCDIR "/corpus/" FUZZ_TARGET);
}
END_TEST

START_TEST(replay_regressions) {
  (void)replay_dir(FUZZ_SRCDIR "/regress/" FUZZ_TARGET);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("fuzz_replay_" FUZZ_TARGET);
  TCase *tc = tcase_create("replay");
  tcase_add_test(tc, replay_corpus);
  tcase_add_test(tc, replay_regressions);
  suite_add_tcase(s, tc);
  return s;
}
