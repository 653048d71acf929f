/* SPDX-License-Identifier: MIT */
/* The main() of every Check test program: runs the program's suite and
 * writes TAP to stdout, so automake's tap-driver shows one line per test. */
#include <check.h>
#include <stdlib.h>

#include "check_common.h"

int main(void) {
  SRunner *sr = srunner_create(make_suite());
  int failed;

  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
