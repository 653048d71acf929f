/* SPDX-License-Identifier: MIT */
/* A POSIX ERE compiled to a Thompson program and run as a Pike VM without
 * captures: the set of live program counters advances one byte at a time,
 * so a match costs O(text * program) with no backtracking. See ere.h. */
#include "config.h"

#include "ere.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUP_MAX 32767 /* glibc's RE_DUP_MAX: larger bounds are refused */

enum op {
  OP_BYTE,   /* consume a byte of sets[x] */
  OP_SPLIT,  /* go on at x and at y */
  OP_JMP,    /* go on at x */
  OP_MATCH,  /* the pattern matched */
  OP_BOL,    /* ^ */
  OP_EOL,    /* $ */
  OP_BEGIN,  /* \` */
  OP_END,    /* \' */
  OP_WORDB,  /* \b */
  OP_NWORDB, /* \B */
  OP_WBEG,   /* \< */
  OP_WEND    /* \> */
};

typedef struct {
  unsigned char bits[32];
} byteset_t;

typedef struct {
  unsigned char op;
  unsigned x, y; /* OP_BYTE: x is the byte set; OP_SPLIT/OP_JMP: targets */
} inst_t;

struct backoff_ere_s {
  inst_t *prog;
  byteset_t *sets;
  unsigned nprog;
  /* When no thread is alive, a match can only start at a byte of
   * 'first' (when first_ok: the start needs a byte, no anchor first), or
   * only at the start of the line (bol_only: every way begins with ^). */
  byteset_t first;
  int first_ok, bol_only;
  /* Scratch for backoff_ere_match: the byte tests alive before and after
   * the current byte, the generation each step was last added in (so a
   * step joins a list once), and the stack of the closure's walk. */
  unsigned *list[2], *mark, *stack;
  unsigned gen;
};

/* The parse tree. Nodes live in one array and refer to each other by
 * index; the program is emitted from it, a repeated subtree once per
 * copy. */
enum kind { N_EMPTY, N_SET, N_ASSERT, N_CAT, N_ALT, N_REP };

typedef struct {
  unsigned char kind;
  unsigned char assert_op;
  unsigned a, b; /* N_CAT, N_ALT: children; N_REP: a; N_SET: a = set */
  int min, max;  /* N_REP; max -1: no upper bound */
  unsigned size; /* program steps, at most BACKOFF_ERE_MAX_STEPS + 1 */
} node_t;

typedef struct {
  const char *p;
  node_t *nodes;
  size_t nnodes, capnodes;
  byteset_t *sets;
  size_t nsets, capsets;
  int depth;
  char *err;
  size_t errlen;
  int failed;
} parser_t;

