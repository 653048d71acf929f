/* SPDX-License-Identifier: MIT */
/* The output patterns' matcher (tools/ere.c), called directly: hand-written
 * cases of POSIX ERE and glibc's extensions, the patterns it refuses (with
 * a one-line reason), linear time on patterns that make a backtracking
 * matcher explode, and a seeded differential test against the C library's
 * regcomp()/regexec() in the C locale. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_common.h"
#include "ere.h"

#define NOTBOL BACKOFF_ERE_NOTBOL
#define NOTEOL BACKOFF_ERE_NOTEOL

/* A pattern and a subject, as C string literals. */
typedef struct {
  const char *pat, *subj;
  int flags, want;
} ere_case_t;

/* S with its control characters and backslashes escaped, for messages. */
static const char *shown(const char *s, size_t n, char *out, size_t size) {
  size_t i, k = 0;
  for (i = 0; i < n && k + 5 < size; i++) {
    const unsigned char c = (unsigned char)s[i];
    if (c == '\n')
      k += (size_t)snprintf(out + k, size - k, "\\n");
    else if (c == '\\')
      k += (size_t)snprintf(out + k, size - k, "\\\\");
    else if (c < 0x20 || c >= 0x7f)
      k += (size_t)snprintf(out + k, size - k, "\\x%02x", c);
    else
      out[k++] = (char)c;
  }
  out[k] = '\0';
  return out;
}

/* Every expectation here is glibc's regexec(REG_EXTENDED) answer in the C
 * locale (a line without REG_NEWLINE: '.' and [^a] match '\n', and '^'
 * and '$' only the ends of the text). */
