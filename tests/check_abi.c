/* SPDX-License-Identifier: MIT */
/* Structs that grow (include/backoff.h, "Structs that grow"): a program
 * built against the first layouts of the public structs works with this
 * library. The first layouts are copied here as they were in 0.1.0, before
 * reserved room was added to the structs the library fills and before the
 * room became 8-byte slots; the library must read them the same way and
 * write no byte past them. */
#include "config.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "backoff.h"
#include "check_common.h"

/* ---- the 0.1.0 layouts ------------------------------------------------ */

typedef struct {
  int result, last_rc;
  backoff_stop_t stop;
  int error;
  unsigned int attempts;
  double slept, elapsed, last_delay;
} v010_report_t;

typedef struct {
  const char *name;
  double def, min, max;
  const char *help;
  int is_list, is_integer;
} v010_param_info_t;

typedef struct {
  const char *strategy, *params;
  const backoff_strategy_t *strategy_handle;
  backoff_jitter_t jitter;
  double jitter_factor, scale_factor, minimum, cap;
  unsigned int max_tries;
  double max_delay;
  const int *retry_on;
  size_t retry_on_count;
  const int *stop_on;
  size_t stop_on_count;
  int (*retryable)(int, void *);
  void (*on_retry)(unsigned int, int, double, void *);
  void (*on_success)(const backoff_report_t *, void *);
  int (*on_failure)(const backoff_report_t *, void *);
  int failure_code;
  void *callback_ctx;
  int (*retry_fn)(void *);
  void *retry_arg;
  uint64_t (*clock)(void *);
  void *clock_ctx;
  int (*sleep)(double, void *);
  void *sleep_ctx;
  backoff_random_fn random;
  void *random_ctx;
  uint64_t seed;
  unsigned int flags;
  backoff_cancel_t *cancel;
  backoff_budget_t *budget;
  v010_report_t *report;
  void *reserved_[8];
} v010_options_t;

typedef struct {
  backoff_budget_kind_t kind;
  unsigned int capacity, retry_cost, timeout_cost, success_refund;
  const int *timeout_codes;
  size_t timeout_codes_count;
  double max_tokens, token_ratio;
  void *reserved_[4];
} v010_budget_options_t;

typedef struct {
  const backoff_policy_t *policy_;
  void *outer_;
  uint64_t start_ns_, now_ns_, deadline_ns_;
  double previous_, slept_, retry_after_;
  unsigned int attempts_, flags_;
  int last_rc_, stop_, error_, budget_cost_;
  backoff_rng_t rng_;
  void *reserved_[4];
} v010_schedule_t;

/* Where a pointer is 8 bytes, the structs a program allocates for the
 * library kept their size and every offset. (Where it is 4, 0.1.0's void *
 * room was half as big: that layout never shipped for 32-bit targets with
 * a promise, and the uint64_t room is what makes the recipe work there.) */
#define SAME_FIELD(a, b, f) (offsetof(a, f) == offsetof(b, f))
START_TEST(allocated_structs_kept_their_layout) {
  if (sizeof(void *) != 8)
    return;
  ck_assert_uint_eq(sizeof(v010_options_t), sizeof(backoff_options_t));
  ck_assert(SAME_FIELD(v010_options_t, backoff_options_t, jitter_factor));
  ck_assert(SAME_FIELD(v010_options_t, backoff_options_t, max_delay));
  ck_assert(SAME_FIELD(v010_options_t, backoff_options_t, on_failure));
  ck_assert(SAME_FIELD(v010_options_t, backoff_options_t, seed));
  ck_assert(SAME_FIELD(v010_options_t, backoff_options_t, budget));
  ck_assert(SAME_FIELD(v010_options_t, backoff_options_t, report));
  /* The budget options took 3 more slots of room before 1.0 froze the ABI
   * (a program built against 0.1.0 asks for libbackoff.so.0, never this
   * library): their fields kept their offsets. */
  ck_assert_uint_eq(sizeof(backoff_budget_options_t),
                    sizeof(v010_budget_options_t) + 3 * 8);
  ck_assert(SAME_FIELD(v010_budget_options_t, backoff_budget_options_t,
                       token_ratio));
  ck_assert_uint_eq(sizeof(v010_schedule_t), sizeof(backoff_schedule_t));
  /* The filled structs only grew at the end. */
  ck_assert(SAME_FIELD(v010_report_t, backoff_report_t, last_delay));
  ck_assert(SAME_FIELD(v010_param_info_t, backoff_param_info_t, is_integer));
}
END_TEST

