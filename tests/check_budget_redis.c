/* SPDX-License-Identifier: MIT */
/* redis:// budgets against a real redis-server that each test starts on a
 * free 127.0.0.1 port in a temporary directory and stops afterwards:
 * exact accounting across 8 processes, a stopped server (retries wait at
 * most the timeout), a server killed and restarted mid-run (fallback, then
 * recovery), credentials, fork, and every bad input. Skips (TAP SKIP) only
 * when redis-server or hiredis is not installed. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "budget_procs.h"

static const char *redis_server;
static char tmpdir[64];
static pid_t server_pid;
static int port;

static int free_port(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), p;

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  p = ntohs(a.sin_port);
  close(fd);
  return p;
}

/* Sends cmd (inline commands, each ending "\r\n") to the test's server and
 * reads its reply into buf: until `until` is in it followed by a line's
 * end, or (until NULL) one read; a silent server gives up after 1 s.
 * Returns the bytes read, 0 when nothing answered. */
static size_t redis_cmd(const char *cmd, const char *until, char *buf,
                        size_t size) {
  const struct timeval limit = {1, 0};
  struct sockaddr_in a;
  size_t got = 0;
  ssize_t n;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  buf[0] = '\0';
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd)) {
    while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0) {
      const char *p;
      got += (size_t)n;
      buf[got] = '\0';
      if (until == NULL ||
          ((p = strstr(buf, until)) != NULL && strchr(p, '\n') != NULL))
        break;
    }
  }
  close(fd);
  return got;
}

/* 1 when something answers PING on the port. */
static int pings(const char *password) {
  char cmd[256], buf[256];
  if (password)
    snprintf(cmd, sizeof(cmd), "AUTH %s\r\nPING\r\n", password);
  else
    snprintf(cmd, sizeof(cmd), "PING\r\n");
  redis_cmd(cmd, "+PONG", buf, sizeof(buf));
  return strstr(buf, "+PONG") != NULL;
}

/* The server's total_commands_processed (INFO stats), or -1. */
static long commands_processed(void) {
  static const char field[] = "total_commands_processed:";
  char buf[8192];
  const char *p;
  redis_cmd("INFO stats\r\n", field, buf, sizeof(buf));
  p = strstr(buf, field);
  return p != NULL ? atol(p + strlen(field)) : -1;
}

/* Starts redis-server on `port`; 0 when it exits at once instead (the
 * port was taken meanwhile: free_port() can only pick one that was free). */
static int server_try(const char *password) {
  char portarg[16];
  int i, st;

  snprintf(portarg, sizeof(portarg), "%d", port);
  server_pid = fork();
  ck_assert_int_ge(server_pid, 0);
  if (server_pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    /* A test that fails an assertion exits without its teardown: the
     * server must not outlive it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(devnull, 1);
    if (password)
      execl(redis_server, redis_server, "--port", portarg, "--bind",
            "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmpdir,
            "--requirepass", password, (char *)NULL);
    else
      execl(redis_server, redis_server, "--port", portarg, "--bind",
            "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmpdir,
            (char *)NULL);
    _exit(127);
  }
  /* Whoever answers must be ours: still running once it does. */
  for (i = 0; i < 250; i++) {
    if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
      server_pid = 0;
      return 0;
    }
    if (pings(password) && waitpid(server_pid, &st, WNOHANG) == 0)
      return 1;
    usleep(20000);
  }
  ck_abort_msg("redis-server did not answer on port %d", port);
  return 0;
}

static void server_start(const char *password) {
  ck_assert_msg(server_try(password),
                "redis-server could not listen on port %d again", port);
}

static void server_stop(void) {
  int st;
  if (server_pid <= 0)
    return;
  kill(server_pid, SIGKILL);
  waitpid(server_pid, &st, 0);
  server_pid = 0;
}

static void setup(void) {
  int tries = 0;

  snprintf(tmpdir, sizeof(tmpdir), "/tmp/backoff-redis.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
  do
    port = free_port();
  while (!server_try(NULL) && ++tries < 5);
  ck_assert_msg(server_pid > 0, "redis-server found no free port in 5 tries");
}

static void teardown(void) {
  char cmd[128];
  server_stop();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "# could not remove %s\n", tmpdir);
}

static char spec_buf[128];
static const char *spec(const char *key) {
  snprintf(spec_buf, sizeof(spec_buf), "redis://127.0.0.1:%d/%s", port, key);
  return spec_buf;
}

