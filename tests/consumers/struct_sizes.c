/* SPDX-License-Identifier: MIT */
/* The sizes of the public structs a caller allocates or fills, pinned per
 * data model: a change fails the build here, so it cannot happen without
 * someone deciding it is an ABI change (and bumping -version-info, see
 * RELEASING). Prints the sizes as TAP; an unknown data model is skipped. */
#include <stdio.h>

#include <backoff.h>
#include <backoff/plugin.h>

#if defined(__LP64__) && (defined(__x86_64__) || defined(__aarch64__))
#define MODEL "LP64 (x86_64, aarch64)"
#define SIZES(X)                                                              \
  X(backoff_rng_t, 32)                                                        \
  X(backoff_param_info_t, 80)                                                 \
  X(backoff_cancel_t, 16)                                                     \
  X(backoff_budget_options_t, 112)                                            \
  X(backoff_report_t, 80)                                                     \
  X(backoff_options_t, 328)                                                   \
  X(backoff_apply_t, 16)                                                      \
  X(backoff_schedule_t, 152)                                                  \
  X(backoff_param_t, 48)                                                      \
  X(backoff_param_value_t, 24)                                                \
  X(backoff_delay_args_t, 56)
#elif defined(__i386__)
#define MODEL "ILP32 (i386)"
#define SIZES(X)                                                              \
  X(backoff_rng_t, 32)                                                        \
  X(backoff_param_info_t, 72)                                                 \
  X(backoff_cancel_t, 16)                                                     \
  X(backoff_budget_options_t, 100)                                            \
  X(backoff_report_t, 76)                                                     \
  X(backoff_options_t, 220)                                                   \
  X(backoff_apply_t, 8)                                                       \
  X(backoff_schedule_t, 144)                                                  \
  X(backoff_param_t, 36)                                                      \
  X(backoff_param_value_t, 16)                                                \
  X(backoff_delay_args_t, 32)
#endif

#ifdef SIZES
#define PIN(type, size)                                                       \
  _Static_assert(sizeof(type) == (size),                                      \
                 #type " is not " #size " bytes on " MODEL);
SIZES(PIN)
#define COUNT(type, size) +1
#define SHOW(type, size)                                                      \
  printf("ok %d - sizeof(%s) == %d on %s\n", ++n, #type, (int)sizeof(type),   \
         MODEL);
#endif

int main(void) {
#ifdef SIZES
  int n = 0;
  printf("1..%d\n", 0 SIZES(COUNT));
  SIZES(SHOW)
#else
  printf("1..0 # SKIP no struct sizes pinned for this data model\n");
#endif
  return 0;
}
