/* SPDX-License-Identifier: MIT */
/* BACKOFF_DEFAULT_TRIES and BACKOFF_DEFAULT_DELAY, read and parsed once per
 * process (as the reference reads them once, at import). A variable is a
 * default: it is checked only where its default is used (max_tries or
 * max_delay given as 0), and there a bad value is an error every time,
 * never ignored; an explicit option does not consult it at all. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static unsigned int env_tries;
static double env_delay;
static int tries_error, delay_error;
static char tries_message[160], delay_message[160];

static void read_env(void) {
  const char *v;

  v = getenv("BACKOFF_DEFAULT_TRIES");
  if (v != NULL) {
    unsigned long long t;
    if (backoff__parse_uint(v, strlen(v), 0xffffffffULL, &t) != 0 || t < 1) {
      tries_error = BACKOFF_EENV;
      snprintf(tries_message, sizeof(tries_message),
               "BACKOFF_DEFAULT_TRIES='%.64s': not a whole number from 1 to "
               "4294967295",
               v);
    } else {
      env_tries = (unsigned int)t;
    }
  }
  v = getenv("BACKOFF_DEFAULT_DELAY");
  if (v != NULL) {
    double d;
    if (backoff__parse_double(v, strlen(v), &d) != 0 || !(d > 0) ||
        d > BACKOFF_DELAY_MAX) {
      delay_error = BACKOFF_EENV;
      snprintf(delay_message, sizeof(delay_message),
               "BACKOFF_DEFAULT_DELAY='%.64s': not a decimal number of "
               "seconds in (0, %g]",
               v, BACKOFF_DELAY_MAX);
    } else {
      env_delay = d;
    }
  }
}

int backoff__env_tries(unsigned int *tries) {
  pthread_once(&once, read_env);
  *tries = env_tries;
  if (tries_error != 0)
    return backoff__fail(tries_error, "%s", tries_message);
  return 0;
}

int backoff__env_delay(double *delay_s) {
  pthread_once(&once, read_env);
  *delay_s = env_delay;
  if (delay_error != 0)
    return backoff__fail(delay_error, "%s", delay_message);
  return 0;
}