static const ere_case_t cases[] = {
    /* literals and '.' */
    {"abc", "xabcx", 0, 1},
    {"abc", "abx", 0, 0},
    {"abc", "", 0, 0},
    {"a", "A", 0, 0},
    {"a.c", "abc", 0, 1},
    {"a.c", "ac", 0, 0},
    {"a.c", "a\nc", 0, 1},
    {"a.c", "a.c", 0, 1},
    {".", "", 0, 0},
    {"...", "ab", 0, 0},
    {".", "\xff", 0, 1},
    {"\xe9t\xe9", "l'\xe9t\xe9", 0, 1},
    {"x*", "", 0, 1},
    /* anchors */
    {"^abc", "abcd", 0, 1},
    {"^abc", "xabc", 0, 0},
    {"abc$", "xabc", 0, 1},
    {"abc$", "abcx", 0, 0},
    {"^$", "", 0, 1},
    {"^$", "a", 0, 0},
    {"^a$", "a", 0, 1},
    {"^^a$$", "a", 0, 1},
    {"a^b", "ab", 0, 0},
    {"a^b", "a^b", 0, 0},
    {"a$b", "ab", 0, 0},
    {"a$b", "a$b", 0, 0},
    {"^b", "a\nb", 0, 0},
    {"a$", "a\nb", 0, 0},
    {"a$", "a\n", 0, 0},
    {"(^a|b)c", "bc", 0, 1},
    {"(^a|b)c", "xac", 0, 0},
    {"x|^a", "ba", 0, 0},
    {"a|b$", "b", 0, 1},
    {"(a|^)b", "b", 0, 1},
    {"(a|^)b", "cb", 0, 0},
    {"^", "", NOTBOL, 0},
    {"^", "abc", NOTBOL, 0},
    {"$", "", NOTEOL, 0},
    {"^a", "a", NOTBOL, 0},
    {"x|^a", "a", NOTBOL, 0},
    {"a$", "a", NOTEOL, 0},
    {"a", "a", NOTBOL | NOTEOL, 1},
    {"^$", "", NOTBOL, 0},
    {"^$", "", NOTEOL, 0},
    {"^a", "a", NOTEOL, 1},
    {"a$", "a", NOTBOL, 1},
    {"^a|b$", "ab", NOTBOL | NOTEOL, 0},
    {"^a|b$", "ab", NOTBOL, 1},
    /* alternation, with empty alternatives */
    {"a|b", "b", 0, 1},
    {"a|b", "c", 0, 0},
    {"abc|def", "xdefx", 0, 1},
    {"abc|def", "abdef", 0, 1},
    {"abc|def", "abde", 0, 0},
    {"a|b|c|d|e", "e", 0, 1},
    {"a|", "zzz", 0, 1},
    {"|a", "", 0, 1},
    {"a||b", "c", 0, 1},
    {"()", "", 0, 1},
    {"()", "x", 0, 1},
    {"(|a)b", "b", 0, 1},
    {"a(|b)c", "ac", 0, 1},
    {"a(|b)c", "abc", 0, 1},
    {"a(|b)c", "abbc", 0, 0},
    {"(a|b|)+c", "c", 0, 1},
    {"^(a|)$", "b", 0, 0},
    /* groups */
    {"(ab)c", "abc", 0, 1},
    {"(ab)c", "acb", 0, 0},
    {"((a)(b))", "ab", 0, 1},
    {"(a(b(c)))d", "abcd", 0, 1},
    {"(a(b(c)))d", "abd", 0, 0},
    {"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "abcdefghij", 0, 1},
    {"^(ab|a)(bc|c)$", "abc", 0, 1},
    /* repetition */
    {"ab*c", "ac", 0, 1},
    {"ab*c", "abbbc", 0, 1},
    {"ab+c", "ac", 0, 0},
    {"ab+c", "abbc", 0, 1},
    {"ab?c", "ac", 0, 1},
    {"ab?c", "abc", 0, 1},
    {"ab?c", "abbc", 0, 0},
    {"^a{3}$", "aaa", 0, 1},
    {"^a{3}$", "aa", 0, 0},
    {"^a{3}$", "aaaa", 0, 0},
    {"^a{2,}$", "a", 0, 0},
    {"^a{2,}$", "aa", 0, 1},
    {"^a{2,}$", "aaaaa", 0, 1},
    {"^a{2,3}$", "a", 0, 0},
    {"^a{2,3}$", "aa", 0, 1},
    {"^a{2,3}$", "aaa", 0, 1},
    {"^a{2,3}$", "aaaa", 0, 0},
    {"^a{,2}$", "", 0, 1},
    {"^a{,2}$", "aa", 0, 1},
    {"^a{,2}$", "aaa", 0, 0},
    {"^a{0}$", "", 0, 1},
    {"^a{0}$", "a", 0, 0},
    {"^a{0}b$", "b", 0, 1},
    {"a{0}", "xyz", 0, 1},
    {"^a{0,0}b$", "ab", 0, 0},
    {"^a{1,1}$", "a", 0, 1},
    {"^(ab){2}$", "abab", 0, 1},
    {"^(ab){2}$", "ab", 0, 0},
    {"^a{1}{2}$", "aa", 0, 1},
    {"^(a|b){2,3}c$", "abac", 0, 1},
    {"^(a|b){2,3}c$", "ababc", 0, 0},
    /* nested repetitions */
    {"(a*)*", "", 0, 1},
    {"^(a*)*$", "aaa", 0, 1},
    {"^(a*)*$", "aab", 0, 0},
    {"^(a*)+$", "", 0, 1},
    {"^(a*|b)*$", "abab", 0, 1},
    {"^(a|b*)+$", "abba", 0, 1},
    {"^(a|b*)+$", "abc", 0, 0},
    {"^a**$", "aaa", 0, 1},
    {"^a**$", "aba", 0, 0},
    {"^a+?$", "", 0, 1},
    {"^a+?$", "aa", 0, 1},
    {"^a+?$", "b", 0, 0},
    {"^a?*$", "aaa", 0, 1},
    {"^a*+$", "", 0, 1},
    {"^(a+)+$", "aaaa", 0, 1},
    {"^(a+)+b$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaac", 0, 0},
    {"^(a?){3}a{3}$", "aaa", 0, 1},
    {"^((a{2}){2}){2}$", "aaaaaaaa", 0, 1},
    {"^((a{2}){2}){2}$", "aaaaaaa", 0, 0},
    {"^(()|a)+$", "aa", 0, 1},
    {"^(a|ab)(c|bcd)(d*)$", "abcd", 0, 1},
    {"^(a{0,2}){2}b$", "aaaab", 0, 1},
    {"^(a{0,2}){2}b$", "aaaaab", 0, 0},
    /* an anchor in a repeated group ('^*' is refused, '(^)*' is not) */
    {"(^)*a", "ba", 0, 1},
    {"b(^)+", "b", 0, 0},
    {"b($)?", "bc", 0, 1},
    {"a(\\b){2}", "a", 0, 1},
    {"(^|a)+b", "xab", NOTBOL, 1},
    /* {,} is {0,} */
    {"^a{,}$", "aaa", 0, 1},
    {"^ba{,}$", "b", 0, 1},
    /* bracket expressions */
    {"[abc]", "xbx", 0, 1},
    {"[abc]", "xyz", 0, 0},
    {"[a-c]", "b", 0, 1},
    {"[a-c]", "d", 0, 0},
    {"[a-cx-z]", "y", 0, 1},
    {"[^a-c]", "abc", 0, 0},
    {"[^a-c]", "abcd", 0, 1},
    {"[^a]", "\n", 0, 1},
    {"[^a]", "\xe9", 0, 1},
    {"[]a]", "]", 0, 1},
    {"[]a]", "a", 0, 1},
    {"[]a]", "b", 0, 0},
    {"[^]a]", "]", 0, 0},
    {"[^]a]", "a", 0, 0},
    {"[^]a]", "b", 0, 1},
    {"[]-a]", "_", 0, 1},
    {"[]-a]", "b", 0, 0},
    {"[-a]", "-", 0, 1},
    {"[a-]", "-", 0, 1},
    {"[a-]", "b", 0, 0},
    {"[^-a]", "-", 0, 0},
    {"[%--]", "+", 0, 1},
    {"[%--]", "a", 0, 0},
    {"[.]", ".", 0, 1},
    {"[.]", "a", 0, 0},
    {"[*+?{]", "{", 0, 1},
    {"[*+?{]", "a", 0, 0},
    {"[a^]", "^", 0, 1},
    {"[$]", "$", 0, 1},
    {"[|]", "|", 0, 1},
    {"[(]", "(", 0, 1},
    {"[)]", ")", 0, 1},
    {"[[]", "[", 0, 1},
    {"[a[]", "[", 0, 1},
    {"[\xe0-\xef]", "\xe9", 0, 1},
    {"[\xe0-\xef]", "\xf0", 0, 0},
    {"[\\n]", "\\", 0, 1},
    {"[\\n]", "n", 0, 1},
    {"[\\n]", "\n", 0, 0},
    {"[\\]]", "\\]", 0, 1},
    {"[\\]]", "]", 0, 0},
    {"[[:alpha:]]", "1a", 0, 1},
    {"[[:alpha:]]", "12_", 0, 0},
    {"[[:digit:]]", "a7", 0, 1},
    {"[[:digit:]]", "ab", 0, 0},
    {"[[:space:]]", "a\tb", 0, 1},
    {"[[:space:]]", "\v", 0, 1},
    {"[[:space:]]", "\f", 0, 1},
    {"[[:space:]]", "\r", 0, 1},
    {"[[:space:]]", "\n", 0, 1},
    {"[[:space:]]", "ab", 0, 0},
    {"[[:upper:]]", "aBc", 0, 1},
    {"[[:upper:]]", "abc", 0, 0},
    {"[[:lower:]]", "ABc", 0, 1},
    {"[[:lower:]]", "ABC", 0, 0},
    {"[[:alnum:]]", "-9-", 0, 1},
    {"[[:alnum:]]", "-_-", 0, 0},
    {"[[:punct:]]", "a_b", 0, 1},
    {"[[:punct:]]", "a b", 0, 0},
    {"[[:xdigit:]]", "xyzF", 0, 1},
    {"[[:xdigit:]]", "xyzg", 0, 0},
    {"[[:blank:]]", "a\tb", 0, 1},
    {"[[:blank:]]", "a\nb", 0, 0},
    {"[[:cntrl:]]", "a\x7f", 0, 1},
    {"[[:cntrl:]]", "a\x01", 0, 1},
    {"[[:cntrl:]]", "a b", 0, 0},
    {"[[:print:]]", " ", 0, 1},
    {"[[:print:]]", "\x7f\t", 0, 0},
    {"[[:graph:]]", "~", 0, 1},
    {"[[:graph:]]", " \t", 0, 0},
    {"[[:alpha:]]", "\xe9", 0, 0},
    {"^[[:digit:][:upper:]]+$", "A1B2", 0, 1},
    {"^[[:digit:][:upper:]]+$", "A1b2", 0, 0},
    {"[^[:alnum:]]", "ab12", 0, 0},
    {"[^[:alnum:]]", "ab-12", 0, 1},
    {"[[:alpha:]-]", "-", 0, 1},
    {"[[=a=]]", "a", 0, 1},
    {"[[=a=]]", "b", 0, 0},
    {"[[=a=]b]", "b", 0, 1},
    {"[[.a.]]", "a", 0, 1},
    {"[[.a.]]", "b", 0, 0},
    {"[[.-.]]", "-", 0, 1},
    {"[a[.-.]]", "-", 0, 1},
    {"[[.a.]-c]", "b", 0, 1},
    {"[[.a.]-c]", "d", 0, 0},
    {"[[.-.]-0]", "/", 0, 1},
    {"[[.-.]-0]", "1", 0, 0},
    {"[+-[.-.]]", ",", 0, 1},
    {"[[.].]]", "]", 0, 1},
    {"[[.^.]]", "^", 0, 1},
    /* escapes */
    {"a\\.c", "a.c", 0, 1},
    {"a\\.c", "abc", 0, 0},
    {"a\\*", "a*", 0, 1},
    {"a\\*", "aa", 0, 0},
    {"\\\\", "\\", 0, 1},
    {"\\\\", "a", 0, 0},
    {"\\(a\\)", "(a)", 0, 1},
    {"\\(a\\)", "a", 0, 0},
    {"a\\{2\\}", "a{2}", 0, 1},
    {"a\\{2\\}", "aa", 0, 0},
    {"\\|", "|", 0, 1},
    {"\\+", "+", 0, 1},
    {"\\?", "?", 0, 1},
    {"\\^", "^", 0, 1},
    {"\\$", "$", 0, 1},
    {"\\[", "[", 0, 1},
    {"\\]", "]", 0, 1},
    {"\\}", "}", 0, 1},
    {"\\.", "a", 0, 0},
    /* glibc's extensions */
    {"\\w", "_", 0, 1},
    {"\\w", "-", 0, 0},
    {"\\w", "9", 0, 1},
    {"\\W", "a_1", 0, 0},
    {"\\W", "a b", 0, 1},
    {"\\s", "a\tb", 0, 1},
    {"\\s", "ab", 0, 0},
    {"\\S", " \t", 0, 0},
    {"\\S", " x", 0, 1},
    {"\\bfoo\\b", "a foo b", 0, 1},
    {"\\bfoo\\b", "foo", 0, 1},
    {"\\bfoo\\b", "afoo", 0, 0},
    {"\\bfoo\\b", "foo_", 0, 0},
    {"\\Boo", "foo", 0, 1},
    {"\\Bfoo", "foo", 0, 0},
    {"\\<foo", "foo", 0, 1},
    {"\\<oo", "foo", 0, 0},
    {"foo\\>", "foo bar", 0, 1},
    {"fo\\>", "foo", 0, 0},
    {"\\<", "", 0, 0},
    {"\\>", "", 0, 0},
    {"\\b", "", 0, 0},
    {"\\B", "", 0, 1},
    {"\\<a", "a", NOTBOL, 1},
    {"a\\>", "a", NOTEOL, 1},
    {"\\`a", "ab", 0, 1},
    {"\\`b", "ab", 0, 0},
    {"b\\'", "ab", 0, 1},
    {"a\\'", "ab", 0, 0},
    {"a\\'", "a\n", 0, 0},
    /* an unmatched ')' or '}' is an ordinary character */
    {"a)", "a)", 0, 1},
    {"a)", "a", 0, 0},
    {")", ")", 0, 1},
    {"(a))", "a)", 0, 1},
    {"(a))", "a", 0, 0},
    {"a|)", ")", 0, 1},
    {"a}", "a}", 0, 1},
    {"}", "}", 0, 1},
    /* the empty pattern matches everything */
    {"", "", 0, 1},
    {"", "abc", 0, 1},
    {"", "", NOTBOL | NOTEOL, 1},
};

/* Appends a line to a failure report. */
static void note(char *report, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(char *report, size_t size, const char *fmt, ...) {
  const size_t len = strlen(report);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(report + len, size - len, fmt, ap);
  va_end(ap);
}

/* Every case is tried; the message lists the first ones that fail. */
START_TEST(matches) {
  static char report[2048];
  size_t i;
  unsigned nbad = 0;
  report[0] = '\0';
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const ere_case_t *c = &cases[i];
    char err[256] = "", sp[128], ss[128];
    backoff_ere_t *re = backoff_ere_compile(c->pat, err, sizeof(err));
    int got;
    if (re == NULL) {
      if (nbad++ < 12)
        note(report, sizeof(report), "\n  /%s/ refused: %s",
             shown(c->pat, strlen(c->pat), sp, sizeof(sp)), err);
      continue;
    }
    got = backoff_ere_match(re, c->subj, strlen(c->subj), c->flags);
    if (got != c->want && nbad++ < 12)
      note(report, sizeof(report), "\n  /%s/ on \"%s\" flags %d: %d, want %d",
           shown(c->pat, strlen(c->pat), sp, sizeof(sp)),
           shown(c->subj, strlen(c->subj), ss, sizeof(ss)), c->flags, got,
           c->want);
    /* The scratch space is reused: a second call gives the same answer. */
    ck_assert_int_eq(backoff_ere_match(re, c->subj, strlen(c->subj), c->flags),
                     got);
    backoff_ere_free(re);
  }
  ck_assert_msg(nbad == 0, "%u of %zu cases fail:%s", nbad, i, report);
}
END_TEST

/* Subjects with NUL bytes (the length counts them): a NUL is matched by
 * nothing, and the text after it is still searched. */
START_TEST(nul_in_subject) {
  static const struct {
    const char *pat, *subj;
    size_t len;
    int want;
  } nul[] = {
      {"a.b", "a\0b", 3, 0},      {".", "\0", 1, 0},
      {"[^a]", "\0", 1, 0},       {"[[:cntrl:]]", "\0", 1, 0},
      {"\\W", "\0", 1, 0},        {"\\S", "\0", 1, 0},
      {"a[^x]*b", "a\0b", 3, 0},  {"a.*b", "a\0b", 3, 0},
      {"a", "\0a", 2, 1},         {"b$", "a\0b", 3, 1},
      {"^a", "a\0b", 3, 1},       {"", "\0", 1, 1},
      {"^a.$", "a\0", 2, 0},      {"a\\>", "a\0", 2, 1},
      {"x|\\.", "\0\0\0.", 4, 1},
  };
  size_t i;
  for (i = 0; i < sizeof(nul) / sizeof(nul[0]); i++) {
    char err[256] = "";
    backoff_ere_t *re = backoff_ere_compile(nul[i].pat, err, sizeof(err));
    int got;
    ck_assert_msg(re != NULL, "/%s/ refused: %s", nul[i].pat, err);
    got = backoff_ere_match(re, nul[i].subj, nul[i].len, 0);
    ck_assert_msg(got == nul[i].want, "nul case %zu: /%s/: %d, want %d", i,
                  nul[i].pat, got, nul[i].want);
    backoff_ere_free(re);
  }
}
END_TEST

/* A refused pattern: the reason must be non-empty and one line, and
 * should name the problem with one of the '|'-separated words (any case). */
typedef struct {
  const char *pat, *words;
} ere_refusal_t;

static const ere_refusal_t refusals[] = {
    {"a\\", "\\|backslash|escape|trailing|end"},
    {"\\", "\\|backslash|escape|trailing|end"},
    {"(a", "(|paren"},
    {"((a)", "(|paren"},
    {"a(", "(|paren"},
    {"(a|b", "(|paren"},
    {"[", "[|bracket"},
    {"a[b", "[|bracket"},
    {"[]", "[|bracket"},
    {"[^]", "[|bracket"},
    {"[a-", "[|bracket"},
    {"[[:alpha:]", "[|bracket"},
    {"[[:foo:]]", "class"},
    {"[[:ALPHA:]]", "class"},
    {"[z-a]", "range"},
    {"[c-a]", "range"},
    {"[a-c-e]", "range"},
    {"[[=a=]-c]", "range|equivalence"},
    {"[a-[=c=]]", "range|equivalence"},
    {"[[:alpha:]-z]", "range|class"},
    {"*a", "*|repeat|repetition|nothing|operand|quantifier"},
    {"+a", "+|repeat|repetition|nothing|operand|quantifier"},
    {"?a", "?|repeat|repetition|nothing|operand|quantifier"},
    {"{1}a", "{|repeat|repetition|nothing|operand|quantifier|interval"},
    {"(*a)", "*|repeat|repetition|nothing|operand|quantifier"},
    {"(+a)", "+|repeat|repetition|nothing|operand|quantifier"},
    {"(?a)", "?|repeat|repetition|nothing|operand|quantifier"},
    {"({1}a)", "{|repeat|repetition|nothing|operand|quantifier|interval"},
    {"a|*b", "*|repeat|repetition|nothing|operand|quantifier"},
    {"a|+b", "+|repeat|repetition|nothing|operand|quantifier"},
    {"a|?b", "?|repeat|repetition|nothing|operand|quantifier"},
    {"a|{1}", "{|repeat|repetition|nothing|operand|quantifier|interval"},
    {"a{x}", "{|interval|brace|count|bound|repetition"},
    {"a{1,0}", "{|interval|brace|count|bound|repetition"},
    {"a{", "{|interval|brace|count|bound|repetition"},
    {"a{1", "{|interval|brace|count|bound|repetition"},
    {"a{1,", "{|interval|brace|count|bound|repetition"},
    {"a{1,2", "{|interval|brace|count|bound|repetition"},
    {"a{,", "{|interval|brace|count|bound|repetition"},
    {"a{-1}", "{|interval|brace|count|bound|repetition"},
    {"a{}", "{|interval|brace|count|bound|repetition"},
    {"a{}1}", "{|interval|brace|count|bound|repetition"},
    {"a{99999}", "{|interval|brace|count|bound|repetition|large|big|32767"},
    {"a{32768}", "{|interval|brace|count|bound|repetition|large|big|32767"},
    {"a{1,32768}", "{|interval|brace|count|bound|repetition|large|big|32767"},
    {"(a)\\1", "back"},
    {"\\1", "back"},
    {"(a)(b)\\2", "back"},
    {"[[.space.]]", "collat|single|[."},
    {"[[.ab.]]", "collat|single|[."},
    {"(a{100}){100}", "large|big|long|size|steps|complex"},
    {"a{0,9000}", "large|big|long|size|steps|complex"},
    {"(((a{21}){21}){21})", "large|big|long|size|steps|complex"},
    {"(((a{16}){16}){16})", "large|big|long|size|steps|complex"},
    {"a{32767}", "large|big|long|size|steps|complex"},
    /* a newline in the pattern stays out of the one-line reason */
    {"a{\n}", "{|interval|brace|count|bound|repetition"},
    {"a{1,\n}", "{|interval|brace|count|bound|repetition"},
    {"[[:al\npha:]]", "class"},
    {"[\n-\t]", "range"},
    {"[b-\n]", "range"},
    {"[[.\n\n.]]", "collat|single|[."},
};

/* 1 if MSG contains one of WORDS ('|'-separated), ignoring case. */
static int mentions(const char *msg, const char *words) {
  while (*words != '\0') {
    const char *end = strchr(words, '|');
    size_t n = end != NULL ? (size_t)(end - words) : strlen(words);
    const char *p;
    for (p = msg; *p != '\0'; p++) {
      size_t k = 0;
      while (k < n && p[k] != '\0' &&
             tolower((unsigned char)p[k]) == tolower((unsigned char)words[k]))
        k++;
      if (k == n)
        return 1;
    }
    words += n + (end != NULL);
  }
  return 0;
}

/* "" if PAT is refused as it should be, else what is wrong. */
static const char *refusal_problem(const char *pat, const char *words) {
  static char why[512];
  char err[256], sp[128], se[512];
  const size_t n = strlen(pat);
  backoff_ere_t *re;
  memset(err, 'x', sizeof(err));
  re = backoff_ere_compile(pat, err, sizeof(err));
  why[0] = '\0';
  shown(pat, n < 40 ? n : 40, sp, sizeof(sp));
  if (re != NULL) {
    backoff_ere_free(re);
    snprintf(why, sizeof(why), "/%s/ (%zu bytes) accepted", sp, n);
  } else if (memchr(err, '\0', sizeof(err)) == NULL) {
    snprintf(why, sizeof(why), "/%s/: reason not terminated", sp);
  } else if (err[0] == '\0') {
    snprintf(why, sizeof(why), "/%s/: empty reason", sp);
  } else if (strchr(err, '\n') != NULL) {
    snprintf(why, sizeof(why), "/%s/: reason \"%s\" not one line", sp,
             shown(err, strlen(err), se, sizeof(se)));
  } else if (words != NULL && !mentions(err, words)) {
    snprintf(why, sizeof(why), "/%s/: reason '%s' names none of %s", sp, err,
             words);
  }
  return why;
}

static void expect_refused(const char *pat, const char *words) {
  const char *why = refusal_problem(pat, words);
  ck_assert_msg(why[0] == '\0', "%s", why);
}

START_TEST(refused) {
  static char report[2048];
  size_t i;
  unsigned nbad = 0;
  report[0] = '\0';
  for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
    const char *why = refusal_problem(refusals[i].pat, refusals[i].words);
    if (why[0] != '\0' && nbad++ < 12)
      note(report, sizeof(report), "\n  %s", why);
  }
  ck_assert_msg(nbad == 0, "%u of %zu refusals fail:%s", nbad, i, report);
}
END_TEST

