/* SPDX-License-Identifier: MIT */
/* Strategy handles: a loaded module plus its parameter values and the
 * core's pipeline settings (jitter, scale_factor, minimum, cap), set by
 * name, by typed setters or by the "name=value,..." syntax. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The pipeline rows of the settings table (they come first in it) and
 * where each lives in a handle: the same field name as in the options. */
#define HANDLE_OFFSET_(id, nm, ty, fld, ...)                                  \
  offsetof(struct backoff_strategy_s, fld),
static const size_t handle_offset[] = {
    BACKOFF_PIPELINE_SETTINGS(HANDLE_OFFSET_)};
#undef HANDLE_OFFSET_
#define NPIPELINE ((size_t)BACKOFF__SET_PIPELINE_COUNT)

/* The pipeline row named name[0..len), or NULL for any other name. */
static const backoff__setting_t *core_setting(const char *name, size_t len) {
  const backoff__setting_t *st = backoff__setting_find(name, len);
  return st != NULL && (size_t)(st - backoff__settings) < NPIPELINE ? st
                                                                    : NULL;
}

static void *handle_field(const struct backoff_strategy_s *s,
                          const backoff__setting_t *st) {
  return (char *)s + handle_offset[st - backoff__settings];
}

/* The same names, handed to the loader: a plugin parameter may not take
 * one. */
#define CORE_NAME_(id, nm, ...) nm,
static const char *const core_names[] = {BACKOFF_PIPELINE_SETTINGS(CORE_NAME_)
                                             NULL};
#undef CORE_NAME_

/* The jitter that 0 (DEFAULT) stands for in this handle: none for a
 * strategy that draws its own randomness (its delays are spread already),
 * else the table's default. */
static backoff_jitter_t default_jitter(const struct backoff_strategy_s *s) {
  return (s->module->flags & BACKOFF_PLUGIN_OWN_JITTER)
             ? BACKOFF_JITTER_NONE
             : (backoff_jitter_t)backoff__settings[BACKOFF__SET_JITTER].def;
}

int backoff__is_core_setting(const char *name) {
  return core_setting(name, strlen(name)) != NULL;
}

static long find_param(const struct backoff_strategy_s *s, const char *name,
                       size_t len) {
  size_t i;
  for (i = 0; i < s->module->nparams; i++) {
    const char *p = s->module->params[i].name;
    if (strncmp(p, name, len) == 0 && p[len] == '\0')
      return (long)i;
  }
  return -1;
}

/* "no parameter 'x'" with what there is instead, so a typo is fixed from
 * the message alone. */
static int no_such_param(const struct backoff_strategy_s *s, const char *name,
                         size_t len) {
  char list[BACKOFF_PARAM_MAX * (BACKOFF_PARAM_NAME_MAX + 2) + 8];
  char core[128];
  size_t i, used = 0, cused = 0;

  list[0] = core[0] = '\0';
  for (i = 0; i < s->module->nparams; i++) {
    int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                     s->module->params[i].name);
    if (n < 0 || (size_t)n >= sizeof(list) - used)
      break;
    used += (size_t)n;
  }
  for (i = 0; core_names[i] != NULL; i++) {
    int n = snprintf(core + cused, sizeof(core) - cused, "%s%s", i ? ", " : "",
                     core_names[i]);
    if (n < 0 || (size_t)n >= sizeof(core) - cused)
      break;
    cused += (size_t)n;
  }
  return backoff__fail(BACKOFF_EPARAM,
                       "strategy %s has no parameter '%.*s' (its parameters: "
                       "%s; settings of every strategy: %s)",
                       s->name, (int)len, name, used ? list : "none", core);
}

static const char *short_name(const char *request, char *buf, size_t size) {
  const char *base = strrchr(request, '/');
  const char *dot;
  size_t len;

  base = base ? base + 1 : request;
  if (strncmp(base, "strategy_", 9) == 0)
    base += 9;
  dot = strchr(base, '.');
  len = dot ? (size_t)(dot - base) : strlen(base);
  if (len >= size)
    len = size - 1;
  memcpy(buf, base, len);
  buf[len] = '\0';
  return buf;
}

