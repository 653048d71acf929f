/* SPDX-License-Identifier: MIT */
/* The seam: what the library and its tools share, and nothing else.
 *
 * A small internal convenience library (lib/seam/libbackoff_seam.la),
 * linked into libbackoff and into programs of this tree such as the backoff
 * command. It holds facts both sides must agree on: the table of core
 * settings, the strict number parsers and the strategy-name grammar. It
 * depends on include/backoff.h only; it records no error message (the
 * library's backoff_last_error() is private to the library), so every
 * function returns a BACKOFF_E* code and the caller words the message.
 * Nothing here is exported from libbackoff.so. */
#ifndef BACKOFF_SEAM_H
#define BACKOFF_SEAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "backoff.h"

/* ---- the table of core settings ----------------------------------------
 *
 * One row per core setting of backoff_options_t: every place that names,
 * checks, defaults, sets, reads, or offers a setting on the command line
 * derives it from this table. Columns:
 *
 *   ID       suffix of BACKOFF__SET_<ID>, the row's index
 *   name     the name in backoff_strategy_set()/configure() and in messages
 *   type     how a value is written and stored (backoff__setting_type_t)
 *   field    the member of backoff_options_t (and, for a pipeline setting,
 *            of the strategy handle) that holds it
 *   min,max  the bounds of an explicit value (inclusive unless the flags
 *            say BACKOFF__S_MIN_OPEN); a JITTER value is a backoff_jitter_t
 *   def      the value that 0 stands for when the flags say ZERO_DEFAULT
 *   flags    BACKOFF__S_* below
 *   seeds    bits of options.flags that giving the setting turns on
 *   zero     what 0 (the field left out) means, for people
 *   lflag    the command's long option (without "--")
 *   sflag    its short option, or 0
 *   metavar  the placeholder for the value in --help
 *   help     one line for --help
 *
 * Pipeline settings live in a strategy handle as well (same field names,
 * so backoff_strategy_set/get reach them by name); run settings only in the
 * options. Append rows, never reorder: IDs index arrays.
 *
 * The zero rule: for a setting flagged ZERO_DEFAULT, 0 means "the default"
 * wherever a value is given (an options field, "name=0" in params,
 * backoff_strategy_set(), the command line), never a value of its own. */
#define BACKOFF_PIPELINE_SETTINGS(XX)                                         \
  XX(JITTER, "jitter", BACKOFF__T_JITTER, jitter, BACKOFF_JITTER_NONE,        \
     BACKOFF_JITTER_PROPORTIONAL, BACKOFF_JITTER_ADDITIVE,                    \
     BACKOFF__S_ZERO_DEFAULT, 0u,                                             \
     "additive (none for a strategy that draws its own randomness)",          \
     "jitter", 'j', "MODE",                                                   \
     "randomness added to each delay: none, additive (+ U[0,1) s), full, "    \
     "equal or proportional")                                                 \
  XX(JITTER_FACTOR, "jitter_factor", BACKOFF__T_NUMBER, jitter_factor, 0.0,   \
     1.0, 0.5, BACKOFF__S_MIN_OPEN | BACKOFF__S_ZERO_DEFAULT, 0u, "0.5",      \
     "jitter-factor", 0, "F",                                                 \
     "spread of proportional jitter: base * U[1-F, 1+F], 0 < F <= 1")         \
  XX(SCALE_FACTOR, "scale_factor", BACKOFF__T_NUMBER, scale_factor, 0.0,      \
     BACKOFF_DELAY_MAX, 1.0, BACKOFF__S_MIN_OPEN | BACKOFF__S_ZERO_DEFAULT,   \
     0u, "1", "scale-factor", 0, "X", "multiply every delay by X > 0")        \
  XX(MINIMUM, "minimum", BACKOFF__T_SECONDS, minimum, 0.0, BACKOFF_DELAY_MAX, \
     0.0, 0u, 0u, "no minimum", "minimum", 0, "DURATION",                     \
     "never wait less than this between attempts")                            \
  XX(CAP, "cap", BACKOFF__T_SECONDS, cap, 0.0, BACKOFF_DELAY_MAX, 0.0, 0u,    \
     0u, "no cap", "cap", 0, "DURATION",                                      \
     "never wait more than this between attempts")