/* BACKOFF_ERE_MAX_DEPTH parentheses nest; one more is refused. */
START_TEST(nesting_depth) {
  size_t depth = BACKOFF_ERE_MAX_DEPTH, i, n = 0;
  char *pat = malloc(2 * (depth + 1) + 2), err[256] = "";
  backoff_ere_t *re;
  ck_assert_ptr_nonnull(pat);
  for (i = 0; i < depth; i++)
    pat[n++] = '(';
  pat[n++] = 'a';
  for (i = 0; i < depth; i++)
    pat[n++] = ')';
  pat[n] = '\0';
  re = backoff_ere_compile(pat, err, sizeof(err));
  ck_assert_msg(re != NULL, "depth %zu refused: %s", depth, err);
  ck_assert_int_eq(backoff_ere_match(re, "xa", 2, 0), 1);
  ck_assert_int_eq(backoff_ere_match(re, "xb", 2, 0), 0);
  backoff_ere_free(re);

  n = 0;
  for (i = 0; i <= depth; i++)
    pat[n++] = '(';
  pat[n++] = 'a';
  for (i = 0; i <= depth; i++)
    pat[n++] = ')';
  pat[n] = '\0';
  expect_refused(pat, "deep|nest|depth|paren|large|complex");
  /* Unclosed, the parser must not recurse past its limit either. */
  memset(pat, '(', 2 * depth);
  pat[2 * depth] = '\0';
  expect_refused(pat, NULL);
  free(pat);
}
END_TEST