int backoff__strategy_init(struct backoff_strategy_s *s, const char *name,
                           int may_borrow) {
  size_t i;
  int rc;

  memset(s, 0, offsetof(struct backoff_strategy_s, pool));
  s->pool_used = 0;
  rc = backoff__module_open(&s->module, name, core_names,
                            may_borrow ? &s->borrow_ : NULL);
  if (rc != 0)
    return rc;
  short_name(name, s->name, sizeof(s->name));
#define DEFAULT_ROW_(id, nm, type, field, min, max, def, ...)                 \
  s->field = (BACKOFF__CTYPE(type))(def);
  BACKOFF_PIPELINE_SETTINGS(DEFAULT_ROW_)
#undef DEFAULT_ROW_
  s->jitter = default_jitter(s);
  for (i = 0; i < s->module->nparams; i++) {
    s->values[i].value = s->module->params[i].def;
    s->values[i].list = &s->values[i].value;
    s->values[i].len = 1;
  }
  return 0;
}

void backoff__strategy_copy(struct backoff_strategy_s *dst,
                            const struct backoff_strategy_s *src) {
  size_t i, n = src->module ? src->module->nparams : 0;

  memcpy(dst, src, offsetof(struct backoff_strategy_s, pool));
  dst->borrow_ = 0; /* the caller takes a reference for the copy */
  memcpy(dst->pool, src->pool, src->pool_used * sizeof(double));
  dst->pool_used = src->pool_used;
  for (i = 0; i < n; i++) {
    if (src->values[i].list == &src->values[i].value)
      dst->values[i].list = &dst->values[i].value;
    else
      dst->values[i].list = dst->pool + (src->values[i].list - src->pool);
  }
}

void backoff__strategy_release(struct backoff_strategy_s *s) {
  if (s->module != NULL)
    backoff__module_unref(s->module, s->borrow_);
  s->module = NULL;
  s->borrow_ = 0;
}

int backoff__strategy_check(const struct backoff_strategy_s *s) {
  if (s->cap > 0 && s->minimum > s->cap)
    return backoff__fail(BACKOFF_EINVAL,
                         "minimum (%g s) is above cap (%g s): no delay can "
                         "satisfy both",
                         s->minimum, s->cap);
  return 0;
}

/* ---- public handle ---------------------------------------------------- */