#define BACKOFF_RUN_SETTINGS(XX)                                              \
  XX(MAX_TRIES, "max_tries", BACKOFF__T_UINT, max_tries, 1.0, 4294967295.0,   \
     3.0, BACKOFF__S_ZERO_DEFAULT | BACKOFF__S_ZERO_ENV, 0u,                  \
     "$BACKOFF_DEFAULT_TRIES, else 3", "max-tries", 'n', "N",                 \
     "make at most N calls in all")                                           \
  XX(MAX_DELAY, "max_delay", BACKOFF__T_SECONDS, max_delay, 0.0,              \
     BACKOFF_DELAY_MAX, 0.0,                                                  \
     BACKOFF__S_MIN_OPEN | BACKOFF__S_ZERO_DEFAULT | BACKOFF__S_ZERO_ENV |    \
         BACKOFF__S_INFINITY,                                                 \
     0u, "$BACKOFF_DEFAULT_DELAY, else no limit", "max-delay", 'd',           \
     "DURATION|none",                                                         \
     "total time budget from the first call; no attempt or wait ends "        \
     "after it")                                                              \
  XX(SEED, "seed", BACKOFF__T_U64, seed, 0.0, 18446744073709551615.0, 0.0,    \
     0u, BACKOFF_SEEDED, "unseeded", "seed", 0, "N",                          \
     "seed the random source, so that delays repeat")

#define BACKOFF_SETTINGS_MAP(XX)                                              \
  BACKOFF_PIPELINE_SETTINGS(XX)                                               \
  BACKOFF_RUN_SETTINGS(XX)

/* The C type of each setting type, so a struct can be generated from the
 * table: BACKOFF__CTYPE(BACKOFF__T_NUMBER) is double. */
#define BACKOFF__CTYPE(type) BACKOFF__CTYPE_##type
#define BACKOFF__CTYPE_BACKOFF__T_NUMBER double
#define BACKOFF__CTYPE_BACKOFF__T_SECONDS double
#define BACKOFF__CTYPE_BACKOFF__T_UINT unsigned int
#define BACKOFF__CTYPE_BACKOFF__T_U64 uint64_t
#define BACKOFF__CTYPE_BACKOFF__T_JITTER backoff_jitter_t

/* A field of the row's type as the double the checks take (a jitter mode
 * by its signed number), for code generated from the table. */
#define BACKOFF__AS_NUMBER(type, x)                                           \
  ((type) == BACKOFF__T_JITTER ? (double)(int)(x) : (double)(x))

typedef enum {
  BACKOFF__T_NUMBER,  /* double: a plain decimal number */
  BACKOFF__T_SECONDS, /* double: seconds (the command also takes units) */
  BACKOFF__T_UINT,    /* unsigned int: decimal digits */
  BACKOFF__T_U64,     /* uint64_t: decimal digits */
  BACKOFF__T_JITTER   /* backoff_jitter_t: a mode name */
} backoff__setting_type_t;

enum {
  BACKOFF__S_MIN_OPEN = 1u << 0,     /* min itself is out of bounds */
  BACKOFF__S_ZERO_DEFAULT = 1u << 1, /* 0 means `def`, wherever given */
  BACKOFF__S_ZERO_ENV = 1u << 2,     /* ... after a BACKOFF_DEFAULT_* */
  BACKOFF__S_INFINITY = 1u << 3      /* INFINITY ("none"): no limit */
};

#define BACKOFF__SET_ENUM_(id, ...) BACKOFF__SET_##id,
enum { BACKOFF_SETTINGS_MAP(BACKOFF__SET_ENUM_) BACKOFF__SET_COUNT };
#undef BACKOFF__SET_ENUM_

/* Rows 0 .. BACKOFF__SET_PIPELINE_COUNT - 1 are the pipeline settings (a
 * strategy handle carries them); the run settings follow. */
#define BACKOFF__SET_ONE_(id, ...) +1
enum {
  BACKOFF__SET_PIPELINE_COUNT = 0 BACKOFF_PIPELINE_SETTINGS(BACKOFF__SET_ONE_)
};
#undef BACKOFF__SET_ONE_

typedef struct backoff__setting_s {
  const char *name;
  backoff__setting_type_t type;
  size_t offset; /* offsetof(backoff_options_t, field) */
  double min, max, def;
  unsigned int flags;
  unsigned int seeds;
  const char *zero;
  const char *lflag;
  char sflag;
  const char *metavar;
  const char *help;
} backoff__setting_t;

/* The table as data, in row order: backoff__settings[BACKOFF__SET_CAP]. */
extern const backoff__setting_t backoff__settings[BACKOFF__SET_COUNT];

/* A value of any setting type. */
typedef union {
  double d;   /* NUMBER, SECONDS */
  uint64_t u; /* UINT, U64 */
  int mode;   /* JITTER: a backoff_jitter_t */
} backoff__value_t;