/* A short reason buffer gets a terminated prefix; a 1-byte one, "". */
START_TEST(short_err_buffer) {
  char err[8];
  memset(err, 'x', sizeof(err));
  ck_assert_ptr_null(backoff_ere_compile("(a", err, 5));
  ck_assert_msg(memchr(err, '\0', 5) != NULL, "not terminated within 5");
  ck_assert_int_eq(err[5], 'x');
  memset(err, 'x', sizeof(err));
  ck_assert_ptr_null(backoff_ere_compile("(a", err, 1));
  ck_assert_int_eq(err[0], '\0');
  ck_assert_int_eq(err[1], 'x');
}
END_TEST

/* Programs of up to BACKOFF_ERE_MAX_STEPS steps are allowed: some 4000
 * byte tests written out from nested intervals, and a 4 KiB line through
 * them. None matches fewer than 400 'a'. */
START_TEST(large_programs) {
  static const struct {
    const char *pat;
    int want; /* on 4096 'a' */
  } big[] = {{"(((a{15}){15}){15})", 1},
             {"(((a{20}){20}){10})", 1},
             {"a{4000}b", 0},
             {"(a|b){1000}c", 0},
             {"[ab]{2000,}", 1}};
  size_t len = 4096, i;
  char *line = malloc(len);
  ck_assert_ptr_nonnull(line);
  memset(line, 'a', len);
  for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
    char err[256] = "";
    backoff_ere_t *re = backoff_ere_compile(big[i].pat, err, sizeof(err));
    ck_assert_msg(re != NULL, "/%s/ refused: %s", big[i].pat, err);
    ck_assert_int_eq(backoff_ere_match(re, line, len, 0), big[i].want);
    ck_assert_int_eq(backoff_ere_match(re, line, 399, 0), 0);
    backoff_ere_free(re);
  }
  free(line);
}
END_TEST