/* on_event: counts "unreachable" and "reachable again", and calls back
 * into the budget (no lock may be held around it). */
static int downs, ups;
static void on_event(const backoff_budget_t *b, const char *message) {
  (void)backoff_budget_tokens(b);
  if (strstr(message, "unreachable"))
    __atomic_add_fetch(&downs, 1, __ATOMIC_SEQ_CST);
  else if (strstr(message, "reachable again"))
    __atomic_add_fetch(&ups, 1, __ATOMIC_SEQ_CST);
}

static backoff_policy_t *policy_for(backoff_budget_t *b, unsigned tries) {
  backoff_options_t o;
  backoff_policy_t *p = NULL;
  memset(&o, 0, sizeof(o));
  o.strategy = "fixed";
  o.jitter = BACKOFF_JITTER_NONE;
  o.max_tries = tries;
  o.max_delay = INFINITY;
  o.sleep = no_sleep;
  o.budget = b;
  ck_assert_int_eq(backoff_policy_new(&p, &o), 0);
  return p;
}

/* Successes send nothing from the calling thread: 1000 first-try
 * successes (and the handle's idle thread) reach the server as a handful
 * of commands at most. */
START_TEST(first_try_success_costs_no_round_trip) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  backoff_policy_t *p;
  long before, after;
  int i;

  memset(&bo, 0, sizeof(bo));
  bo.flush_ms = 60000;
  ck_assert_int_eq(backoff_budget_open(&b, spec("quiet"), &bo), 0);
  p = policy_for(b, 3);
  before = commands_processed();
  for (i = 0; i < 1000; i++)
    ck_assert_int_eq(backoff_run(p, op_succeed, NULL, NULL), 0);
  after = commands_processed();
  ck_assert_int_ge(before, 0);
  /* One more for the INFO itself. */
  ck_assert_msg(after - before <= 1, "%ld commands for 1000 successes",
                after - before);
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

START_TEST(accounting_across_processes_token_bucket) {
  procs_run(spec("acct-tb"), BACKOFF_BUDGET_TOKEN_BUCKET, 300);
  ck_assert_int_eq(backoff_budget_unlink(spec("acct-tb")), 0);
}
END_TEST

START_TEST(accounting_across_processes_ratio) {
  procs_run(spec("acct-ratio"), BACKOFF_BUDGET_RATIO, 300);
}
END_TEST

/* A first-try success sends nothing from the calling thread: with the
 * server stopped, successes still return at once and count. */
START_TEST(stopped_server_bounds_every_wait) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  backoff_policy_t *p;
  backoff_report_t r;
  uint64_t t0, worst = 0;
  int i;

  memset(&bo, 0, sizeof(bo));
  bo.capacity = 100;
  bo.lease = 10; /* two retries */
  bo.timeout_ms = 50;
  bo.on_event = on_event;
  downs = ups = 0;
  ck_assert_int_eq(backoff_budget_open(&b, spec("stop"), &bo), 0);
  p = policy_for(b, 2);
  kill(server_pid, SIGSTOP);
  for (i = 0; i < 20; i++) {
    t0 = backoff_clock_ns();
    backoff_run(p, op_fail, NULL, &r);
    if (backoff_clock_ns() - t0 > worst)
      worst = backoff_clock_ns() - t0;
  }
  /* A 50 ms timeout; a hang would be forever. */
  ck_assert_msg(worst < 1000000000u, "a retry waited %.3f s",
                (double)worst / 1e9);
  ck_assert_int_eq(__atomic_load_n(&downs, __ATOMIC_SEQ_CST), 1);
  kill(server_pid, SIGCONT);
  for (i = 0; i < 500 && __atomic_load_n(&ups, __ATOMIC_SEQ_CST) == 0; i++)
    usleep(20000);
  ck_assert_int_eq(__atomic_load_n(&ups, __ATOMIC_SEQ_CST), 1);
  ck_assert_int_eq(__atomic_load_n(&downs, __ATOMIC_SEQ_CST), 1);
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

/* Sixteen threads need a round trip at once while the server is stopped:
 * none waits for the others' attempts in turn. Each wait is bounded by
 * about one timeout (asserted with a generous 2x: this bounds blocking,
 * it does not time speed). */
