/* SPDX-License-Identifier: MIT */
/* Fixture: malformed parameter tables, one per BAD_KIND, each refused at
 * load time with BACKOFF_EPLUGIN. BAD_KIND 0 is a well-formed table with a
 * NULL help text and no description, and BAD_KIND 15 sits exactly at the
 * limits: both must load. */
#include <math.h>

#include "backoff/plugin.h"

#ifndef BAD_KIND
#error "define BAD_KIND"
#endif

#define END                                                                   \
  { NULL, 0, 0, 0, NULL, 0 }

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;

BACKOFF_PLUGIN_EXPORT const backoff_param_t backoff_plugin_params[] = {
#if BAD_KIND == 0 /* fine: NULL help is allowed */
    {"step", 0.5, 0, 10, NULL, 0},
#elif BAD_KIND == 1  /* a name with an upper-case letter */
    {"Step", 0.5, 0, 10, "bad name", 0},
#elif BAD_KIND == 2  /* the same name twice */
    {"step", 0.5, 0, 10, "first", 0},
    {"step", 0.5, 0, 10, "second", 0},
#elif BAD_KIND == 3  /* min > max */
    {"step", 0.5, 10, 0, "inverted bounds", 0},
#elif BAD_KIND == 4  /* default above max */
    {"step", 11, 0, 10, "default out of bounds", 0},
#elif BAD_KIND == 5  /* shadows a core setting */
    {"cap", 1, 0, 10, "shadows the core's cap", 0},
#elif BAD_KIND == 6  /* unknown flag bits */
    {"step", 1, 0, 10, "unknown flags", 0x80u},
#elif BAD_KIND == 7  /* more than BACKOFF_PARAM_MAX (16) entries */
    {"p01", 0, 0, 1, "", 0}, {"p02", 0, 0, 1, "", 0}, {"p03", 0, 0, 1, "", 0},
    {"p04", 0, 0, 1, "", 0}, {"p05", 0, 0, 1, "", 0}, {"p06", 0, 0, 1, "", 0},
    {"p07", 0, 0, 1, "", 0}, {"p08", 0, 0, 1, "", 0}, {"p09", 0, 0, 1, "", 0},
    {"p10", 0, 0, 1, "", 0}, {"p11", 0, 0, 1, "", 0}, {"p12", 0, 0, 1, "", 0},
    {"p13", 0, 0, 1, "", 0}, {"p14", 0, 0, 1, "", 0}, {"p15", 0, 0, 1, "", 0},
    {"p16", 0, 0, 1, "", 0}, {"p17", 0, 0, 1, "", 0},
#elif BAD_KIND == 8  /* a 33-byte name (BACKOFF_PARAM_NAME_MAX is 32) */
    {"abcdefghijklmnopqrstuvwxyz_abcdef", 0, 0, 1, "too long", 0},
#elif BAD_KIND == 9  /* a NaN bound */
    {"step", 0, 0, NAN, "NaN max", 0},
#elif BAD_KIND == 10 /* an integer parameter with a fractional default */
    {"count", 1.5, 0, 10, "fractional default", BACKOFF_PARAM_INTEGER},
#elif BAD_KIND == 11 /* an empty name */
    {"", 0, 0, 1, "empty name", 0},
#elif BAD_KIND == 12 /* a name starting with a digit */
    {"1step", 0, 0, 1, "digit first", 0},
#elif BAD_KIND == 13 /* default below min, infinite max */
    {"step", -1, 0, INFINITY, "default below min", 0},
#elif BAD_KIND == 14 /* shadows "jitter" */
    {"jitter", 0, 0, 1, "shadows the core's jitter", 0},
#elif BAD_KIND ==                                                             \
    15 /* fine: exactly the limits (16 entries, a 32-byte name) */
    {"abcdefghijklmnopqrstuvwxyz_abcde", 0, 0, 1, "", 0},
    {"p02", 0, 0, 1, "", 0},
    {"p03", 0, 0, 1, "", 0},
    {"p04", 0, 0, 1, "", 0},
    {"p05", 0, 0, 1, "", 0},
    {"p06", 0, 0, 1, "", 0},
    {"p07", 0, 0, 1, "", 0},
    {"p08", 0, 0, 1, "", 0},
    {"p09", 0, 0, 1, "", 0},
    {"p10", 0, 0, 1, "", 0},
    {"p11", 0, 0, 1, "", 0},
    {"p12", 0, 0, 1, "", 0},
    {"p13", 0, 0, 1, "", 0},
    {"p14", 0, 0, 1, "", 0},
    {"p15", 0, 0, 1, "", 0},
    {"p16", 1, 0, 1, "", BACKOFF_PARAM_INTEGER | BACKOFF_PARAM_LIST},
#elif BAD_KIND == 16 /* no NULL terminator: the loader must not read on */
    {"step", 1, 0, 10, "", 0},
    {"base", 1, 0, 10, "", 0},
#endif
#if BAD_KIND != 16
    END
#endif
};

BACKOFF_PLUGIN_EXPORT double compute_delay(const backoff_delay_args_t *a) {
  return (double)a->n;
}