/* The pattern a fuzzer found ('l' and 45 '+'): a nest of repetitions that
 * a matcher duplicating each '+' operand compiles in 2^45 steps. */
START_TEST(stacked_repetitions) {
  char pat[64], err[256] = "";
  backoff_ere_t *re;
  pat[0] = 'l';
  memset(pat + 1, '+', 45);
  pat[46] = '\0';
  re = backoff_ere_compile(pat, err, sizeof(err));
  ck_assert_msg(re != NULL, "refused: %s", err);
  ck_assert_int_eq(backoff_ere_match(re, "l", 1, 0), 1);
  ck_assert_int_eq(backoff_ere_match(re, "xllly", 5, 0), 1);
  ck_assert_int_eq(backoff_ere_match(re, "x", 1, 0), 0);
  backoff_ere_free(re);
  memset(pat + 1, '*', 45);
  re = backoff_ere_compile(pat, err, sizeof(err));
  ck_assert_msg(re != NULL, "refused: %s", err);
  ck_assert_int_eq(backoff_ere_match(re, "x", 1, 0), 1);
  backoff_ere_free(re);
}
END_TEST

/* Repetitions of nothing write out nothing, however they nest: were
 * each copy visited, "(((){32767}){32767}){32767}" would take 3.5e13
 * (the test's timeout catches that). */
