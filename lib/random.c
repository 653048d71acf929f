/* SPDX-License-Identifier: MIT */
/* The built-in random source: xoshiro256** seeded through splitmix64.
 * Unseeded runs draw their seeds from one process-wide stream: a single
 * getrandom() at first use, then one seed per thread from a lock-free
 * counter, so the retry path makes no syscall, takes no lock and writes no
 * shared memory. */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif

#include "internal.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void backoff_rng_seed(backoff_rng_t *rng, uint64_t seed) {
  int i;
  for (i = 0; i < 4; i++)
    rng->s_[i] = splitmix64(&seed);
}

double backoff_rng_uniform(void *p) {
  backoff_rng_t *rng = p;
  uint64_t *s = rng->s_;
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  /* The top 53 bits make every double in [0, 1) on a 2^-53 grid equally
   * likely; 1.0 itself is never returned. */
  return (double)(result >> 11) * 0x1.0p-53;
}

static uint64_t process_seed;
static uint64_t seed_counter;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_process(void) {
  uint64_t s = 0;
#ifdef HAVE_GETRANDOM
  if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s)) {
    process_seed = s;
    return;
  }
#endif
  {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
        ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&s;
    process_seed = s;
  }
}

/* Each thread takes one seed from the process-wide stream, at its first
 * unseeded run, and walks its own splitmix64 sequence from there: a shared
 * counter bumped on every run was one cache line fought over by every
 * retrying thread (2 threads: 1.3x the throughput of one instead of 2x). */
static __thread uint64_t thread_seed
    __attribute__((tls_model("initial-exec")));
static __thread int thread_seed_ready
    __attribute__((tls_model("initial-exec")));

uint64_t backoff__seed_next(void) {
  if (BACKOFF_UNLIKELY(!thread_seed_ready)) {
    uint64_t x;
    pthread_once(&seed_once, seed_process);
    x = process_seed + __atomic_fetch_add(&seed_counter, 0x9e3779b97f4a7c15ULL,
                                          __ATOMIC_RELAXED);
    thread_seed = splitmix64(&x);
    thread_seed_ready = 1;
  }
  return splitmix64(&thread_seed);
}

static __thread backoff_rng_t thread_rng;
static __thread int thread_rng_ready;

double backoff__thread_uniform(void *unused) {
  (void)unused;
  if (BACKOFF_UNLIKELY(!thread_rng_ready)) {
    backoff_rng_seed(&thread_rng, backoff__seed_next());
    thread_rng_ready = 1;
  }
  return backoff_rng_uniform(&thread_rng);
}
