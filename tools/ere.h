/* SPDX-License-Identifier: MIT */
/* The extended regular expressions of --retry-if-output, --stop-if-output
 * and --fail-if-output, matched in time linear in the line.
 *
 * The C library's regcomp() grows exponentially with nested repetitions
 * ("l+++..."), and its regexec() can take exponential time and space on
 * one line for a pattern of a few hundred bytes (its DFA's states
 * multiply; back-references backtrack): backoff's loop would stop
 * enforcing --timeout and answering signals meanwhile. This matcher
 * simulates the pattern's NFA (Thompson's construction): a line of n
 * bytes costs at most n times the program's size, and the program is
 * capped at BACKOFF_ERE_MAX_STEPS.
 *
 * The syntax is POSIX ERE in the C locale (backoff does not call
 * setlocale), as glibc's regcomp(REG_EXTENDED) reads it, with glibc's
 * \w \W \s \S \b \B \< \> \` \'. Refused with a message: back-references
 * (\1 to \9: not ERE, and exponential to match), collating elements of
 * more than one character ([.space.]), and programs over the cap. */
#ifndef BACKOFF_TOOLS_ERE_H
#define BACKOFF_TOOLS_ERE_H

#include <stddef.h>

/* The largest program, in steps (a byte test, a branch, an anchor), and
 * the longest pattern: each byte of a line costs at most a few times
 * this many steps. */
#define BACKOFF_ERE_MAX_STEPS 4096
/* Parentheses nest at most this deep (the parser recurses). */
#define BACKOFF_ERE_MAX_DEPTH 256

/* Flags of backoff_ere_match(), like regexec's REG_NOTBOL/REG_NOTEOL: the
 * text is not at the start (end) of a line, so '^' ('$') does not match
 * there. */
#define BACKOFF_ERE_NOTBOL 1
#define BACKOFF_ERE_NOTEOL 2

typedef struct backoff_ere_s backoff_ere_t;

/* Compiles PATTERN (at most BACKOFF_ERE_MAX_STEPS bytes: the parse tree
 * is walked recursively, as deep as the pattern is long, so call it with
 * a thread's usual megabytes of stack). On error returns NULL and writes
 * a one-line reason (ASCII) to ERR. */
backoff_ere_t *backoff_ere_compile(const char *pattern, char *err,
                                   size_t errlen);

/* 1 if the pattern matches somewhere in TEXT[0..LEN), else 0. A NUL byte
 * in TEXT is matched by nothing (as regexec() never sees one). Uses
 * scratch space inside RE: one thread at a time per RE. Never allocates. */
int backoff_ere_match(backoff_ere_t *re, const char *text, size_t len,
                      int flags);

void backoff_ere_free(backoff_ere_t *re);

#endif