/* The recipe's arithmetic holds on this target: the room is whole 8-byte
 * slots at the very end of each struct (fields carved from it keep the
 * size), and a padded pointer is one slot. */
#define ROOM_AT_END(T)                                                        \
  (sizeof(((T *)0)->reserved_) % 8 == 0 &&                                    \
   offsetof(T, reserved_) + sizeof(((T *)0)->reserved_) == sizeof(T))
START_TEST(reserved_room_is_whole_slots) {
  struct carved {
    void *p;
    BACKOFF_PTR_PAD_(p_pad_)
    uint64_t rest[3];
  };
  ck_assert(ROOM_AT_END(backoff_options_t));
  ck_assert(ROOM_AT_END(backoff_budget_options_t));
  ck_assert(ROOM_AT_END(backoff_report_t));
  ck_assert(ROOM_AT_END(backoff_param_info_t));
  ck_assert(ROOM_AT_END(backoff_schedule_t));
  ck_assert_uint_eq(sizeof(struct carved), 32);
}
END_TEST

/* ---- the library writes no byte past a 0.1.0 struct ------------------- */

#define GUARD 0xA5
typedef struct {
  v010_report_t r;
  unsigned char guard[64];
} guarded_report_t;

static int guard_intact(const unsigned char *g, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (g[i] != GUARD)
      return 0;
  return 1;
}

static int fail_twice(void *arg) {
  int *calls = arg;
  return ++*calls <= 2 ? 7 : 0;
}

START_TEST(report_written_within_the_old_size) {
  guarded_report_t g;
  /* The old options, with room behind them for today's size: on 64-bit
   * targets the two are the same size; on 32-bit ones the 0.1.0 options
   * (never released) were smaller, and only the report's layout is under
   * test here. */
  union {
    v010_options_t o;
    backoff_options_t room;
  } u;
  backoff_policy_t *p = NULL;
  int calls = 0;

  memset(&u, 0, sizeof(u));
  u.o.sleep = no_sleep;
  u.o.jitter = BACKOFF_JITTER_NONE;
  memset(&g, GUARD, sizeof(g));
  ck_assert_int_eq(backoff_policy_new(&p, (const backoff_options_t *)&u.o), 0);
  ck_assert_int_eq(
      backoff_run(p, fail_twice, &calls, (backoff_report_t *)&g.r), 0);
  ck_assert(guard_intact(g.guard, sizeof(g.guard)));
  ck_assert_int_eq(g.r.result, 0);
  ck_assert_int_eq(g.r.stop, BACKOFF_STOP_SUCCESS);
  ck_assert_uint_eq(g.r.attempts, 3);
  ck_assert(g.r.slept == 3); /* 1 + 2, no jitter */

  /* The call form, the report named in the old options. */
  memset(&g, GUARD, sizeof(g));
  calls = 0;
  u.o.report = &g.r;
  ck_assert_int_eq(
      backoff(fail_twice, &calls, (const backoff_options_t *)&u.o), 0);
  ck_assert(guard_intact(g.guard, sizeof(g.guard)));
  ck_assert_uint_eq(g.r.attempts, 3);

  /* An early error fills the report too. */
  memset(&g, GUARD, sizeof(g));
  u.o.max_delay = -1;
  ck_assert_int_eq(
      backoff(fail_twice, &calls, (const backoff_options_t *)&u.o),
      BACKOFF_ERANGE);
  ck_assert(guard_intact(g.guard, sizeof(g.guard)));
  ck_assert_int_eq(g.r.stop, BACKOFF_STOP_ERROR);

  /* The schedule's report. */
  {
    backoff_schedule_t s;
    double d;
    memset(&g, GUARD, sizeof(g));
    ck_assert_int_eq(backoff_schedule_init(&s, p), 0);
    ck_assert_int_eq(backoff_schedule_begin(&s), 0);
    ck_assert_int_eq(backoff_schedule_next(&s, 5, &d), 0);
    backoff_schedule_report(&s, (backoff_report_t *)&g.r);
    ck_assert(guard_intact(g.guard, sizeof(g.guard)));
    ck_assert_uint_eq(g.r.attempts, 1);
    ck_assert_int_eq(g.r.last_rc, 5);
  }
  backoff_policy_free(p);
}
END_TEST