static backoff_policy_t *stop_policy;
static pthread_barrier_t stop_bar;
static uint64_t stop_waits[16];
static void *stop_thread_run(void *arg) {
  backoff_report_t r;
  uint64_t t0;
  pthread_barrier_wait(&stop_bar);
  t0 = backoff_clock_ns();
  backoff_run(stop_policy, op_fail, NULL, &r);
  stop_waits[(intptr_t)arg] = backoff_clock_ns() - t0;
  return NULL;
}

START_TEST(stopped_server_bounds_every_thread) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  pthread_t t[16];
  uint64_t worst = 0;
  intptr_t i;

  memset(&bo, 0, sizeof(bo));
  bo.capacity = 100;
  bo.retry_cost = 5;
  bo.lease = 5; /* one retry: every thread needs a round trip */
  bo.timeout_ms = 200;
  bo.flush_ms = 60000;
  ck_assert_int_eq(backoff_budget_open(&b, spec("stop16"), &bo), 0);
  stop_policy = policy_for(b, 2);
  pthread_barrier_init(&stop_bar, NULL, 16);
  kill(server_pid, SIGSTOP);
  for (i = 0; i < 16; i++)
    pthread_create(&t[i], NULL, stop_thread_run, (void *)i);
  for (i = 0; i < 16; i++) {
    pthread_join(t[i], NULL);
    if (stop_waits[i] > worst)
      worst = stop_waits[i];
  }
  kill(server_pid, SIGCONT);
  pthread_barrier_destroy(&stop_bar);
  /* Serialized, the 16 waits would take 3.2 s: a bound of 2 s proves they
   * are not, with room for a loaded machine. */
  ck_assert_msg(worst < 10 * 200 * 1000000u,
                "a call waited %.3f s with a 0.2 s timeout",
                (double)worst / 1e9);
  backoff_policy_free(stop_policy);
  backoff_budget_free(b);
}
END_TEST

/* A ratio budget with Redis gone follows this process's own count,
 * clamped like the in-process budget: successes beyond max_tokens do not
 * buy unlimited retries later. Same calls on both: same retries. */
static int retried(backoff_policy_t *p, int n) {
  backoff_report_t r;
  int i, k = 0;
  for (i = 0; i < n; i++) {
    backoff_run(p, op_fail, NULL, &r);
    k += r.stop == BACKOFF_STOP_EXHAUSTED;
  }
  return k;
}

START_TEST(ratio_clamped_while_unreachable) {
  backoff_budget_options_t bo;
  backoff_budget_t *b, *l;
  backoff_policy_t *p, *pl;
  int i, far, near;

  memset(&bo, 0, sizeof(bo));
  bo.kind = BACKOFF_BUDGET_RATIO;
  bo.max_tokens = 10;
  bo.token_ratio = 0.1;
  bo.timeout_ms = 200;
  bo.flush_ms = 10;
  bo.on_event = on_event;
  downs = ups = 0;
  ck_assert_int_eq(backoff_budget_open(&b, spec("ratio-down"), &bo), 0);
  ck_assert_int_eq(backoff_budget_new(&l, &bo), 0);
  p = policy_for(b, 2);
  pl = policy_for(l, 2);
  server_stop();
  for (i = 0; i < 500 && __atomic_load_n(&downs, __ATOMIC_SEQ_CST) == 0; i++)
    usleep(20000);
  ck_assert_int_eq(__atomic_load_n(&downs, __ATOMIC_SEQ_CST), 1);
  for (i = 0; i < 10000; i++) {
    backoff_run(p, op_succeed, NULL, NULL);
    backoff_run(pl, op_succeed, NULL, NULL);
  }
  ck_assert(backoff_budget_tokens(b) == 10);
  far = retried(p, 2000);
  near = retried(pl, 2000);
  ck_assert_msg(far == near, "retried %d with Redis gone, %d in-process", far,
                near);
  ck_assert(backoff_budget_tokens(b) == backoff_budget_tokens(l));
  backoff_policy_free(p);
  backoff_policy_free(pl);
  backoff_budget_free(b);
  backoff_budget_free(l);
}
END_TEST

/* Running totals past 1e14 thousandths (Lua writes 1.5e+14 unless told
 * otherwise): a refund after them is still counted. */
