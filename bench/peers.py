# SPDX-License-Identifier: MIT
"""The peers' side of `make bench-peers`: Python's tenacity, backoff and
retrying, timed on the workloads of bench rows 1 and 2, sleep patched out.

  first_try: a decorated function that succeeds at once, exponential
             backoff, at most 3 tries (row 1's call form and decorator);
  retry:     the cost of one retry: (a run failing 9 times - a run
             succeeding at once) / 8, exponential backoff with jitter
             (row 2's "exponential, additive jitter").

Prints "<peer> <scenario> <ns>" lines (medians over rounds) and
"# <peer> <version>" lines; a peer that cannot be imported is named on a
"missing <peer> <debian package>" line. Run with /usr/bin/python3: the
Debian packages are installed for the system interpreter.
"""
import statistics
import sys
import time

time.sleep = lambda seconds: None  # every peer sleeps through time.sleep

TRIES = 9
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


class Fail(Exception):
    pass


def ok():
    return 0


def fail():
    raise Fail()


def make_tenacity():
    import tenacity
    expo = tenacity.wait_exponential(multiplier=1)
    first = tenacity.retry(stop=tenacity.stop_after_attempt(3), wait=expo,
                           reraise=True)(ok)
    common = dict(stop=tenacity.stop_after_attempt(TRIES),
                  wait=expo + tenacity.wait_random(0, 1), reraise=True)
    return first, tenacity.retry(**common)(ok), tenacity.retry(**common)(fail)


def make_backoff():
    import backoff
    first = backoff.on_exception(backoff.expo, Fail, max_tries=3)(ok)
    common = dict(max_tries=TRIES, jitter=backoff.random_jitter)
    return (first, backoff.on_exception(backoff.expo, Fail, **common)(ok),
            backoff.on_exception(backoff.expo, Fail, **common)(fail))


def make_retrying():
    import retrying
    first = retrying.retry(stop_max_attempt_number=3,
                           wait_exponential_multiplier=1000)(ok)
    common = dict(stop_max_attempt_number=TRIES,
                  wait_exponential_multiplier=1000, wait_jitter_max=1000)
    return (first, retrying.retry(**common)(ok),
            retrying.retry(**common)(fail))


def per_call_ns(fn, n):
    t0 = time.perf_counter_ns()
    for _ in range(n):
        try:
            fn()
        except Fail:
            pass
    return (time.perf_counter_ns() - t0) / n


def calibrate(fn):
    n = 100
    while per_call_ns(fn, n) * n < 50e6:  # about 50 ms per measurement
        n *= 2
    return n


def measure(make):
    first, retry_ok, retry_fail = make()
    n_first, n_ok, n_fail = calibrate(first), calibrate(retry_ok), \
        calibrate(retry_fail)
    firsts, retries = [], []
    for _ in range(ROUNDS):
        firsts.append(per_call_ns(first, n_first))
        retries.append((per_call_ns(retry_fail, n_fail) -
                        per_call_ns(retry_ok, n_ok)) / (TRIES - 1))
    return statistics.median(firsts), statistics.median(retries)


PEERS = [("tenacity", "python3-tenacity", make_tenacity),
         ("backoff", "python3-backoff", make_backoff),
         ("retrying", "python3-retrying", make_retrying)]

print("# python %s" % sys.version.split()[0])
for name, package, make in PEERS:
    try:
        module = __import__(name)
    except ImportError:
        print("missing %s %s" % (name, package))
        continue
    version = getattr(module, "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as dist_version
            version = dist_version(name)
        except Exception:  # no metadata: the version is unknown
            version = "unknown"
    print("# %s %s" % (name, version))
    first_ns, retry_ns = measure(make)
    print("%s first_try %.1f" % (name, first_ns))
    print("%s retry %.1f" % (name, retry_ns))
    sys.stdout.flush()