/* The row named name[0..len), or NULL. */
const backoff__setting_t *backoff__setting_find(const char *name, size_t len);
/* The row whose long option is lflag[0..len) (no "--"), or NULL. */
const backoff__setting_t *backoff__setting_by_flag(const char *lflag,
                                                   size_t len);

/* backoff__setting_check: 0 when v is a valid explicit value of the
 * (numeric) row, 0 itself included for a ZERO_DEFAULT row; BACKOFF_ERANGE
 * otherwise (NaN, infinite unless INFINITY is allowed, out of bounds, not
 * whole for an integer type). */
int backoff__setting_check(const backoff__setting_t *st, double v);

/* backoff__setting_bounds: "(0, 1]", "[0, 1e+09] or INFINITY", a mode
 * list...: the bounds as a message quotes them. Returns buf. */
const char *backoff__setting_bounds(const backoff__setting_t *st, char *buf,
                                    size_t size);

/* backoff__setting_parse: text[0..len) in the library's grammar (decimal
 * numbers, whole numbers, a jitter mode name, "none" for INFINITY) into
 * *out, checked as backoff__setting_check() does. Returns 0,
 * BACKOFF_ESYNTAX (malformed) or BACKOFF_ERANGE (out of bounds). */
int backoff__setting_parse(const backoff__setting_t *st, const char *text,
                           size_t len, backoff__value_t *out);

/* backoff__setting_store / load: the row's field of *o from / to *v;
 * store also turns on the row's `seeds` bits of o->flags. */
void backoff__setting_store(const backoff__setting_t *st, backoff_options_t *o,
                            const backoff__value_t *v);
void backoff__setting_load(const backoff__setting_t *st,
                           const backoff_options_t *o, backoff__value_t *v);

/* backoff__setting_number: the options' field as a double (a jitter mode
 * by its number; a uint64_t beyond 2^53 rounded). Inline: the call form
 * reads every row on every call. */
static inline double backoff__setting_number(const backoff__setting_t *st,
                                             const backoff_options_t *o) {
  const char *field = (const char *)o + st->offset;
  unsigned int u;
  uint64_t u64;
  backoff_jitter_t j;
  double d;

  switch (st->type) {
  case BACKOFF__T_UINT:
    memcpy(&u, field, sizeof(u));
    return (double)u;
  case BACKOFF__T_U64:
    memcpy(&u64, field, sizeof(u64));
    return (double)u64;
  case BACKOFF__T_JITTER:
    memcpy(&j, field, sizeof(j));
    return (double)(int)j;
  default:
    memcpy(&d, field, sizeof(d));
    return d;
  }
}

/* backoff__setting_given: 1 when the options' field is not 0, or its
 * `seeds` flags are on (the caller gave it). */
int backoff__setting_given(const backoff__setting_t *st,
                           const backoff_options_t *o);

/* backoff__setting_effective: v with the zero rule applied (0 -> def for a
 * ZERO_DEFAULT row; the environment is the caller's business). */
static inline double backoff__setting_effective(const backoff__setting_t *st,
                                                double v) {
  return v == 0 && (st->flags & BACKOFF__S_ZERO_DEFAULT) ? st->def : v;
}

/* ---- jitter modes ------------------------------------------------------
 * backoff__jitter_mode_name: "none", "additive", ... (DEFAULT reads
 * "additive"), NULL past the last mode. backoff__jitter_mode_parse: the
 * mode named name[0..len), or -1. */
const char *backoff__jitter_mode_name(int mode);
int backoff__jitter_mode_parse(const char *name, size_t len);
#define BACKOFF__JITTER_MODES "none, additive, full, equal, proportional"

/* ---- strict numbers ----------------------------------------------------
 * Whole string, decimal, finite; no leading/trailing junk.
 * Return 0 or BACKOFF_ESYNTAX / BACKOFF_ERANGE, *out 0 on error. */
int backoff__parse_double(const char *s, size_t len, double *out);
int backoff__parse_uint(const char *s, size_t len, unsigned long long max,
                        unsigned long long *out);

/* ---- strategy names ----------------------------------------------------
 * A bare strategy name is [a-z0-9_]{1,BACKOFF_NAME_MAX}; anything with a
 * '/' is a path. */
#define BACKOFF_NAME_MAX 64 /* bytes in a bare strategy name */
int backoff__is_bare_name(const char *name);
/* 1 when request is a bare name or a path (contains '/'). */
int backoff__is_strategy_request(const char *request);

#endif /* BACKOFF_SEAM_H */