START_TEST(large_totals_keep_counting) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  backoff_policy_t *p;
  backoff_report_t r;
  int i;

  memset(&bo, 0, sizeof(bo));
  bo.capacity = 1000000000;
  bo.retry_cost = 1000000000;
  bo.timeout_cost = 1000000000;
  bo.success_refund = 1000000000;
  bo.flush_ms = 60000;
  ck_assert_int_eq(backoff_budget_open(&b, spec("big"), &bo), 0);
  p = policy_for(b, 2);
  for (i = 0; i < 150; i++) /* 1.5e14 thousandths sent */
    ck_assert_int_eq(backoff_run(p, op_succeed, NULL, NULL), 0);
  ck_assert(backoff_budget_tokens(b) == 1e9);
  backoff_run(p, op_fail, NULL, &r); /* the retry spends it all */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert(backoff_budget_tokens(b) == 0);
  ck_assert_int_eq(backoff_run(p, op_succeed, NULL, NULL), 0);
  ck_assert_msg(backoff_budget_tokens(b) == 1e9, "%.0f tokens, want 1e9",
                backoff_budget_tokens(b));
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

/* Sends one inline command; 1 if the reply is an integer or status. */
static int redis_inline(const char *cmd) {
  char buf[512];
  return redis_cmd(cmd, NULL, buf, sizeof(buf)) > 0 &&
         (buf[0] == ':' || buf[0] == '+');
}

/* The handle's own thread takes none of the process's signals: a program
 * that blocks SIGTERM to read it from a signalfd (the backoff command)
 * must not have it delivered to, and kill, the process through that
 * thread. */
START_TEST(handle_thread_blocks_every_signal) {
  backoff_budget_t *b;
  sigset_t none, old;
  DIR *d;
  struct dirent *e;
  int seen = 0;

  /* Opened by a thread that takes every signal. */
  sigemptyset(&none);
  ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, &none, &old), 0);
  ck_assert_int_eq(backoff_budget_open(&b, spec("mask"), NULL), 0);
  ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
  d = opendir("/proc/self/task");
  ck_assert_ptr_nonnull(d);
  while ((e = readdir(d)) != NULL) {
    char path[300], line[256];
    unsigned long long blocked = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
    if (e->d_name[0] == '.' || (f = fopen(path, "r")) == NULL)
      continue;
    line[0] = '\0';
    (void)fgets(line, sizeof(line), f);
    fclose(f);
    if (strcmp(line, "backoff-redis\n") != 0)
      continue;
    snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
    ck_assert_ptr_nonnull(f = fopen(path, "r"));
    while (fgets(line, sizeof(line), f) != NULL)
      if (strncmp(line, "SigBlk:", 7) == 0)
        blocked = strtoull(line + 7, NULL, 16);
    fclose(f);
    seen++;
    ck_assert_msg((blocked >> (SIGTERM - 1) & 1) &&
                      (blocked >> (SIGINT - 1) & 1) &&
                      (blocked >> (SIGCHLD - 1) & 1),
                  "the handle's thread takes signals: SigBlk %llx", blocked);
  }
  closedir(d);
  ck_assert_int_eq(seen, 1);
  backoff_budget_free(b);
}
END_TEST

/* A key that holds something else is refused as such, and left alone. */
START_TEST(key_of_another_type_is_refused) {
  backoff_budget_t *b = NULL;
  char buf[64];

  ck_assert(redis_inline("SET other-type x\r\n"));
  EXPECT_ERR(backoff_budget_open(&b, spec("other-type"), NULL),
             BACKOFF_ECORRUPT,
             "holds something other than a libbackoff budget");
  ck_assert_ptr_null(b);
  EXPECT_ERR(backoff_budget_unlink(spec("other-type")), BACKOFF_ECORRUPT,
             "not removed");
  redis_cmd("GET other-type\r\n", "$1", buf, sizeof(buf));
  ck_assert_msg(strstr(buf, "\r\nx\r\n") != NULL, "the key now holds %s", buf);
}
END_TEST

/* The server forgets the budget script (SCRIPT FLUSH; a restarted server
 * has no script cache either): the next exchange sends it again, and no
 * token is lost or counted twice. */