START_TEST(repeated_nothing) {
  static const struct {
    const char *pat, *subject;
    int want;
  } nests[] = {{"(((){32767}){32767}){32767}", "", 1},
               {"((()*){32767}){32767}x", "ax", 1},
               {"((()*){32767}){32767}x", "a", 0},
               {"(a{0}){32767}b", "b", 1},
               {"((a{0}){32767}){32767}b", "a", 0}};
  size_t i;
  for (i = 0; i < sizeof(nests) / sizeof(nests[0]); i++) {
    char err[256] = "";
    backoff_ere_t *re = backoff_ere_compile(nests[i].pat, err, sizeof(err));
    ck_assert_msg(re != NULL, "/%s/ refused: %s", nests[i].pat, err);
    ck_assert_int_eq(
        backoff_ere_match(re, nests[i].subject, strlen(nests[i].subject), 0),
        nests[i].want);
    backoff_ere_free(re);
  }
}
END_TEST

/* Patterns that take a backtracking matcher exponential time, or a DFA
 * exponential space, on one 4 KiB line: each finishes at once here (the
 * test's timeout would catch a blow-up). */
START_TEST(linear_time) {
  static const struct {
    const char *pat;
    int want;
  } slow[] = {
      {"(a*)*b", 0},
      {"(a|a)*b", 0},
      {"(a+)+b", 0},
      {"(a|aa)+$", 1},
      {"^(a?){25}a{25}$", 0},
      {"(x+x+)+y", 0},
      {"(a|b)*a(a|b){12}c", 0},
      {"(.*a){20}", 1},
      {"^(([a-z])+.)+[A-Z]([a-z])+$", 0},
  };
  size_t len = 4096, i;
  char *line = malloc(len);
  ck_assert_ptr_nonnull(line);
  memset(line, 'a', len);
  for (i = 0; i < sizeof(slow) / sizeof(slow[0]); i++) {
    char err[256] = "";
    backoff_ere_t *re = backoff_ere_compile(slow[i].pat, err, sizeof(err));
    ck_assert_msg(re != NULL, "/%s/ refused: %s", slow[i].pat, err);
    ck_assert_msg(backoff_ere_match(re, line, len, 0) == slow[i].want,
                  "/%s/ on 4 KiB of 'a'", slow[i].pat);
    backoff_ere_free(re);
  }
  free(line);
}
END_TEST

/* ---- differential test against glibc -------------------------------- */

/* Random patterns from a small grammar, compiled by both matchers: both
 * must accept or both refuse each (but for the refusals the matcher
 * documents), and where both accept, both must find the same on random
 * subjects under the four flag combinations. A fixed seed and a private
 * xorshift make a failure reproducible; its message shows the seed, the
 * pattern and the subject.
 *
 * glibc matches a spelling of its own, around two of its bugs:
 *  - The copies of a group it makes for x+ and x{m,n} lose the group's
 *    anchors: "(^a){2}" and "(\<a){2}" find "aa" ("(^a)(^a)" does not).
 *    glibc's spelling writes each repetition out: x+ as (xx*), x{2,3} as
 *    (xxx?), x{0} as ().
 *  - '^' matches after, and '$' before, a newline that '.', a
 *    non-matching list, \s or \W consumed, although without REG_NEWLINE a
 *    newline is an ordinary character: ".^" finds "x\ny". backoff never
 *    passes a newline, and a vertical tab is in exactly the classes a
 *    newline is in: glibc gets the pattern and the subject with each '\n'
 *    made a '\v' (the generator writes no '\v'). */

#define DIFF_SEED UINT64_C(0x9e3779b97f4a7c15)
#define DIFF_PATTERNS 20000
#define DIFF_SUBJECTS 8
#define DIFF_SHOWN 8

static uint64_t rng_state;

static uint32_t rnd(uint32_t n) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  rng_state = x;
  return (uint32_t)((x >> 32) % n);
}

#define BUF_SIZE 4096

typedef struct {
  char s[BUF_SIZE];
  size_t n;
  int full; /* something did not fit */
} buf_t;

