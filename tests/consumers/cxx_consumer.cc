/* SPDX-License-Identifier: MIT */
/* A C++ consumer (tests/consumers/compile.sh builds it with
 * g++ -std=c++20 -Wall -Wextra -pedantic -Werror): the decorator form with
 * and without options, a policy with a retried call, and the error names.
 * Prints what it saw; exit status 0 when every check held. */
#include <backoff.h>

#include <cstdio>

namespace {

int calls;

extern "C" int fails_twice(void *arg) {
  (void)arg;
  return ++calls % 3 == 0 ? 0 : 5;
}

extern "C" int succeeds(void *arg) {
  (void)arg;
  ++calls;
  return 0;
}

const int retried[] = {5};

}  // namespace

static BACKOFF_APPLY(with_defaults, succeeds)
static BACKOFF_APPLY(with_options, fails_twice, .strategy = "fixed",
                     .params = "sequence=0.000001",
                     .jitter = BACKOFF_JITTER_NONE, .max_tries = 3,
                     .retry_on = retried, .retry_on_count = 1)

int main() {
  int failures = 0;
  calls = 0;
  int rc = with_options(nullptr);
  std::printf("with_options: rc=%d calls=%d\n", rc, calls);
  failures += rc != 0 || calls != 3;

  backoff_policy_t *policy = nullptr;
  backoff_options_t options{};
  options.strategy = "fixed";
  options.params = "sequence=0.000001";
  options.jitter = BACKOFF_JITTER_NONE;
  options.max_tries = 2;
  rc = backoff_policy_new(&policy, &options);
  failures += rc != 0;
  calls = 0;
  backoff_report_t report{};
  rc = backoff_run(policy, fails_twice, nullptr, &report);
  std::printf("run: rc=%d attempts=%u stop=%s\n", rc, report.attempts,
              backoff_stop_name(report.stop));
  failures += rc != 5 || report.attempts != 2;
  backoff_policy_free(policy);

  std::printf("%s: %s\n", backoff_err_name(BACKOFF_EINVAL),
              backoff_strerror(BACKOFF_EINVAL));
  calls = 0;
  rc = with_defaults(nullptr);
  std::printf("with_defaults: rc=%d calls=%d\n", rc, calls);
  failures += rc != 0 || calls != 1;
  return failures == 0 ? 0 : 1;
}