START_TEST(forgotten_script_is_sent_again) {
  backoff_budget_options_t bo = {.capacity = 1000, .timeout_ms = 5000};
  backoff_budget_t *b;
  backoff_policy_t *p;
  backoff_report_t r;
  int i;

  downs = 0;
  bo.on_event = on_event;
  ck_assert_int_eq(backoff_budget_open(&b, spec("flushed"), &bo), 0);
  p = policy_for(b, 3);
  backoff_run(p, op_fail, NULL, &r); /* 2 retries: -10 */
  ck_assert(redis_inline("SCRIPT FLUSH\r\n"));
  for (i = 0; i < 5; i++) /* each spends a whole lease: an exchange each */
    backoff_run(p, op_fail, NULL, &r);
  ck_assert_msg(backoff_budget_tokens(b) == 1000 - 60, "%.0f tokens",
                backoff_budget_tokens(b));
  ck_assert_int_eq(__atomic_load_n(&downs, __ATOMIC_SEQ_CST), 0);
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

/* A lease that lapsed (its holder cut off for longer than the lease's
 * life) is taken back by another process; when its holder returns it
 * later it is not counted a second time. */
START_TEST(lapsed_lease_returned_late_counts_once) {
  backoff_budget_options_t bo;
  backoff_budget_t *c1, *c2, *c3;
  backoff_policy_t *p1, *p2;
  backoff_report_t r;
  int i;

  memset(&bo, 0, sizeof(bo));
  bo.capacity = 100;
  bo.retry_cost = 10;
  bo.lease = 20;
  bo.flush_ms = 60000;
  ck_assert_int_eq(backoff_budget_open(&c1, spec("lapse"), &bo), 0);
  p1 = policy_for(c1, 2);
  backoff_run(p1, op_fail, NULL, &r); /* leases 20, spends 10 */
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  /* c1's lease lapses (as after 30 s without a word from it). */
  ck_assert(redis_inline(
      "EVAL \"local l = redis.call('HGETALL', KEYS[1]) "
      "local e = string.format('%.0f', "
      "tonumber(redis.call('TIME')[1]) * 1000 - 1000) "
      "for i = 1, #l, 2 do local a, x, rest = "
      "string.match(l[i + 1], '^(%d+):(%d+):(.*)$') "
      "redis.call('HSET', KEYS[1], l[i], a .. ':' .. e .. ':' .. rest) end "
      "return 1\" 1 lapse:leases\r\n"));
  /* c2 takes it back (all 20: what c1 spent is not known), then spends
   * 50. */
  ck_assert_int_eq(backoff_budget_open(&c2, spec("lapse"), &bo), 0);
  ck_assert(backoff_budget_tokens(c2) == 100);
  p2 = policy_for(c2, 2);
  for (i = 0; i < 5; i++) {
    backoff_run(p2, op_fail, NULL, &r);
    ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  }
  backoff_policy_free(p2);
  backoff_budget_free(c2);
  /* c1 comes back and returns the 10 it holds: already taken back. */
  backoff_policy_free(p1);
  backoff_budget_free(c1);
  bo.flags = BACKOFF_BUDGET_ATTACH;
  ck_assert_int_eq(backoff_budget_open(&c3, spec("lapse"), &bo), 0);
  ck_assert_msg(backoff_budget_tokens(c3) == 50, "%.0f tokens, want 50",
                backoff_budget_tokens(c3));
  backoff_budget_free(c3);
}
END_TEST

/* Killed and restarted mid-run: the budget falls back (bounded by the
 * last lease), then recovers on the new server; no crash. */
START_TEST(server_killed_and_restarted) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  backoff_policy_t *p;
  backoff_report_t r;
  int i, granted = 0;

  memset(&bo, 0, sizeof(bo));
  bo.capacity = 1000;
  bo.lease = 20;
  bo.flush_ms = 20;
  bo.on_event = on_event;
  downs = ups = 0;
  ck_assert_int_eq(backoff_budget_open(&b, spec("restart"), &bo), 0);
  p = policy_for(b, 2);
  for (i = 0; i < 10; i++)
    backoff_run(p, op_fail, NULL, &r);
  server_stop();
  /* Down: at most the lease (20) plus the local bucket (20, refilled
   * only by successes, of which there are none): 8 retries of 5. */
  for (i = 0; i < 50; i++) {
    backoff_run(p, op_fail, NULL, &r);
    granted += r.attempts - 1;
  }
  ck_assert_int_le(granted, 8);
  ck_assert_int_eq(__atomic_load_n(&downs, __ATOMIC_SEQ_CST), 1);
  /* The local bucket is refilled by this process's successes (1 each),
   * up to the last lease (20): 10 successes pay 2 retries, 30 pay 4. */
  for (i = 0; i < 10; i++)
    backoff_run(p, op_succeed, NULL, &r);
  for (granted = 0, i = 0; i < 10; i++) {
    backoff_run(p, op_fail, NULL, &r);
    granted += r.attempts - 1;
  }
  ck_assert_int_eq(granted, 2);
  for (i = 0; i < 30; i++)
    backoff_run(p, op_succeed, NULL, &r);
  for (granted = 0, i = 0; i < 10; i++) {
    backoff_run(p, op_fail, NULL, &r);
    granted += r.attempts - 1;
  }
  ck_assert_int_eq(granted, 4);
  server_start(NULL);
  for (i = 0; i < 500 && __atomic_load_n(&ups, __ATOMIC_SEQ_CST) == 0; i++)
    usleep(20000);
  ck_assert_int_eq(__atomic_load_n(&ups, __ATOMIC_SEQ_CST), 1);
  /* The new server starts a new budget: retries are paid again. */
  backoff_run(p, op_fail, NULL, &r);
  ck_assert_int_eq(r.stop, BACKOFF_STOP_EXHAUSTED);
  ck_assert(backoff_budget_tokens(b) > 900);
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

START_TEST(credentials) {
  char url[160];
  backoff_budget_t *b = NULL;

  server_stop();
  server_start("s3cret-pw");
  snprintf(url, sizeof(url), "redis://:wrong-pw@127.0.0.1:%d/k", port);
  EXPECT_ERR(backoff_budget_open(&b, url, NULL), BACKOFF_EAUTH,
             "refused the credentials");
  ck_assert_ptr_null(strstr(backoff_last_error(), "wrong-pw"));
  snprintf(url, sizeof(url), "redis://:@127.0.0.1:%d/k", port);
  EXPECT_ERR(backoff_budget_open(&b, url, NULL), BACKOFF_EAUTH, "NOAUTH");
  {
    backoff_budget_options_t bo;
    memset(&bo, 0, sizeof(bo));
    bo.flags = BACKOFF_BUDGET_ATTACH; /* its first command is not the script */
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/k", port);
    EXPECT_ERR(backoff_budget_open(&b, url, &bo), BACKOFF_EAUTH, "NOAUTH");
    EXPECT_ERR(backoff_budget_unlink(url), BACKOFF_EAUTH, "NOAUTH");
  }
  snprintf(url, sizeof(url), "redis://nobody:s3cret-pw@127.0.0.1:%d/k", port);
  EXPECT_ERR(backoff_budget_open(&b, url, NULL), BACKOFF_EAUTH,
             "redis://nobody@127.0.0.1");
  ck_assert_ptr_null(strstr(backoff_last_error(), "s3cret"));
  /* The last '@' ends the user information: a '/' in the password is
   * neither a key nor shown. */
  snprintf(url, sizeof(url), "redis://admin:1234/hunter2@127.0.0.1:%d/k",
           port);
  EXPECT_ERR(backoff_budget_open(&b, url, NULL), BACKOFF_EAUTH,
             "redis://admin@127.0.0.1");
  ck_assert_msg(strstr(backoff_last_error(), "hunter2") == NULL &&
                    strstr(backoff_last_error(), "1234") == NULL,
                "'%s' shows the password", backoff_last_error());
  snprintf(url, sizeof(url), "redis://127.0.0.1:%d/k@x", port);
  EXPECT_ERR(backoff_budget_open(&b, url, NULL), BACKOFF_ESYNTAX,
             "a key may not contain '@'");
  snprintf(url, sizeof(url), "redis://:s3cret%%2Dpw@127.0.0.1:%d/k", port);
  ck_assert_msg(backoff_budget_open(&b, url, NULL) == 0, "%s",
                backoff_last_error());
  ck_assert(backoff_budget_tokens(b) == 500);
  backoff_budget_free(b);
  snprintf(url, sizeof(url), "redis://default:s3cret-pw@127.0.0.1:%d/k", port);
  ck_assert_msg(backoff_budget_open(&b, url, NULL) == 0, "%s",
                backoff_last_error());
  backoff_budget_free(b);
}
END_TEST

START_TEST(bad_inputs) {
  backoff_budget_options_t bo;
  backoff_budget_t *b = NULL, *c = NULL;
  char url[160];

  EXPECT_ERR(backoff_budget_open(&b, "redis://127.0.0.1:1", NULL),
             BACKOFF_ESYNTAX, "without a key");
  EXPECT_ERR(backoff_budget_open(&b, "redis://127.0.0.1/", NULL),
             BACKOFF_ESYNTAX, "without a key");
  EXPECT_ERR(backoff_budget_open(&b, "redis:///k", NULL), BACKOFF_ESYNTAX,
             "no host name");
  EXPECT_ERR(backoff_budget_open(&b, "redis://h:0/k", NULL), BACKOFF_ESYNTAX,
             "port must be 1 to 65535");
  EXPECT_ERR(backoff_budget_open(&b, "redis://h:x/k", NULL), BACKOFF_ESYNTAX,
             "port must be 1 to 65535");
  EXPECT_ERR(backoff_budget_open(&b, "redis://pw@h/k", NULL), BACKOFF_ESYNTAX,
             "[user]:password");
  ck_assert_ptr_null(strstr(backoff_last_error(), "pw@"));
  EXPECT_ERR(backoff_budget_open(&b, "redis://:p%zz@h/k", NULL),
             BACKOFF_ESYNTAX, "bad %XX escape");
  /* Nothing listens on the port we just freed. */
  snprintf(url, sizeof(url), "redis://127.0.0.1:%d/k", free_port());
  EXPECT_ERR(backoff_budget_open(&b, url, NULL), BACKOFF_EUNREACH,
             "cannot connect");
  ck_assert_ptr_null(b);
  /* Settings that differ. */
  memset(&bo, 0, sizeof(bo));
  bo.capacity = 100;
  ck_assert_int_eq(backoff_budget_open(&b, spec("mm"), &bo), 0);
  bo.capacity = 200;
  EXPECT_ERR(backoff_budget_open(&c, spec("mm"), &bo), BACKOFF_EMISMATCH,
             "exists with kind=token-bucket capacity=100");
  ck_assert_ptr_nonnull(strstr(backoff_last_error(), "asked for "
                                                     "kind=token-bucket "
                                                     "capacity=200"));
  /* ATTACH adopts the stored settings; a missing key is ENOENT. */
  bo.flags = BACKOFF_BUDGET_ATTACH;
  bo.lease = 7; /* the handle's own, kept */
  ck_assert_int_eq(backoff_budget_open(&c, spec("mm"), &bo), 0);
  {
    backoff_budget_options_t got;
    ck_assert_int_eq(backoff_budget_settings(c, &got), 0);
    ck_assert_uint_eq(got.capacity, 100);
    ck_assert_uint_eq(got.lease, 7);
    ck_assert(backoff_budget_tokens(c) == 100);
  }
  backoff_budget_free(c);
  /* Without a lease of its own, an attached handle works out the same one
   * as the creator (a module's rule once differed from the core's). */
  bo.lease = 0;
  ck_assert_int_eq(backoff_budget_open(&c, spec("mm"), &bo), 0);
  {
    backoff_budget_options_t mine, theirs;
    ck_assert_int_eq(backoff_budget_settings(b, &theirs), 0);
    ck_assert_int_eq(backoff_budget_settings(c, &mine), 0);
    ck_assert_uint_eq(mine.lease, theirs.lease);
    ck_assert_uint_eq(mine.lease, 10); /* twice retry_cost 5 */
  }
  backoff_budget_free(c);
  EXPECT_ERR(backoff_budget_open(&c, spec("nokey"), &bo), BACKOFF_ENOENT,
             "no such budget");
  backoff_budget_free(b);
  ck_assert_int_eq(backoff_budget_unlink(spec("mm")), 0);
  EXPECT_ERR(backoff_budget_unlink(spec("mm")), BACKOFF_ENOENT,
             "no such budget");
}
END_TEST

/* A child after fork() uses its own connection and no lease of its
 * parent's: the counts of both add up exactly. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

START_TEST(fork_child_uses_its_own_connection) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  backoff_policy_t *p;
  backoff_report_t r;
  pid_t pid;
  int st;

#ifdef UNDER_TSAN
  /* The child starts its own thread, which ThreadSanitizer refuses after
   * a fork of a threaded process: the other builds run this test. */
  printf("# fork test not run under ThreadSanitizer\n");
  return;
#endif
  memset(&bo, 0, sizeof(bo));
  bo.capacity = 1000;
  bo.timeout_ms = 5000;
  ck_assert_int_eq(backoff_budget_open(&b, spec("fork"), &bo), 0);
  p = policy_for(b, 3);
  backoff_run(p, op_fail, NULL, &r); /* -10, lease 20 -> 10 left */
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int i;
    for (i = 0; i < 5; i++)
      backoff_run(p, op_fail, NULL, &r); /* -50 */
    backoff_policy_free(p);
    backoff_budget_free(b);
    _exit(r.stop == BACKOFF_STOP_EXHAUSTED ? 0 : 1);
  }
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  backoff_run(p, op_fail, NULL, &r); /* -10 */
  ck_assert(backoff_budget_tokens(b) == 1000 - 70);
  backoff_policy_free(p);
  backoff_budget_free(b);
}
END_TEST

