/* SPDX-License-Identifier: MIT */
/* The table of core settings as data, and the few operations every user of
 * it needs: find a row, check, parse, store and load a value. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backoff_seam.h"

/* Each row's type must fit its field: a wrong row fails to compile. */
#define FIELD_SIZE_(t)                                                        \
  ((t) == BACKOFF__T_UINT     ? sizeof(unsigned int)                          \
   : (t) == BACKOFF__T_U64    ? sizeof(uint64_t)                              \
   : (t) == BACKOFF__T_JITTER ? sizeof(backoff_jitter_t)                      \
                              : sizeof(double))
#define CHECK_ROW_(id, nm, ty, fld, ...)                                      \
  typedef char backoff__check_##id##_                                         \
      [sizeof(((backoff_options_t *)0)->fld) == FIELD_SIZE_(ty) ? 1 : -1];
BACKOFF_SETTINGS_MAP(CHECK_ROW_)
#undef CHECK_ROW_

#define ROW_(id, nm, ty, fld, mn, mx, df, fl, sd, zr, lf, sf, mv, hp)         \
  {nm, ty, offsetof(backoff_options_t, fld), mn, mx, df, fl, sd, zr, lf, sf,  \
   mv, hp},
const backoff__setting_t backoff__settings[BACKOFF__SET_COUNT] = {
    BACKOFF_SETTINGS_MAP(ROW_)};
#undef ROW_

static int same(const char *lit, const char *s, size_t len) {
  return strlen(lit) == len && memcmp(lit, s, len) == 0;
}

static const char *const jitter_names[] = {
    "additive", "none", "additive", "full", "equal", "proportional"};

const char *backoff__jitter_mode_name(int mode) {
  if (mode < 0 || mode > BACKOFF_JITTER_PROPORTIONAL)
    return NULL;
  return jitter_names[mode];
}

int backoff__jitter_mode_parse(const char *name, size_t len) {
  int i;

  for (i = BACKOFF_JITTER_NONE; i <= BACKOFF_JITTER_PROPORTIONAL; i++)
    if (same(jitter_names[i], name, len))
      return i;
  return -1;
}

const backoff__setting_t *backoff__setting_find(const char *name, size_t len) {
  size_t i;

  for (i = 0; i < BACKOFF__SET_COUNT; i++)
    if (same(backoff__settings[i].name, name, len))
      return &backoff__settings[i];
  return NULL;
}

const backoff__setting_t *backoff__setting_by_flag(const char *lflag,
                                                   size_t len) {
  size_t i;

  for (i = 0; i < BACKOFF__SET_COUNT; i++)
    if (same(backoff__settings[i].lflag, lflag, len))
      return &backoff__settings[i];
  return NULL;
}

int backoff__setting_check(const backoff__setting_t *st, double v) {
  const int whole =
      st->type != BACKOFF__T_NUMBER && st->type != BACKOFF__T_SECONDS;

  if (v == 0 && (st->flags & BACKOFF__S_ZERO_DEFAULT))
    return 0;
  if (isinf(v) && v > 0 && (st->flags & BACKOFF__S_INFINITY))
    return 0;
  if (!isfinite(v) || v < st->min || v > st->max)
    return BACKOFF_ERANGE;
  if (v == st->min && (st->flags & BACKOFF__S_MIN_OPEN))
    return BACKOFF_ERANGE;
  if (whole && v != floor(v))
    return BACKOFF_ERANGE;
  return 0;
}

const char *backoff__setting_bounds(const backoff__setting_t *st, char *buf,
                                    size_t size) {
  const char *open = (st->flags & BACKOFF__S_MIN_OPEN) ? "(" : "[";
  const char *inf = (st->flags & BACKOFF__S_INFINITY) ? " or INFINITY" : "";

  switch (st->type) {
  case BACKOFF__T_JITTER:
    snprintf(buf, size, "one of %s", BACKOFF__JITTER_MODES);
    break;
  case BACKOFF__T_UINT:
  case BACKOFF__T_U64:
    snprintf(buf, size, "%s%llu, %llu]", open, (unsigned long long)st->min,
             st->type == BACKOFF__T_UINT ? 0xffffffffull
                                         : (unsigned long long)UINT64_MAX);
    break;
  default:
    snprintf(buf, size, "%s%g, %g]%s", open, st->min, st->max, inf);
    break;
  }
  return buf;
}

static int parse_whole(const backoff__setting_t *st, const char *text,
                       size_t len, backoff__value_t *out) {
  const unsigned long long max =
      st->type == BACKOFF__T_UINT ? 0xffffffffull : UINT64_MAX;
  unsigned long long u;
  int rc;

  if ((rc = backoff__parse_uint(text, len, max, &u)) != 0)
    return rc;
  /* As a double the bounds are exact below 2^53 and UINT64_MAX rounds to
   * the seed row's own max, so one check serves every whole row. */
  if (backoff__setting_check(st, (double)u) != 0)
    return BACKOFF_ERANGE;
  out->u = u;
  return 0;
}

int backoff__setting_parse(const backoff__setting_t *st, const char *text,
                           size_t len, backoff__value_t *out) {
  int rc;

  memset(out, 0, sizeof(*out));
  switch (st->type) {
  case BACKOFF__T_JITTER:
    out->mode = backoff__jitter_mode_parse(text, len);
    if (out->mode < 0) {
      out->mode = 0;
      return BACKOFF_ESYNTAX;
    }
    return 0;
  case BACKOFF__T_UINT:
  case BACKOFF__T_U64:
    return parse_whole(st, text, len, out);
  default:
    break;
  }
  if ((st->flags & BACKOFF__S_INFINITY) && same("none", text, len)) {
    out->d = INFINITY;
    return 0;
  }
  if ((rc = backoff__parse_double(text, len, &out->d)) != 0)
    return rc;
  if (backoff__setting_check(st, out->d) != 0) {
    out->d = 0;
    return BACKOFF_ERANGE;
  }
  return 0;
}

void backoff__setting_store(const backoff__setting_t *st, backoff_options_t *o,
                            const backoff__value_t *v) {
  char *field = (char *)o + st->offset;

  switch (st->type) {
  case BACKOFF__T_UINT: {
    const unsigned int u = (unsigned int)v->u;
    memcpy(field, &u, sizeof(u));
    break;
  }
  case BACKOFF__T_U64:
    memcpy(field, &v->u, sizeof(v->u));
    break;
  case BACKOFF__T_JITTER: {
    const backoff_jitter_t j = (backoff_jitter_t)v->mode;
    memcpy(field, &j, sizeof(j));
    break;
  }
  default:
    memcpy(field, &v->d, sizeof(v->d));
    break;
  }
  o->flags |= st->seeds;
}

void backoff__setting_load(const backoff__setting_t *st,
                           const backoff_options_t *o, backoff__value_t *v) {
  const char *field = (const char *)o + st->offset;

  memset(v, 0, sizeof(*v));
  switch (st->type) {
  case BACKOFF__T_UINT: {
    unsigned int u;
    memcpy(&u, field, sizeof(u));
    v->u = u;
    break;
  }
  case BACKOFF__T_U64:
    memcpy(&v->u, field, sizeof(v->u));
    break;
  case BACKOFF__T_JITTER: {
    backoff_jitter_t j;
    memcpy(&j, field, sizeof(j));
    v->mode = (int)j;
    break;
  }
  default:
    memcpy(&v->d, field, sizeof(v->d));
    break;
  }
}

int backoff__setting_given(const backoff__setting_t *st,
                           const backoff_options_t *o) {
  return backoff__setting_number(st, o) != 0 || (o->flags & st->seeds) != 0;
}