START_TEST(param_info_written_within_the_old_size) {
  struct {
    v010_param_info_t info;
    unsigned char guard[64];
  } g;
  backoff_strategy_t *s = NULL;

  ck_assert_int_eq(backoff_strategy_open(&s, "polynomial"), 0);
  memset(&g, GUARD, sizeof(g));
  ck_assert_int_eq(
      backoff_strategy_param(s, 0, (backoff_param_info_t *)&g.info), 1);
  ck_assert(guard_intact(g.guard, sizeof(g.guard)));
  ck_assert_str_eq(g.info.name, "exponent");
  memset(&g, GUARD, sizeof(g));
  ck_assert_int_eq(
      backoff_strategy_param(s, 99, (backoff_param_info_t *)&g.info), 0);
  ck_assert(guard_intact(g.guard, sizeof(g.guard)));
  ck_assert_ptr_null(g.info.name);
  backoff_strategy_free(s);
}
END_TEST

/* The room of a struct the library fills is the caller's until a field is
 * carved from it: never written. */
START_TEST(room_of_filled_structs_is_left_alone) {
  backoff_report_t r;
  backoff_param_info_t info;
  backoff_strategy_t *s = NULL;
  int calls = 0;
  backoff_options_t o = {.sleep = no_sleep, .report = &r};

  memset(&r, GUARD, sizeof(r));
  ck_assert_int_eq(backoff(fail_twice, &calls, &o), 0);
  ck_assert(
      guard_intact((const unsigned char *)r.reserved_, sizeof(r.reserved_)));
  ck_assert_uint_eq(r.attempts, 3);
  ck_assert_int_eq(backoff_strategy_open(&s, "fixed"), 0);
  memset(&info, GUARD, sizeof(info));
  ck_assert_int_eq(backoff_strategy_param(s, 0, &info), 1);
  ck_assert(guard_intact((const unsigned char *)info.reserved_,
                         sizeof(info.reserved_)));
  backoff_strategy_free(s);
}
END_TEST

/* ---- the room of what the library reads must be zero ------------------ */

START_TEST(reserved_room_must_be_zero) {
  backoff_policy_t *p = NULL;
  backoff_budget_t *b = NULL;
  backoff_options_t o = {.max_tries = 2};
  backoff_budget_options_t bo = {.capacity = 10};
  size_t i;

  for (i = 0; i < sizeof(o.reserved_) / sizeof(o.reserved_[0]); i++) {
    o.reserved_[i] = 1;
    ck_assert_int_eq(backoff_policy_new(&p, &o), BACKOFF_EINVAL);
    ck_assert_ptr_null(p);
    o.reserved_[i] = 0;
  }
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  backoff_policy_free(p);
  for (i = 0; i < sizeof(bo.reserved_) / sizeof(bo.reserved_[0]); i++) {
    bo.reserved_[i] = (uint64_t)1 << 63;
    ck_assert_int_eq(backoff_budget_new(&b, &bo), BACKOFF_EINVAL);
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(strstr(backoff_last_error(), "reserved_"));
    bo.reserved_[i] = 0;
  }
  ck_assert_int_eq(backoff_budget_new(&b, &bo), 0);
  backoff_budget_free(b);
}
END_TEST

/* A 0.1.0 budget options struct, in today's size, is read as it was. */
START_TEST(old_budget_options_still_work) {
  union {
    v010_budget_options_t old;
    backoff_budget_options_t now;
  } bo;
  backoff_budget_t *b = NULL;

  if (sizeof(void *) != 8)
    return;
  memset(&bo, 0, sizeof(bo));
  bo.old.capacity = 42;
  ck_assert_int_eq(backoff_budget_new(&b, &bo.now), 0);
  ck_assert(backoff_budget_tokens(b) == 42);
  backoff_budget_free(b);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("abi");
  TCase *tc = tcase_create("layouts");
  tcase_add_test(tc, allocated_structs_kept_their_layout);
  tcase_add_test(tc, reserved_room_is_whole_slots);
  suite_add_tcase(s, tc);
  tc = tcase_create("old_programs");
  tcase_add_test(tc, report_written_within_the_old_size);
  tcase_add_test(tc, param_info_written_within_the_old_size);
  tcase_add_test(tc, room_of_filled_structs_is_left_alone);
  tcase_add_test(tc, reserved_room_must_be_zero);
  tcase_add_test(tc, old_budget_options_still_work);
  suite_add_tcase(s, tc);
  return s;
}
