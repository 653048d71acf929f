/* SPDX-License-Identifier: MIT */
/* An HTTP client on libcurl that retries what is worth retrying.
 *
 *   curl_retry URL [MAX_TRIES]
 *
 * Each attempt is one GET. A 2xx ends the run; 429 (Too Many Requests) and
 * 503 (Service Unavailable) are retried, waiting what the server's
 * Retry-After header asks when it sends one (handed to the retry loop with
 * backoff_attempt_retry_after(), which replaces the strategy's delay for
 * that retry) and the strategy's delay otherwise; transport errors
 * (refused, reset, timed out) are retried; any other status is final
 * (backoff_attempt_permanent()). Prints each retry's reason and wait, then
 * the body of the last response. Exit status 0 on a 2xx, 1 otherwise. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <backoff.h>
#include <curl/curl.h>

/* Failure codes of one attempt (the operation's own, all positive). */
#define HTTP_FAILED 1    /* a status that is not retried */
#define HTTP_RETRY 2     /* 429 or 503 */
#define HTTP_TRANSPORT 3 /* no response at all */

typedef struct {
  CURL *curl;
  const char *url;
  long status;
  double retry_after; /* seconds; < 0: none sent */
  char body[4096];
  size_t body_len;
} request_t;

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
  request_t *r = ctx;
  size_t len = size * n, room = sizeof(r->body) - 1 - r->body_len;
  memcpy(r->body + r->body_len, data, len < room ? len : room);
  r->body_len += len < room ? len : room;
  r->body[r->body_len] = '\0';
  return len;
}

/* Retry-After: delay-seconds (an HTTP-date is not used by this example's
 * servers; curl_getdate() would parse one). */
static size_t on_header(char *line, size_t size, size_t n, void *ctx) {
  request_t *r = ctx;
  size_t len = size * n;
  static const char name[] = "retry-after:";
  if (len > sizeof(name) - 1 &&
      strncasecmp(line, name, sizeof(name) - 1) == 0) {
    char value[32];
    size_t i = sizeof(name) - 1, j = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
      i++;
    while (i < len && j < sizeof(value) - 1 && isdigit((unsigned char)line[i]))
      value[j++] = line[i++];
    value[j] = '\0';
    if (j > 0 && j < 10)
      r->retry_after = (double)strtol(value, NULL, 10);
  }
  return len;
}

static int get_once(void *arg) {
  request_t *r = arg;
  CURLcode cc;

  r->status = 0;
  r->retry_after = -1;
  r->body_len = 0;
  r->body[0] = '\0';
  cc = curl_easy_perform(r->curl);
  if (cc != CURLE_OK) {
    fprintf(stderr, "curl_retry: attempt %u: %s\n", backoff_attempt_number(),
            curl_easy_strerror(cc));
    return HTTP_TRANSPORT;
  }
  curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->status);
  if (r->status >= 200 && r->status < 300)
    return 0;
  if (r->status == 429 || r->status == 503) {
    if (r->retry_after >= 0)
      backoff_attempt_retry_after(r->retry_after);
    return HTTP_RETRY;
  }
  backoff_attempt_permanent();
  return HTTP_FAILED;
}

static void on_retry(unsigned attempt, int rc, double delay, void *ctx) {
  const request_t *r = ctx;
  if (rc == HTTP_RETRY)
    printf("attempt %u: HTTP %ld%s; retrying in %.3f s\n", attempt, r->status,
           r->retry_after >= 0 ? " with Retry-After" : "", delay);
  else
    printf("attempt %u: no response; retrying in %.3f s\n", attempt, delay);
}

int main(int argc, char **argv) {
  request_t req;
  backoff_report_t report = {0};
  unsigned max_tries = 4;
  int rc;

  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: curl_retry URL [MAX_TRIES]\n");
    return 2;
  }
  if (argc == 3)
    max_tries = (unsigned)strtoul(argv[2], NULL, 10);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "curl_retry: curl_global_init failed\n");
    return 1;
  }
  memset(&req, 0, sizeof(req));
  req.url = argv[1];
  req.curl = curl_easy_init();
  if (req.curl == NULL) {
    fprintf(stderr, "curl_retry: curl_easy_init failed\n");
    curl_global_cleanup();
    return 1;
  }
  curl_easy_setopt(req.curl, CURLOPT_URL, req.url);
  curl_easy_setopt(req.curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(req.curl, CURLOPT_WRITEDATA, &req);
  curl_easy_setopt(req.curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(req.curl, CURLOPT_HEADERDATA, &req);
  curl_easy_setopt(req.curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(req.curl, CURLOPT_NOSIGNAL, 1L);

  /* Small delays so the example runs quickly: 0.05 s, 0.1 s, 0.2 s... */
  rc = backoff(get_once, &req,
               &(backoff_options_t){.strategy = "exponential",
                                    .jitter = BACKOFF_JITTER_NONE,
                                    .scale_factor = 0.05,
                                    .max_tries = max_tries,
                                    .max_delay = 30,
                                    .on_retry = on_retry,
                                    .callback_ctx = &req,
                                    .report = &report});
  if (rc < 0)
    fprintf(stderr, "curl_retry: %s\n", backoff_last_error());
  printf("%s after %u attempts: HTTP %ld\n", backoff_stop_name(report.stop),
         report.attempts, req.status);
  if (req.body_len > 0)
    printf("%s%s", req.body, req.body[req.body_len - 1] == '\n' ? "" : "\n");
  curl_easy_cleanup(req.curl);
  curl_global_cleanup();
  return rc == 0 ? 0 : 1;
}