static void put(buf_t *b, const char *s) {
  size_t k = strlen(s);
  if (b->n + k < sizeof(b->s)) {
    memcpy(b->s + b->n, s, k + 1);
    b->n += k;
  } else {
    b->full = 1;
  }
}

/* The pattern (p) and glibc's spelling of it (g) grow together. */
static void put2(buf_t *p, buf_t *g, const char *s) {
  put(p, s);
  put(g, s);
}

static void gen_regex(buf_t *p, buf_t *g, int depth);

static void gen_bracket(buf_t *p, buf_t *g) {
  static const char *const fixed[] = {
      "[ab]",         "[^a]",         "[a-c]",        "[[:alpha:]]",
      "[^[:alpha:]]", "[]a]",         "[^]b]",        "[a-]",
      "[-c]",         "[.]",          "[[.a.]-b]",    "[[=b=]]",
      "[\\]",         "[^\\n]",       "[^.\n]",       "[[:punct:]]",
      "[[:space:]]",  "[[:cntrl:]c]", "[^[:lower:]]", "[[.-.]a]",
      "[b-b]",        "[^a-c]",       "[[:alnum:]_]", "[[:print:]]"};
  static const char *const items[] = {
      "a",         "b",         "c",  ".",     "a-b",   "b-c", "\n",
      "[:alpha:]", "[:punct:]", "\\", "[.a.]", "[=c=]", "-",   "[:space:]"};
  int k, i;
  if (rnd(2) == 0) {
    put2(p, g, fixed[rnd(sizeof(fixed) / sizeof(fixed[0]))]);
    return;
  }
  put2(p, g, "[");
  if (rnd(3) == 0)
    put2(p, g, "^");
  k = 1 + (int)rnd(4);
  for (i = 0; i < k; i++)
    put2(p, g, items[rnd(sizeof(items) / sizeof(items[0]))]);
  put2(p, g, "]");
}

static void gen_atom(buf_t *p, buf_t *g, int depth) {
  static const char *const esc[] = {"\\.", "\\w", "\\W",  "\\s", "\\S",
                                    "\\b", "\\B", "\\<",  "\\>", "\\`",
                                    "\\'", "\\*", "\\\\", "\\a"};
  const uint32_t r = rnd(20);
  if (r < 9) {
    const char c[2] = {"abc."[r % 4], '\0'};
    put2(p, g, c);
  } else if (r < 10) {
    put2(p, g, "^");
  } else if (r < 11) {
    put2(p, g, "$");
  } else if (r < 14 && depth < 3) {
    put2(p, g, "(");
    gen_regex(p, g, depth + 1);
    put2(p, g, ")");
  } else if (r < 16) {
    gen_bracket(p, g);
  } else if (r < 18) {
    put2(p, g, esc[rnd(sizeof(esc) / sizeof(esc[0]))]);
  } else {
    const char c[2] = {"abc"[rnd(3)], '\0'};
    put2(p, g, c);
  }
}

/* Replaces the atom at g->s[at..] with its repetitions written out. */
static void spell_out(buf_t *g, size_t at, int min, int max) {
  static char x[BUF_SIZE];
  const size_t n = g->n - at;
  int i;
  if (g->full)
    return;
  memcpy(x, g->s + at, n);
  x[n] = '\0';
  g->n = at;
  g->s[at] = '\0';
  put(g, "(");
  for (i = 0; i < min; i++)
    put(g, x);
  if (max < 0) {
    put(g, x);
    put(g, "*");
  }
  for (i = min; i < max; i++) {
    put(g, x);
    put(g, "?");
  }
  put(g, ")");
}

static void gen_piece(buf_t *p, buf_t *g, int depth) {
  static const struct {
    const char *s;
    int min, max;
  } q[] = {{"*", 0, -1},    {"+", 1, -1},    {"?", 0, 1},     {"{0}", 0, 0},
           {"{1}", 1, 1},   {"{2}", 2, 2},   {"{3}", 3, 3},   {"{0,}", 0, -1},
           {"{1,}", 1, -1}, {"{2,}", 2, -1}, {"{0,1}", 0, 1}, {"{0,2}", 0, 2},
           {"{1,3}", 1, 3}, {"{,2}", 0, 2},  {"{2,3}", 2, 3}};
  const size_t at = g->n;
  int k = rnd(3) == 0 ? 1 + (rnd(8) == 0) : 0;
  gen_atom(p, g, depth);
  while (k-- > 0) {
    const uint32_t i = rnd(sizeof(q) / sizeof(q[0]));
    put(p, q[i].s);
    spell_out(g, at, q[i].min, q[i].max);
  }
}

static void gen_branch(buf_t *p, buf_t *g, int depth) {
  int k = (int)rnd(4);
  while (k-- > 0)
    gen_piece(p, g, depth);
}

static void gen_regex(buf_t *p, buf_t *g, int depth) {
  gen_branch(p, g, depth);
  while (rnd(4) == 0) {
    put2(p, g, "|");
    gen_branch(p, g, depth);
  }
}

/* What glibc's regcomp() pays for the repetitions of PAT: it writes x+
 * as xx* and x{m,n} as n copies of x, so a few nested ones multiply
 * ("a{2,3}^((b{0,2}b*|^a())+{1,}(a$){,2}{0,2})+{2,}" is slow). The
 * product of every '+' and interval's copies, nested or not, bounds it. */
static unsigned long glibc_cost(const char *pat) {
  unsigned long cost = 1;
  for (; *pat != '\0'; pat++) {
    if (*pat == '+') {
      cost *= 2;
    } else if (*pat == '{') {
      unsigned long most = 0;
      for (pat++; *pat != '\0' && *pat != '}'; pat++)
        if (*pat >= '0' && *pat <= '9' && (unsigned long)(*pat - '0') > most)
          most = (unsigned long)(*pat - '0');
      cost *= most + 1;
      if (*pat == '\0')
        break;
    }
  }
  return cost;
}

