/* SPDX-License-Identifier: MIT */
/* From parsed options to backoff_options_t. Nothing is defaulted here:
 * a value the user did not give stays 0 and the library decides, so the
 * command and the library can never disagree about a default. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

int backoff_cli_options(const backoff_cli_t *cli, backoff_cli_options_t *out) {
  backoff_options_t *o = &out->o;
  size_t i, len = 0;

  memset(out, 0, sizeof(*out));
  *o = cli->core; /* the core settings, stored there by the parser */
  o->strategy = cli->strategy;
  if (cli->have_retry_on) {
    o->retry_on_count = backoff_cli_codes_list(&cli->retry_on, out->retry_on);
    o->retry_on = out->retry_on;
  }
  if (cli->have_stop_on) {
    o->stop_on_count = backoff_cli_codes_list(&cli->stop_on, out->stop_on);
    o->stop_on = out->stop_on;
  }
  /* --param a=1 --param b=2,3 -> "a=1,b=2,3": backoff_strategy_configure()
   * syntax, where a bare value after a list parameter extends the list. */
  for (i = 0; i < cli->nparams; i++)
    len += strlen(cli->params[i]) + 1;
  if (len > 0) {
    char *p = malloc(len);
    if (p == NULL)
      return -1;
    out->params = p;
    for (i = 0; i < cli->nparams; i++) {
      const size_t n = strlen(cli->params[i]);
      if (i > 0)
        *p++ = ',';
      memcpy(p, cli->params[i], n);
      p += n;
    }
    *p = '\0';
    o->params = out->params;
  }
  return 0;
}

void backoff_cli_options_free(backoff_cli_options_t *out) {
  free(out->params);
  out->params = NULL;
}