/* A child's threads all use the inherited handle at once: the handle is
 * reset once, in the child, before any of them runs (a lazy reset from
 * each thread freed the same connection twice). */
static backoff_policy_t *fork_policy;
static pthread_barrier_t fork_bar;
static void *fork_thread(void *arg) {
  backoff_report_t r;
  (void)arg;
  pthread_barrier_wait(&fork_bar);
  backoff_run(fork_policy, op_fail, NULL, &r);
  backoff_run(fork_policy, op_succeed, NULL, &r);
  return NULL;
}

static int threads_now(void) {
  char line[256];
  int n = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL)
    if (strncmp(line, "Threads:", 8) == 0)
      n = atoi(line + 8);
  fclose(f);
  return n;
}

START_TEST(fork_child_threads_share_one_reset) {
  backoff_budget_options_t bo;
  backoff_budget_t *b;
  int k;

#ifdef UNDER_TSAN
  printf("# fork test not run under ThreadSanitizer\n");
  return;
#endif
  memset(&bo, 0, sizeof(bo));
  bo.capacity = 100000;
  bo.timeout_ms = 5000;
  ck_assert_int_eq(backoff_budget_open(&b, spec("forkthreads"), &bo), 0);
  fork_policy = policy_for(b, 2);
  for (k = 0; k < 10; k++) {
    pid_t pid = fork();
    int st;
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
      pthread_t t[8];
      int i, n;
      pthread_barrier_init(&fork_bar, NULL, 8);
      for (i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, fork_thread, NULL);
      for (i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
      n = threads_now(); /* this one and the handle's own */
      backoff_policy_free(fork_policy);
      backoff_budget_free(b);
      _exit(n == 2 ? 0 : 3);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "child %d killed by signal %d", k,
                  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    ck_assert_msg(WEXITSTATUS(st) == 0,
                  "child %d: more than one handle "
                  "thread",
                  k);
  }
  backoff_policy_free(fork_policy);
  backoff_budget_free(b);
}
END_TEST

Suite *make_suite(void) {
  Suite *s = suite_create("budget_redis");
  TCase *tc = tcase_create("redis");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, first_try_success_costs_no_round_trip);
  tcase_add_test(tc, accounting_across_processes_token_bucket);
  tcase_add_test(tc, accounting_across_processes_ratio);
  tcase_add_test(tc, stopped_server_bounds_every_wait);
  tcase_add_test(tc, stopped_server_bounds_every_thread);
  tcase_add_test(tc, server_killed_and_restarted);
  tcase_add_test(tc, ratio_clamped_while_unreachable);
  tcase_add_test(tc, large_totals_keep_counting);
  tcase_add_test(tc, lapsed_lease_returned_late_counts_once);
  tcase_add_test(tc, credentials);
  tcase_add_test(tc, bad_inputs);
  tcase_add_test(tc, key_of_another_type_is_refused);
  tcase_add_test(tc, handle_thread_blocks_every_signal);
  tcase_add_test(tc, forgotten_script_is_sent_again);
  tcase_add_test(tc, fork_child_uses_its_own_connection);
  tcase_add_test(tc, fork_child_threads_share_one_reset);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr;
  int failed;

  if (getenv("BUDGET_REDIS_BUILT") == NULL ||
      strcmp(getenv("BUDGET_REDIS_BUILT"), "yes") != 0) {
    printf("1..0 # SKIP budget_redis was not built (configure did not find "
           "hiredis; Debian: apt-get install libhiredis-dev)\n");
    return 0;
  }
  redis_server = getenv("REDIS_SERVER");
  if (redis_server == NULL || redis_server[0] == '\0' ||
      access(redis_server, X_OK) != 0) {
    printf("1..0 # SKIP redis-server not found (Debian: apt-get install "
           "redis-server; configure looks for it on PATH)\n");
    return 0;
  }
  sr = srunner_create(make_suite());
  srunner_set_tap(sr, "-");
  srunner_run_all(sr, CK_SILENT);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