static void fail(parser_t *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(parser_t *ps, const char *fmt, ...) {
  va_list ap;
  char *q;
  if (ps->failed)
    return;
  ps->failed = 1;
  va_start(ap, fmt);
  vsnprintf(ps->err, ps->errlen, fmt, ap);
  va_end(ap);
  /* The message quotes the pattern, which may hold a newline or bytes
   * that are not text: one line of ASCII. */
  for (q = ps->errlen > 0 ? ps->err : NULL; q != NULL && *q != '\0'; q++)
    if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
      *q = '?';
}

static void set_add(byteset_t *s, unsigned c) {
  s->bits[c >> 3] |= (unsigned char)(1u << (c & 7));
}

static int set_has(const byteset_t *s, unsigned c) {
  return (s->bits[c >> 3] >> (c & 7)) & 1;
}

static void set_union(byteset_t *s, const byteset_t *t) {
  size_t i;
  for (i = 0; i < sizeof(s->bits); i++)
    s->bits[i] |= t->bits[i];
}

static int is_word(unsigned c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

/* ARR (N used of *CAP elements of SIZE bytes), with room for one more:
 * the same or a bigger block, or NULL when out of memory. */
static void *grow(parser_t *ps, void *arr, size_t n, size_t *cap,
                  size_t size) {
  void *bigger;
  if (n < *cap)
    return arr;
  if ((bigger = realloc(arr, (*cap ? *cap * 2 : 32) * size)) == NULL) {
    fail(ps, "out of memory");
    return NULL;
  }
  *cap = *cap ? *cap * 2 : 32;
  return bigger;
}

static unsigned new_node(parser_t *ps, unsigned char kind) {
  node_t *nodes =
      grow(ps, ps->nodes, ps->nnodes, &ps->capnodes, sizeof(node_t));
  if (nodes == NULL)
    return 0;
  ps->nodes = nodes;
  memset(&nodes[ps->nnodes], 0, sizeof(node_t));
  nodes[ps->nnodes].kind = kind;
  nodes[ps->nnodes].size = kind == N_SET || kind == N_ASSERT;
  return (unsigned)ps->nnodes++;
}

static unsigned new_set(parser_t *ps, const byteset_t *s) {
  byteset_t *sets =
      grow(ps, ps->sets, ps->nsets, &ps->capsets, sizeof(byteset_t));
  unsigned n;
  if (sets == NULL)
    return 0;
  ps->sets = sets;
  sets[ps->nsets] = *s;
  n = new_node(ps, N_SET);
  if (!ps->failed)
    ps->nodes[n].a = (unsigned)ps->nsets++;
  return n;
}

/* Node N's program size, from its children's: what emit_node() writes
 * for it, saturated above the limit. */
static void set_size(parser_t *ps, unsigned n) {
  node_t *nd = &ps->nodes[n];
  const unsigned long cap = BACKOFF_ERE_MAX_STEPS + 1ul,
                      a = ps->nodes[nd->a].size;
  unsigned long total;

  if (nd->kind == N_CAT)
    total = a + ps->nodes[nd->b].size;
  else if (nd->kind == N_ALT)
    total = a + ps->nodes[nd->b].size + 2;
  else if (nd->max < 0) /* min-1 copies, then x+ (or x* when min is 0) */
    total = nd->min == 0 ? a + 2 : (unsigned long)nd->min * a + 1;
  else /* min copies, then max-min of x? */
    total = (unsigned long)nd->min * a +
            (unsigned long)(nd->max - nd->min) * (a + 1);
  if (a == 0 && nd->kind == N_REP) /* a repeated nothing is nothing */
    total = 0;
  nd->size = (unsigned)(total > cap ? cap : total);
}

static unsigned pair(parser_t *ps, unsigned char kind, unsigned a,
                     unsigned b) {
  unsigned n = new_node(ps, kind);
  if (!ps->failed) {
    ps->nodes[n].a = a;
    ps->nodes[n].b = b;
    if (kind != N_REP) /* its bounds come next */
      set_size(ps, n);
  }
  return n;
}

/* The classes of the C locale, as <ctype.h> defines them there (whatever
 * locale the process has set). */
static int is_alpha(unsigned c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned c) { return is_alpha(c) || is_digit(c); }
static int is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
static int is_space(unsigned c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}
static int is_blank(unsigned c) { return c == ' ' || c == '\t'; }
static int is_graph(unsigned c) { return c > ' ' && c < 0x7f; }
static int is_punct(unsigned c) { return is_graph(c) && !is_alnum(c); }
static int is_print(unsigned c) { return is_graph(c) || c == ' '; }
static int is_cntrl(unsigned c) { return c < ' ' || c == 0x7f; }
static int is_xdigit(unsigned c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

typedef int (*class_fn)(unsigned c);

static const struct {
  const char *name;
  class_fn has;
} classes[] = {
    {"alpha", is_alpha}, {"digit", is_digit}, {"alnum", is_alnum},
    {"upper", is_upper}, {"lower", is_lower}, {"space", is_space},
    {"blank", is_blank}, {"punct", is_punct}, {"print", is_print},
    {"graph", is_graph}, {"cntrl", is_cntrl}, {"xdigit", is_xdigit}};

/* The class NAME (LEN bytes) names, or NULL. */
static class_fn class_named(const char *name, size_t len) {
  size_t i;
  for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
    if (strlen(classes[i].name) == len &&
        memcmp(classes[i].name, name, len) == 0)
      return classes[i].has;
  return NULL;
}

/* Adds to S the bytes (never NUL) for which HAS is NEGATE's opposite. */
static void add_class(byteset_t *s, class_fn has, int negate) {
  unsigned c;
  for (c = 1; c < 256; c++)
    if ((has(c) != 0) != negate)
      set_add(s, c);
}

/* [.c.] or [=c=]; ps->p is at the '.' or '='. In the C locale each
 * names the one character it holds. */
static int bracket_elem(parser_t *ps, char kind, int *c) {
  const char *start = ps->p + 1;
  const char close[3] = {kind, ']', '\0'};
  const char *end;
  if (start[0] != '\0' && start[1] == kind && start[2] == ']') {
    *c = (unsigned char)start[0];
    ps->p = start + 3;
    return 0;
  }
  if ((end = strstr(start, close)) == NULL)
    fail(ps, "unmatched '[%c'", kind);
  else
    fail(ps, "[%c%.*s%c]: only single characters are supported", kind,
         (int)(end - start), start, kind);
  return -1;
}

#define EQUIV 0x100 /* bracket_char: an equivalence class, not a range end */

/* One end of a range or a lone character (| EQUIV for [=c=]); -2 when it
 * was a class. */
static int bracket_char(parser_t *ps, byteset_t *s) {
  int c;
  if (ps->p[0] == '[' && (ps->p[1] == '.' || ps->p[1] == '=')) {
    const char kind = ps->p[1];
    ps->p++;
    if (bracket_elem(ps, kind, &c) != 0)
      return -1;
    return kind == '=' ? EQUIV | c : c;
  }
  if (ps->p[0] == '[' && ps->p[1] == ':') {
    const char *name = ps->p + 2, *end = strstr(name, ":]");
    class_fn has;
    if (end == NULL) {
      fail(ps, "unmatched '[:'");
      return -1;
    }
    if ((has = class_named(name, (size_t)(end - name))) == NULL) {
      fail(ps, "unknown character class [:%.*s:]", (int)(end - name), name);
      return -1;
    }
    add_class(s, has, 0);
    ps->p = end + 2;
    return -2;
  }
  return (unsigned char)*ps->p++;
}

#define NO_RANGE "a range cannot begin or end with a class [:...:] or [=...=]"

/* Adds LO, or the range from LO when a '-' follows, to S; -1 on error. */
static int bracket_range(parser_t *ps, byteset_t *s, int lo) {
  int hi, c;
  if (ps->p[0] != '-' || ps->p[1] == ']' || ps->p[1] == '\0') {
    set_add(s, (unsigned)lo & 0xff);
    return 0;
  }
  ps->p++;
  if ((hi = bracket_char(ps, s)) == -1)
    return -1;
  if (hi == -2 || (lo | hi) & EQUIV) {
    fail(ps, NO_RANGE);
    return -1;
  }
  if (hi < lo) {
    fail(ps, "invalid range %c-%c: its end sorts before its start", lo, hi);
    return -1;
  }
  if (ps->p[0] == '-' && ps->p[1] != ']') {
    fail(ps, "invalid range: '-' after the range %c-%c", lo, hi);
    return -1;
  }
  for (c = lo; c <= hi; c++)
    set_add(s, (unsigned)c);
  return 0;
}

/* A bracket expression; ps->p is just past its '['. */
static unsigned bracket(parser_t *ps) {
  byteset_t s;
  int negate = 0, first = 1, lo;
  size_t i;

  memset(&s, 0, sizeof(s));
  if (*ps->p == '^') {
    negate = 1;
    ps->p++;
  }
  for (; *ps->p != ']' || first; first = 0) {
    if (*ps->p == '\0') {
      fail(ps, "unmatched '['");
      return 0;
    }
    if ((lo = bracket_char(ps, &s)) == -1)
      return 0;
    if (lo == -2 && ps->p[0] == '-' && ps->p[1] != ']' && ps->p[1] != '\0') {
      fail(ps, NO_RANGE);
      return 0;
    }
    if (lo != -2 && bracket_range(ps, &s, lo) != 0)
      return 0;
  }
  ps->p++; /* ] */
  if (negate)
    for (i = 0; i < sizeof(s.bits); i++)
      s.bits[i] = (unsigned char)~s.bits[i];
  s.bits[0] &= (unsigned char)~1u; /* NUL */
  return new_set(ps, &s);
}

/* \w \W \s \S: [_[:alnum:]], [^_[:alnum:]], [[:space:]], [^[:space:]]. */
static unsigned class_set(parser_t *ps, unsigned char c) {
  byteset_t s;
  memset(&s, 0, sizeof(s));
  add_class(&s, c == 'w' || c == 'W' ? is_word : is_space,
            c == 'W' || c == 'S');
  return new_set(ps, &s);
}

static unsigned assertion(parser_t *ps, unsigned char op) {
  unsigned n = new_node(ps, N_ASSERT);
  if (!ps->failed)
    ps->nodes[n].assert_op = op;
  return n;
}

/* A backslash sequence outside brackets; ps->p is just past the '\'. */
static unsigned escape(parser_t *ps) {
  const unsigned char c = (unsigned char)*ps->p;
  byteset_t s;

  if (c == '\0') {
    fail(ps, "trailing backslash");
    return 0;
  }
  ps->p++;
  switch (c) {
  case 'w':
  case 'W':
  case 's':
  case 'S':
    return class_set(ps, c);
  case 'b':
    return assertion(ps, OP_WORDB);
  case 'B':
    return assertion(ps, OP_NWORDB);
  case '<':
    return assertion(ps, OP_WBEG);
  case '>':
    return assertion(ps, OP_WEND);
  case '`':
    return assertion(ps, OP_BEGIN);
  case '\'':
    return assertion(ps, OP_END);
  default:
    break;
  }
  if (c >= '1' && c <= '9') {
    fail(ps,
         "back-references (\\%c) are not supported: they are not part "
         "of an ERE, and matching them can take exponential time",
         c);
    return 0;
  }
  memset(&s, 0, sizeof(s));
  set_add(&s, c);
  return new_set(ps, &s);
}

static unsigned parse_alt(parser_t *ps);

/* An atom, or ~0u when there is none here (end, '|' or ')'). */
static unsigned parse_atom(parser_t *ps) {
  byteset_t s;
  const char c = *ps->p;
  unsigned n;

  switch (c) {
  case '\0':
  case '|':
    return ~0u;
  case ')':
    if (ps->depth > 0)
      return ~0u;
    break; /* an unmatched ')' is an ordinary character */
  case '(':
    if (ps->depth >= BACKOFF_ERE_MAX_DEPTH) {
      fail(ps, "parentheses nest deeper than %d", BACKOFF_ERE_MAX_DEPTH);
      return 0;
    }
    ps->p++;
    ps->depth++;
    n = parse_alt(ps);
    ps->depth--;
    if (ps->failed)
      return 0;
    if (*ps->p != ')') {
      fail(ps, "unmatched '('");
      return 0;
    }
    ps->p++;
    return n;
  case '[':
    ps->p++;
    return bracket(ps);
  case '\\':
    ps->p++;
    return escape(ps);
  case '.':
    ps->p++;
    memset(&s, 0xff, sizeof(s));
    s.bits[0] &= (unsigned char)~1u;
    return new_set(ps, &s);
  case '^':
    ps->p++;
    return assertion(ps, OP_BOL);
  case '$':
    ps->p++;
    return assertion(ps, OP_EOL);
  case '*':
  case '+':
  case '?':
  case '{':
    fail(ps, "'%c' repeats nothing", c);
    return 0;
  default:
    break;
  }
  ps->p++;
  memset(&s, 0, sizeof(s));
  set_add(&s, (unsigned char)c);
  return new_set(ps, &s);
}

static int parse_count(parser_t *ps, int *v) {
  long n = 0;
  if (*ps->p < '0' || *ps->p > '9')
    return 0;
  while (*ps->p >= '0' && *ps->p <= '9') {
    if (n <= DUP_MAX)
      n = n * 10 + (*ps->p - '0');
    ps->p++;
  }
  *v = n > DUP_MAX ? DUP_MAX + 1 : (int)n;
  return 1;
}

/* {m}, {m,}, {m,n} or {,n}; ps->p is just past the '{'. */
static int parse_interval(parser_t *ps, int *min, int *max) {
  const char *start = ps->p - 1;
  const int have_min = parse_count(ps, min);
  const int comma = *ps->p == ',';
  if (!have_min)
    *min = 0;
  if (comma) {
    ps->p++;
    if (!parse_count(ps, max))
      *max = -1;
  } else {
    *max = *min;
  }
  if (*ps->p != '}' || (!have_min && !comma)) { /* {,} is glibc's '*' */
    const char *close = strchr(start, '}');
    if (close == NULL)
      fail(ps, "unmatched '{'");
    else
      fail(ps, "invalid interval %.*s: expected {m}, {m,}, {m,n} or {,n}",
           (int)(close - start + 1), start);
    return -1;
  }
  ps->p++;
  if (*min > DUP_MAX || *max > DUP_MAX) {
    fail(ps, "a repetition count above %d", DUP_MAX);
    return -1;
  }
  if (*max >= 0 && *max < *min) {
    fail(ps, "invalid interval {%d,%d}: its maximum is below its minimum",
         *min, *max);
    return -1;
  }
  return 0;
}

/* An atom and the repetitions after it. */
static unsigned parse_repeat(parser_t *ps) {
  /* A bare anchor cannot repeat; a group holding one can, as in glibc. */
  const int group = *ps->p == '(';
  unsigned n = parse_atom(ps);
  int is_assert;

  if (ps->failed || n == ~0u)
    return n;
  is_assert = !group && ps->nodes[n].kind == N_ASSERT;
  for (;;) {
    int min, max;
    const char c = *ps->p;
    if (c == '*' || c == '+' || c == '?') {
      ps->p++;
      min = c == '+';
      max = c == '?' ? 1 : -1;
    } else if (c == '{') {
      ps->p++;
      if (parse_interval(ps, &min, &max) != 0)
        return 0;
    } else {
      return n;
    }
    if (is_assert) {
      fail(ps, "'%c' repeats an anchor", c);
      return 0;
    }
    {
      const unsigned r = pair(ps, N_REP, n, 0);
      if (ps->failed)
        return 0;
      ps->nodes[r].min = min;
      ps->nodes[r].max = max;
      set_size(ps, r);
      n = r;
    }
  }
}

static unsigned parse_cat(parser_t *ps) {
  unsigned n = ~0u;
  for (;;) {
    const unsigned m = parse_repeat(ps);
    if (ps->failed)
      return 0;
    if (m == ~0u)
      break;
    n = n == ~0u ? m : pair(ps, N_CAT, n, m);
  }
  return n == ~0u ? new_node(ps, N_EMPTY) : n;
}

static unsigned parse_alt(parser_t *ps) {
  unsigned n = parse_cat(ps);
  while (!ps->failed && *ps->p == '|') {
    ps->p++;
    n = pair(ps, N_ALT, n, parse_cat(ps));
  }
  return n;
}

typedef struct {
  inst_t *prog;
  unsigned n;
} emitter_t;

static unsigned emit(emitter_t *e, unsigned char op, unsigned x, unsigned y) {
  e->prog[e->n].op = op;
  e->prog[e->n].x = x;
  e->prog[e->n].y = y;
  return e->n++;
}

static void emit_node(emitter_t *e, const parser_t *ps, unsigned n) {
  const node_t *nd = &ps->nodes[n];
  unsigned split, jmp, i, l;

  if (nd->size == 0) /* also a nest of repetitions of nothing: "(()*){9}" */
    return;
  switch (nd->kind) {
  case N_EMPTY:
    return;
  case N_SET:
    emit(e, OP_BYTE, nd->a, 0);
    return;
  case N_ASSERT:
    emit(e, nd->assert_op, 0, 0);
    return;
  case N_CAT:
    emit_node(e, ps, nd->a);
    emit_node(e, ps, nd->b);
    return;
  case N_ALT:
    split = emit(e, OP_SPLIT, 0, 0);
    e->prog[split].x = e->n;
    emit_node(e, ps, nd->a);
    jmp = emit(e, OP_JMP, 0, 0);
    e->prog[split].y = e->n;
    emit_node(e, ps, nd->b);
    e->prog[jmp].x = e->n;
    return;
  default:
    break;
  }
  if (nd->max < 0 && nd->min == 0) { /* x*: L: split M, E; M: x; jmp L */
    split = emit(e, OP_SPLIT, 0, 0);
    e->prog[split].x = e->n;
    emit_node(e, ps, nd->a);
    emit(e, OP_JMP, split, 0);
    e->prog[split].y = e->n;
    return;
  }
  for (i = 1; i < (unsigned)nd->min; i++)
    emit_node(e, ps, nd->a);
  if (nd->max < 0) { /* x+: L: x; split L, E */
    l = e->n;
    emit_node(e, ps, nd->a);
    emit(e, OP_SPLIT, l, e->n + 1);
    return;
  }
  if (nd->min > 0)
    emit_node(e, ps, nd->a);
  for (i = (unsigned)nd->min; i < (unsigned)nd->max; i++) { /* x? */
    split = emit(e, OP_SPLIT, 0, 0);
    e->prog[split].x = e->n;
    emit_node(e, ps, nd->a);
    e->prog[split].y = e->n;
  }
}

/* Where a match can begin: at the bytes of 'first', or only where '^'
 * holds. */
static void first_bytes(backoff_ere_t *re) {
  unsigned sp = 0, pc;
  int bytes = 0, bol = 0, other = 0;

  memset(&re->first, 0, sizeof(re->first));
  re->stack[sp++] = 0;
  while (sp > 0) {
    pc = re->stack[--sp];
    if (re->mark[pc])
      continue;
    re->mark[pc] = 1;
    switch (re->prog[pc].op) {
    case OP_BYTE:
      set_union(&re->first, &re->sets[re->prog[pc].x]);
      bytes = 1;
      break;
    case OP_SPLIT:
      re->stack[sp++] = re->prog[pc].y;
      re->stack[sp++] = re->prog[pc].x;
      break;
    case OP_JMP:
      re->stack[sp++] = re->prog[pc].x;
      break;
    case OP_BOL:
      bol = 1;
      break;
    default: /* another anchor, or an empty match */
      other = 1;
      break;
    }
  }
  memset(re->mark, 0, re->nprog * sizeof(unsigned));
  re->first_ok = !bol && !other;
  re->bol_only = bol && !bytes && !other;
}

/* An empty program of SIZE steps with its scratch, or NULL. */
static backoff_ere_t *new_program(unsigned size) {
  backoff_ere_t *re = calloc(1, sizeof(*re));
  if (re == NULL)
    return NULL;
  re->nprog = size;
  re->prog = malloc(size * sizeof(inst_t));
  re->list[0] = malloc(size * sizeof(unsigned));
  re->list[1] = malloc(size * sizeof(unsigned));
  re->mark = calloc(size, sizeof(unsigned));
  /* The start, then at most two per step visited once. */
  re->stack = malloc((2 * (size_t)size + 1) * sizeof(unsigned));
  if (re->prog == NULL || re->list[0] == NULL || re->list[1] == NULL ||
      re->mark == NULL || re->stack == NULL) {
    backoff_ere_free(re);
    return NULL;
  }
  return re;
}

backoff_ere_t *backoff_ere_compile(const char *pattern, char *err,
                                   size_t errlen) {
  parser_t ps;
  backoff_ere_t *re;
  unsigned root, size;
  emitter_t e;

  memset(&ps, 0, sizeof(ps));
  ps.p = pattern;
  ps.err = err;
  ps.errlen = errlen;
  /* The tree is walked recursively, as deep as the pattern is long. */
  if (strlen(pattern) > BACKOFF_ERE_MAX_STEPS) {
    fail(&ps, "the expression is longer than %d bytes", BACKOFF_ERE_MAX_STEPS);
    return NULL;
  }
  /* At depth 0 a ')' is an ordinary character: the whole pattern is read. */
  root = parse_alt(&ps);
  if (ps.failed)
    goto fail_parse;
  if ((size = ps.nodes[root].size + 1) > BACKOFF_ERE_MAX_STEPS) {
    fail(&ps,
         "the expression is too large: with its repetitions written out, it "
         "takes more than %d steps",
         BACKOFF_ERE_MAX_STEPS);
    goto fail_parse;
  }
  if ((re = new_program(size)) == NULL) {
    fail(&ps, "out of memory");
    goto fail_parse;
  }
  e.prog = re->prog;
  e.n = 0;
  emit_node(&e, &ps, root);
  emit(&e, OP_MATCH, 0, 0);
  re->sets = ps.sets;
  first_bytes(re);
  free(ps.nodes);
  return re;

fail_parse:
  free(ps.nodes);
  free(ps.sets);
  return NULL;
}

typedef struct {
  const unsigned char *text;
  size_t len;
  int flags;
} subject_t;

/* Whether the anchor OP holds at position POS. */
static int holds(unsigned char op, const subject_t *s, size_t pos) {
  const int before = pos > 0 && is_word(s->text[pos - 1]);
  const int after = pos < s->len && is_word(s->text[pos]);
  switch (op) {
  case OP_BOL:
    return pos == 0 && !(s->flags & BACKOFF_ERE_NOTBOL);
  case OP_EOL:
    return pos == s->len && !(s->flags & BACKOFF_ERE_NOTEOL);
  case OP_BEGIN:
    return pos == 0;
  case OP_END:
    return pos == s->len;
  case OP_WORDB:
    return before != after;
  case OP_NWORDB:
    return before == after;
  case OP_WBEG:
    return !before && after;
  default: /* OP_WEND */
    return before && !after;
  }
}

/* A generation no step is marked with yet. */
static unsigned fresh_gen(backoff_ere_t *re) {
  if (++re->gen == 0) {
    memset(re->mark, 0, re->nprog * sizeof(unsigned));
    re->gen = 1;
  }
  return re->gen;
}

/* Adds the byte tests PC reaches without a byte to LIST (*N long), each
 * once per generation GEN; 1 when it reaches the match. */
static int add(backoff_ere_t *re, unsigned *list, unsigned *n, unsigned pc,
               unsigned gen, const subject_t *s, size_t pos) {
  unsigned sp = 0;
  re->stack[sp++] = pc;
  while (sp > 0) {
    const inst_t *in;
    pc = re->stack[--sp];
    if (re->mark[pc] == gen)
      continue;
    re->mark[pc] = gen;
    in = &re->prog[pc];
    switch (in->op) {
    case OP_BYTE:
      list[(*n)++] = pc;
      break;
    case OP_MATCH:
      return 1;
    case OP_SPLIT:
      re->stack[sp++] = in->y;
      re->stack[sp++] = in->x;
      break;
    case OP_JMP:
      re->stack[sp++] = in->x;
      break;
    default:
      if (holds(in->op, s, pos))
        re->stack[sp++] = pc + 1;
      break;
    }
  }
  return 0;
}

/* With no thread alive at POS: where the next match could begin, or
 * SIZE_MAX when none can. */
static size_t next_start(const backoff_ere_t *re, const subject_t *s,
                         size_t pos) {
  if (re->bol_only && (pos > 0 || (s->flags & BACKOFF_ERE_NOTBOL)))
    return SIZE_MAX;
  if (re->first_ok) {
    while (pos < s->len && !set_has(&re->first, s->text[pos]))
      pos++;
    if (pos == s->len)
      return SIZE_MAX;
  }
  return pos;
}

/* Whether a match may begin at POS (the search is unanchored): not when
 * it must begin with a byte that this one is not. */
static int may_start(const backoff_ere_t *re, const subject_t *s, size_t pos) {
  return !re->first_ok || (pos < s->len && set_has(&re->first, s->text[pos]));
}

int backoff_ere_match(backoff_ere_t *re, const char *text, size_t len,
                      int flags) {
  subject_t s;
  unsigned *cur = re->list[0], *next = re->list[1], *swap;
  unsigned ncur = 0, nnext, gen, i;
  size_t pos = 0;

  s.text = (const unsigned char *)text;
  s.len = len;
  s.flags = flags;
  gen = fresh_gen(re);
  for (;;) {
    if (ncur == 0) {
      if ((pos = next_start(re, &s, pos)) == SIZE_MAX)
        return 0;
      gen = fresh_gen(re); /* the list is for this position now */
    }
    if (may_start(re, &s, pos) && add(re, cur, &ncur, 0, gen, &s, pos))
      return 1;
    if (pos == len)
      return 0;
    gen = fresh_gen(re);
    nnext = 0;
    for (i = 0; i < ncur; i++) {
      const inst_t *in = &re->prog[cur[i]];
      if (set_has(&re->sets[in->x], s.text[pos]) &&
          add(re, next, &nnext, cur[i] + 1, gen, &s, pos + 1))
        return 1;
    }
    swap = cur, cur = next, next = swap;
    ncur = nnext;
    pos++;
  }
}

void backoff_ere_free(backoff_ere_t *re) {
  if (re == NULL)
    return;
  free(re->prog);
  free(re->sets);
  free(re->list[0]);
  free(re->list[1]);
  free(re->mark);
  free(re->stack);
  free(re);
}