/* Sometimes a character is inserted at random: the two must also agree on
 * which patterns are wrong. glibc then matches the pattern as it is, when
 * it repeats nothing by '+' or an interval. */
static void gen_pattern(buf_t *p, buf_t *g) {
  static const char junk[] = "()[]{}|*+?^$\\-,:.=a";
  do {
    p->n = g->n = 0;
    p->full = g->full = 0;
    p->s[0] = g->s[0] = '\0';
    gen_regex(p, g, 0);
    if (rnd(8) == 0 && p->n + 1 < sizeof(p->s)) {
      const size_t at = rnd((uint32_t)p->n + 1);
      memmove(p->s + at + 1, p->s + at, p->n - at + 1);
      p->s[at] = junk[rnd(sizeof(junk) - 1)];
      p->n++;
      memcpy(g->s, p->s, p->n + 1);
      g->n = p->n;
      g->full = p->full || strpbrk(p->s, "+{") != NULL;
    }
  } while (p->full || glibc_cost(p->s) > 64);
}

/* A refusal the matcher documents and glibc does not share, or one of
 * glibc's oddities it does not copy: a backslash inside an interval (glibc
 * reads a{1\,2} as a{1,2} and a{\1} as a{1}). */
static int documented_refusal(const char *pat, const char *err) {
  const char *p;
  int in_interval = 0;
  for (p = pat; *p != '\0'; p++) {
    if (*p == '{')
      in_interval = 1;
    else if (*p == '}')
      in_interval = 0;
    if (*p == '\\' && in_interval)
      return 1;
    if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
      return 1;
    if (*p == '\\' && p[1] != '\0')
      p++;
  }
  return mentions(err, "collat|single");
}

static void newline_to_vt(char *s) {
  for (; *s != '\0'; s++)
    if (*s == '\n')
      *s = '\v';
}

START_TEST(differential) {
  static buf_t pat, alt;
  static char report[2048];
  unsigned i, nboth = 0, nmatch = 0, nbad = 0;
  rng_state = DIFF_SEED;
  report[0] = '\0';
  for (i = 0; i < DIFF_PATTERNS; i++) {
    char err[256] = "", sp[600], ss[64], gpat[BUF_SIZE];
    regex_t g, ga;
    backoff_ere_t *re;
    int gok, j;
    gen_pattern(&pat, &alt);
    newline_to_vt(alt.s);
    re = backoff_ere_compile(pat.s, err, sizeof(err));
    memcpy(gpat, pat.s, pat.n + 1);
    newline_to_vt(gpat);
    gok = regcomp(&g, gpat, REG_EXTENDED | REG_NOSUB) == 0;
    if (gok)
      regfree(&g);
    if ((re != NULL) != gok && (!gok || !documented_refusal(pat.s, err)) &&
        nbad++ < DIFF_SHOWN)
      note(report, sizeof(report), "\n  /%s/: glibc %s, ere %s (%s)",
           shown(pat.s, pat.n, sp, sizeof(sp)), gok ? "compiles" : "refuses",
           re ? "compiles" : "refuses", err);
    if (re == NULL || !gok || alt.full) {
      backoff_ere_free(re);
      continue;
    }
    nboth++;
    ck_assert_msg(regcomp(&ga, alt.s, REG_EXTENDED | REG_NOSUB) == 0,
                  "glibc refuses its spelling /%s/ of /%s/", alt.s, pat.s);
    for (j = 0; j < DIFF_SUBJECTS; j++) {
      char subj[16], gsubj[16];
      const size_t n = rnd(13);
      size_t k;
      int f;
      for (k = 0; k < n; k++)
        subj[k] = "abc.\n"[rnd(5)];
      subj[n] = '\0';
      memcpy(gsubj, subj, n + 1);
      newline_to_vt(gsubj);
      for (f = 0; f < 4; f++) {
        const int gflags =
            ((f & NOTBOL) ? REG_NOTBOL : 0) | ((f & NOTEOL) ? REG_NOTEOL : 0);
        const int want = regexec(&ga, gsubj, 0, NULL, gflags) == 0;
        const int got = backoff_ere_match(re, subj, n, f);
        nmatch++;
        if (got != want && nbad++ < DIFF_SHOWN)
          note(report, sizeof(report),
               "\n  /%s/ on \"%s\" flags %d: glibc %d, ere %d",
               shown(pat.s, pat.n, sp, sizeof(sp)),
               shown(subj, n, ss, sizeof(ss)), f, want, got);
      }
    }
    regfree(&ga);
    backoff_ere_free(re);
  }
  ck_assert_msg(nbad == 0,
                "seed 0x%016llx: %u disagreements with glibc (%u patterns "
                "matched by both, %u matches); the first:%s",
                (unsigned long long)DIFF_SEED, nbad, nboth, nmatch, report);
  /* The generator must keep producing patterns both accept. */
  ck_assert_uint_gt(nboth, DIFF_PATTERNS / 2);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("ere");
  TCase *tc = tcase_create("ere");
  TCase *limits = tcase_create("limits");
  TCase *diff = tcase_create("differential");
  tcase_add_test(tc, matches);
  tcase_add_test(tc, nul_in_subject);
  tcase_add_test(tc, refused);
  tcase_add_test(tc, nesting_depth);
  tcase_add_test(tc, short_err_buffer);
  tcase_add_test(tc, stacked_repetitions);
  tcase_add_test(tc, repeated_nothing);
  suite_add_tcase(s, tc);
  /* Programs of thousands of steps over 4 KiB lines, and some 20000
   * patterns through both matchers: a fraction of a second each, but
   * tens under valgrind. */
  tcase_set_timeout(limits, 300);
  tcase_add_test(limits, large_programs);
  tcase_add_test(limits, linear_time);
  suite_add_tcase(s, limits);
  tcase_set_timeout(diff, 300);
  tcase_add_test(diff, differential);
  suite_add_tcase(s, diff);
  return s;
}
