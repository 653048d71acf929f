/* libFuzzer target: backoff_strategy_configure's "name=value,..." syntax.
 * The first byte picks the strategy (each has different parameters: a
 * list, an integer, none); the rest is the spec. Invariants beyond "no
 * crash": all-or-nothing (a refused spec changes no setting), an error
 * always has a message, and every delay of an accepted spec is finite and
 * within [0, BACKOFF_DELAY_MAX] (or EINVAL for minimum > cap). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "seam/backoff_seam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"fixed",     "polynomial", "exponential",
                                    "fibonacci", "linear",     "decorrelated"};
#define NSTRAT (sizeof(names) / sizeof(names[0]))
/* The core settings a spec may name: the table's pipeline rows. */
#define NSET BACKOFF__SET_PIPELINE_COUNT

static backoff_strategy_t *handles[NSTRAT];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  backoff_strategy_t *s;
  double before[NSET], after[NSET], d;
  char *spec;
  size_t i;
  unsigned n;
  int rc;

  if (size == 0)
    return 0;
  i = data[0] % NSTRAT;
  if (handles[i] == NULL && backoff_strategy_open(&handles[i], names[i]) != 0)
    abort(); /* BACKOFF_PLUGIN_PATH must point at the plugins */
  if (backoff_strategy_dup(&s, handles[i]) != 0)
    abort();
  spec = malloc(size);
  if (spec == NULL)
    abort();
  memcpy(spec, data + 1, size - 1);
  spec[size - 1] = '\0';
  for (i = 0; i < NSET; i++)
    backoff_strategy_get(s, backoff__settings[i].name, &before[i]);
  rc = backoff_strategy_configure(s, spec);
  for (i = 0; i < NSET; i++) {
    backoff_strategy_get(s, backoff__settings[i].name, &after[i]);
    if (rc != 0 && memcmp(&before[i], &after[i], sizeof(double)) != 0)
      abort(); /* not all-or-nothing */
  }
  if (rc != 0) {
    if (rc != BACKOFF_ESYNTAX && rc != BACKOFF_EPARAM && rc != BACKOFF_ERANGE)
      abort(); /* not a documented error of configure */
    if (backoff_last_error()[0] == '\0')
      abort();
  } else {
    double minimum, cap;
    backoff_strategy_get(s, "minimum", &minimum);
    backoff_strategy_get(s, "cap", &cap);
    for (n = 0; n < 70; n += 7) {
      rc = backoff_strategy_delay(s, n, 1.0, NULL, NULL, &d);
      /* A handle may hold minimum > cap (each setting alone is valid);
       * delay() then refuses it with EINVAL, as policy_new does. */
      if (rc == BACKOFF_EINVAL && cap > 0 && minimum > cap)
        continue;
      if (rc != 0 && rc != BACKOFF_EDELAY)
        abort();
      if (rc == 0 && !(d >= 0 && d <= BACKOFF_DELAY_MAX))
        abort();
    }
  }
  free(spec);
  backoff_strategy_free(s);
  return 0;
}