int backoff_strategy_open(backoff_strategy_t **out, const char *name) {
  backoff_strategy_t *s;
  int rc;

  if (out == NULL)
    return backoff__fail(BACKOFF_EINVAL, "out is NULL");
  *out = NULL;
  s = malloc(sizeof(*s));
  if (s == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory opening a strategy");
  rc = backoff__strategy_init(s, name, 0);
  if (rc != 0) {
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

int backoff_strategy_dup(backoff_strategy_t **out,
                         const backoff_strategy_t *src) {
  backoff_strategy_t *s;

  if (out != NULL)
    *out = NULL; /* cleared before anything can fail */
  if (out == NULL || src == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  s = malloc(sizeof(*s));
  if (s == NULL)
    return backoff__fail(BACKOFF_ENOMEM, "out of memory copying a strategy");
  backoff__strategy_copy(s, src);
  backoff__module_ref(s->module);
  *out = s;
  return 0;
}

void backoff_strategy_free(backoff_strategy_t *s) {
  if (s == NULL)
    return;
  backoff__strategy_release(s);
  free(s);
}

const char *backoff_strategy_name(const backoff_strategy_t *s) {
  return s ? s->name : "";
}

const char *backoff_strategy_path(const backoff_strategy_t *s) {
  return s && s->module ? s->module->path : "";
}

const char *backoff_strategy_description(const backoff_strategy_t *s) {
  return s && s->module ? s->module->description : "";
}

int backoff_strategy_param(const backoff_strategy_t *s, size_t i,
                           backoff_param_info_t *param) {
  backoff_param_info_t info;
  const backoff_param_t *p;

  memset(&info, 0, sizeof(info));
  if (param != NULL) /* cleared before anything can fail */
    memcpy(param, &info, offsetof(backoff_param_info_t, reserved_));
  if (s == NULL || param == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  if (i >= s->module->nparams)
    return 0;
  p = &s->module->params[i];
  info.name = p->name;
  info.def = p->def;
  info.min = p->min;
  info.max = p->max;
  info.help = p->help ? p->help : "";
  info.is_list = (p->flags & BACKOFF_PARAM_LIST) != 0;
  info.is_integer = (p->flags & BACKOFF_PARAM_INTEGER) != 0;
  memcpy(param, &info, offsetof(backoff_param_info_t, reserved_));
  return 1;
}

/* ---- setting values --------------------------------------------------- */

static int check_value(const struct backoff_strategy_s *s, size_t i,
                       double v) {
  const backoff_param_t *p = &s->module->params[i];

  if (!isfinite(v) || v < p->min || v > p->max)
    return backoff__fail(BACKOFF_ERANGE, "%s: %s=%g is outside [%g, %g]",
                         s->name, p->name, v, p->min, p->max);
  if ((p->flags & BACKOFF_PARAM_INTEGER) && v != floor(v))
    return backoff__fail(BACKOFF_ERANGE, "%s: %s=%g must be a whole number",
                         s->name, p->name, v);
  return 0;
}

/* The one message for a core setting out of its bounds, from the table. */
int backoff__setting_refuse(const backoff__setting_t *st, double v) {
  char bounds[96];

  if (st->type == BACKOFF__T_JITTER)
    return backoff__fail(BACKOFF_ERANGE,
                         "jitter=%g is not a backoff_jitter_t (%s; 0: %s)", v,
                         BACKOFF__JITTER_MODES, st->zero);
  return backoff__fail(BACKOFF_ERANGE, "%s=%g must be in %s (0: %s)", st->name,
                       v, backoff__setting_bounds(st, bounds, sizeof(bounds)),
                       st->zero);
}

/* A pipeline setting is stored as a double (or a jitter mode) in the
 * handle: a row of another type would be written with the wrong width. */
#define BACKOFF__PIPELINE_TYPE_OK_(id, name, type, ...)                       \
  _Static_assert(type == BACKOFF__T_NUMBER || type == BACKOFF__T_SECONDS ||   \
                     type == BACKOFF__T_JITTER,                               \
                 name ": a pipeline setting is a number or a jitter mode");
BACKOFF_PIPELINE_SETTINGS(BACKOFF__PIPELINE_TYPE_OK_)
#undef BACKOFF__PIPELINE_TYPE_OK_

/* Stores a valid value v of pipeline row st in the handle, 0 standing for
 * the default. */
static void store_core(struct backoff_strategy_s *s,
                       const backoff__setting_t *st, double v) {
  void *field = handle_field(s, st);

  if (st->type == BACKOFF__T_JITTER) {
    const backoff_jitter_t mode =
        v == 0 ? default_jitter(s) : (backoff_jitter_t)v;
    memcpy(field, &mode, sizeof(mode));
  } else {
    v = backoff__setting_effective(st, v);
    memcpy(field, &v, sizeof(v));
  }
}

/* Every core setting of a handle is set here, whatever the way in (the
 * options, a spec, backoff_strategy_set): one check, one message, one
 * code. A jitter mode is set by its number (backoff_jitter_t). */
int backoff__strategy_set_core(struct backoff_strategy_s *s,
                               const backoff__setting_t *st, double v) {
  if (backoff__setting_check(st, v) != 0)
    return backoff__setting_refuse(st, v);
  store_core(s, st, v);
  return 0;
}

static double get_core(const struct backoff_strategy_s *s,
                       const backoff__setting_t *st) {
  const void *field = handle_field(s, st);
  double v;

  if (st->type == BACKOFF__T_JITTER) {
    backoff_jitter_t mode;
    memcpy(&mode, field, sizeof(mode));
    return (double)mode;
  }
  memcpy(&v, field, sizeof(v));
  return v;
}

/* Lists longer than one value live in the shared pool; rebuilding it on
 * each change keeps it compact without bookkeeping. */
static int set_list(struct backoff_strategy_s *s, size_t i, const double *v,
                    size_t n) {
  double tmp[BACKOFF_LIST_MAX];
  size_t j, used = 0, k;
  const backoff_param_t *p = &s->module->params[i];
  int rc;

  if (n == 0 || n > BACKOFF_LIST_MAX)
    return backoff__fail(BACKOFF_ERANGE,
                         "%s: %s needs 1 to %d values (got %zu)", s->name,
                         p->name, BACKOFF_LIST_MAX, n);
  for (k = 0; k < n; k++)
    if ((rc = check_value(s, i, v[k])) != 0)
      return rc;
  for (j = 0; j < s->module->nparams; j++)
    if (j != i && s->values[j].len > 1)
      used += s->values[j].len;
  if (n > 1 && used + n > BACKOFF_LIST_MAX)
    return backoff__fail(BACKOFF_ERANGE, "%s: lists may hold %d values in all",
                         s->name, BACKOFF_LIST_MAX);
  used = 0;
  for (j = 0; j < s->module->nparams; j++) {
    if (j == i || s->values[j].len <= 1)
      continue;
    memcpy(tmp + used, s->values[j].list, s->values[j].len * sizeof(double));
    s->values[j].list = s->pool + used;
    used += s->values[j].len;
  }
  if (n > 1) {
    memcpy(tmp + used, v, n * sizeof(double));
    s->values[i].list = s->pool + used;
    used += n;
  } else {
    s->values[i].list = &s->values[i].value;
  }
  memcpy(s->pool, tmp, used * sizeof(double));
  s->pool_used = used;
  s->values[i].len = n;
  s->values[i].value = v[0];
  return 0;
}

static int set_by_name(struct backoff_strategy_s *s, const char *name,
                       size_t len, double v) {
  const backoff__setting_t *core = core_setting(name, len);
  long i;

  if (core != NULL)
    return backoff__strategy_set_core(s, core, v);
  if ((i = find_param(s, name, len)) < 0)
    return no_such_param(s, name, len);
  return set_list(s, (size_t)i, &v, 1);
}

int backoff_strategy_set(backoff_strategy_t *s, const char *name,
                         double value) {
  if (s == NULL || name == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  return set_by_name(s, name, strlen(name), value);
}

int backoff_strategy_set_list(backoff_strategy_t *s, const char *name,
                              const double *values, size_t count) {
  long i;

  if (s == NULL || name == NULL || (values == NULL && count > 0))
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  if ((i = find_param(s, name, strlen(name))) < 0)
    return no_such_param(s, name, strlen(name));
  if (!(s->module->params[i].flags & BACKOFF_PARAM_LIST) && count != 1)
    return backoff__fail(BACKOFF_ERANGE, "%s: %s takes one value, not a list",
                         s->name, name);
  return set_list(s, (size_t)i, values, count);
}

int backoff_strategy_set_jitter(backoff_strategy_t *s, backoff_jitter_t mode) {
  if (s == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL strategy");
  return backoff__strategy_set_core(s, &backoff__settings[BACKOFF__SET_JITTER],
                                    (double)(int)mode);
}

int backoff_strategy_get(const backoff_strategy_t *s, const char *name,
                         double *value) {
  const backoff__setting_t *core;
  long i;

  if (value != NULL)
    *value = 0;
  if (s == NULL || name == NULL || value == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  if ((core = core_setting(name, strlen(name))) != NULL) {
    *value = get_core(s, core);
    return 0;
  }
  if ((i = find_param(s, name, strlen(name))) < 0)
    return no_such_param(s, name, strlen(name));
  *value = s->values[i].value;
  return 0;
}

/* ---- the "name=value,..." syntax -------------------------------------- */

static const char *trim(const char *b, const char **e) {
  while (b < *e && (*b == ' ' || *b == '\t'))
    b++;
  while (*e > b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
    (*e)--;
  return b;
}

/* The list being gathered for a list parameter, committed at the next key
 * or at the end. */
typedef struct {
  long param;
  double v[BACKOFF_LIST_MAX];
  size_t n;
} pending_t;

static int flush(struct backoff_strategy_s *s, pending_t *pl) {
  int rc = 0;
  if (pl->param >= 0)
    rc = set_list(s, (size_t)pl->param, pl->v, pl->n);
  pl->param = -1;
  pl->n = 0;
  return rc;
}

static int configure_item(struct backoff_strategy_s *s, pending_t *pl,
                          const char *b, const char *e) {
  const backoff__setting_t *core;
  const char *eq = memchr(b, '=', (size_t)(e - b));
  const char *key, *kend, *val, *vend;
  double v;
  long i;
  int rc;

  if (eq == NULL) {
    /* A bare value continues the list parameter just named. */
    if (pl->param < 0)
      return backoff__fail(BACKOFF_ESYNTAX, "'%.*s': expected name=value",
                           (int)(e - b), b);
    if (pl->n == BACKOFF_LIST_MAX)
      return backoff__fail(BACKOFF_ERANGE, "a list holds at most %d values",
                           BACKOFF_LIST_MAX);
    if (backoff__parse_double(b, (size_t)(e - b), &v) != 0)
      return backoff__fail(BACKOFF_ESYNTAX, "'%.*s' is not a number",
                           (int)(e - b), b);
    pl->v[pl->n++] = v;
    return 0;
  }
  if ((rc = flush(s, pl)) != 0)
    return rc;
  kend = eq;
  key = trim(b, &kend);
  vend = e;
  val = trim(eq + 1, &vend);
  if (key == kend)
    return backoff__fail(BACKOFF_ESYNTAX, "'%.*s': missing name before '='",
                         (int)(e - b), b);
  if (val == vend)
    return backoff__fail(BACKOFF_ESYNTAX, "'%.*s': missing value after '='",
                         (int)(e - b), b);
  core = core_setting(key, (size_t)(kend - key));
  if (core != NULL && core->type == BACKOFF__T_JITTER) {
    backoff__value_t mode;
    if (backoff__setting_parse(core, val, (size_t)(vend - val), &mode) != 0)
      return backoff__fail(BACKOFF_ESYNTAX, "unknown jitter mode '%.*s' (%s)",
                           (int)(vend - val), val, BACKOFF__JITTER_MODES);
    return backoff__strategy_set_core(s, core, (double)mode.mode);
  }
  rc = backoff__parse_double(val, (size_t)(vend - val), &v);
  if (rc != 0)
    return backoff__fail(rc, "%.*s: '%.*s' is not a finite decimal number",
                         (int)(kend - key), key, (int)(vend - val), val);
  i = core == NULL ? find_param(s, key, (size_t)(kend - key)) : -1;
  if (i >= 0 && (s->module->params[i].flags & BACKOFF_PARAM_LIST)) {
    pl->param = i;
    pl->v[0] = v;
    pl->n = 1;
    return 0;
  }
  return set_by_name(s, key, (size_t)(kend - key), v);
}

int backoff_strategy_configure(backoff_strategy_t *s, const char *spec) {
  struct backoff_strategy_s work;
  pending_t pl;
  const char *p;
  int rc = 0;

  if (s == NULL || spec == NULL)
    return backoff__fail(BACKOFF_EINVAL, "NULL argument");
  backoff__strategy_copy(&work, s);
  pl.param = -1;
  pl.n = 0;
  p = spec;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '\0')
    return 0;
  for (p = spec; rc == 0;) {
    const char *end = strchr(p, ',');
    const char *e = end ? end : p + strlen(p);
    const char *b = trim(p, &e);
    if (b == e)
      rc = backoff__fail(BACKOFF_ESYNTAX, "empty item in '%s'", spec);
    else
      rc = configure_item(&work, &pl, b, e);
    if (end == NULL)
      break;
    p = end + 1;
  }
  if (rc == 0)
    rc = flush(&work, &pl);
  if (rc == 0)
    backoff__strategy_copy(s, &work);
  return rc;
}
