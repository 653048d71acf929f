/* SPDX-License-Identifier: MIT */
/* redis:// budgets: one retry budget for a fleet, kept in Redis.
 *
 * A module of its own so that libbackoff never links hiredis.
 *
 * Where the tokens are. The hash KEY holds the settings (`s`) and the
 * tokens not handed out (`t`, thousandths); the hash KEY:leases holds, per
 * process, the tokens it has been lent and when that lease lapses. One Lua
 * script does every change atomically, on Redis's own clock (TIME): it
 * takes back what a process returns, adds its batched refunds, reclaims
 * leases that lapsed (a process that died), clamps, and lends anew. Every
 * write renews a time to live on both keys, so an abandoned budget goes.
 *
 * The calling thread. A first-try success adds to a local counter and
 * nothing else; a handle's own thread sends those counts every flush_ms,
 * returning the unspent lease and taking a fresh one. A retry spends the
 * lease and asks Redis itself only when the lease cannot pay.
 *
 * When Redis cannot be reached (every call is bounded by timeout_ms),
 * retries spend the lease, then a local bucket no larger than the last
 * lease, refilled by this process's successes: neither "no retries at all"
 * (a Redis outage would become everybody's outage) nor "unlimited" (the
 * storm the budget exists to stop). The handle's thread reconnects with
 * exponential backoff and full jitter from this library, and on_event
 * hears once that Redis was lost and once that it is back.
 *
 * After fork() a child starts over: its own connection, thread, client id,
 * and no lease (those tokens are its parent's). */
#include "config.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_PLUGIN_LTX_PREFIX budget_redis
#include "backoff/plugin.h"
#include "budget_backend.h"

#define KEY_TTL_MS 86400000 /* a day: an abandoned budget disappears */
#define IDLE_FLUSH_MS 5000  /* an idle handle still renews its lease */
#define LEASE_TTL_MS 30000  /* a lease not renewed for this long lapses */

/* KEYS: the budget, its leases. ARGV: settings, capacity, client id,
 * seq, held, sent, received, want, least, key ttl, lease ttl, closing,
 * returned. "sent" counts deposits, "returned" the lease given back.
 *
 * Every exchange is idempotent and order-proof, because a timed-out
 * command may still run later (a stopped server resumes its queue): the
 * client sends absolute figures (the lease it holds now, everything it
 * ever deposited, every grant it ever received) under a growing sequence
 * number, and the record of its last applied exchange lets the script
 * apply only the difference, ignore a stale exchange, and take back a
 * grant whose reply never arrived. A lapsed lease (its process died) is
 * reclaimed, its record kept for an hour so a late exchange from a process
 * that was only cut off is not applied twice: a returned lease is credited
 * up to what the record still lends (nothing once reclaimed), and a lease
 * held beyond that is cut (`cut`, else -1): the client spends no more of
 * it.
 * Returns {granted, fleet total not spent, cut}, {-1, stored settings, -1}
 * or {-2, 0, -1} for a stale exchange.
 *
 * TIME before a write needs effects replication, the default only since
 * Redis 5: the script asks for it where the call exists.
 *
 * Numbers are written with %.0f: Lua's own %.14g writes a running total
 * past 1e14 as 1.5e+14, which the record's pattern no longer reads. The
 * totals are exact in Lua's doubles up to 2^53; the client starts them
 * over (a new client id) long before, see rebase_locked(). */
static const char script[] =
    "if redis.replicate_commands then redis.replicate_commands() end\n"
    "local function n(x) return string.format('%.0f', x) end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local cap = tonumber(ARGV[2])\n"
    "local seq, held = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
    "local sent, recv = tonumber(ARGV[6]), tonumber(ARGV[7])\n"
    "local s = redis.call('HGET', KEYS[1], 's')\n"
    "local tokens\n"
    "local ret = tonumber(ARGV[13])\n"
    "local sq, s0, r0, rt0, lent = 0, sent, recv, ret, 0\n"
    "if not s then\n"
    "  tokens = cap\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  redis.call('HSET', KEYS[1], 's', ARGV[1])\n"
    "elseif s ~= ARGV[1] then\n"
    "  return {-1, s, -1}\n"
    "else\n"
    "  tokens = tonumber(redis.call('HGET', KEYS[1], 't')) or cap\n"
    "  local rec = redis.call('HGET', KEYS[2], ARGV[3])\n"
    "  if rec then\n"
    "    local a, e, q, d, g, rt = string.match(rec,\n"
    "      '^(%d+):(%d+):(%d+):(%-?%d+):(%d+):(%d+)$')\n"
    "    sq, s0, r0 = tonumber(q) or 0, tonumber(d) or sent, tonumber(g) or "
    "recv\n"
    "    rt0, lent = tonumber(rt) or ret, tonumber(a) or 0\n"
    "  end\n"
    "end\n"
    "if seq <= sq then return {-2, 0, -1} end\n"
    "local leased = 0\n"
    "local l = redis.call('HGETALL', KEYS[2])\n"
    "for i = 1, #l, 2 do\n"
    "  if l[i] ~= ARGV[3] then\n"
    "    local a, e, rest = string.match(l[i + 1], '^(%d+):(%d+):(.*)$')\n"
    "    a, e = tonumber(a) or 0, tonumber(e) or 0\n"
    "    if e < now then\n"
    "      tokens = tokens + a\n"
    "      if e + 3600000 < now then\n"
    "        redis.call('HDEL', KEYS[2], l[i])\n"
    "      elseif a > 0 then\n"
    "        redis.call('HSET', KEYS[2], l[i], '0:' .. n(e) .. ':' .. rest)\n"
    "      end\n"
    "    else\n"
    "      leased = leased + a\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local back = ret - rt0\n"
    "if back > lent then back = lent end\n"
    "if back < 0 then back = 0 end\n"
    "local cut = -1\n"
    "if held > lent - back then held = lent - back; cut = held end\n"
    "tokens = tokens + (sent - s0) + (r0 - recv) + back\n"
    "if tokens + leased + held > cap then tokens = cap - leased - held end\n"
    "if tokens < 0 then tokens = 0 end\n"
    "local g = tonumber(ARGV[8])\n"
    "if g > tokens then g = tokens end\n"
    "if g < tonumber(ARGV[9]) then g = 0 end\n"
    "tokens = tokens - g\n"
    "if ARGV[12] == '1' then\n"
    "  redis.call('HDEL', KEYS[2], ARGV[3])\n"
    "else\n"
    "  redis.call('HSET', KEYS[2], ARGV[3], n(held + g) .. ':' ..\n"
    "    n(now + tonumber(ARGV[11])) .. ':' .. n(seq) .. ':' .. n(sent) ..\n"
    "    ':' .. n(recv + g) .. ':' .. n(ret))\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 't', n(tokens))\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[10])\n"
    "if redis.call('EXISTS', KEYS[2]) == 1 then\n"
    "  redis.call('PEXPIRE', KEYS[2], ARGV[10])\n"
    "end\n"
    "return {g, tokens + leased + held + g, cut}\n";

#define A8 __attribute__((aligned(8)))

typedef struct rb_s {
  /* from the URL; `shown` is what messages say (never the password) */
  char host[256], user[128], pass[256], key[512], leases[520];
  char addr[64]; /* host, resolved once at open: no DNS on a retry */
  int port;
  char shown[700];
  backoff__budget_conf_t conf;
  char settings[200];
  char sha[48];
  char client[64];

  pthread_mutex_t io; /* ctx, and the flush itself */
  redisContext *ctx;

  /* atomics (8-aligned even where the ABI aligns 64 bits to 4, i386) */
  int64_t lease A8;   /* lent tokens not spent (or, down: the local bucket) */
  int64_t pending A8; /* refunds and failures not sent yet */
  int64_t view A8;    /* the fleet's tokens at the last exchange */
  int64_t local A8;   /* ratio, while down: this process's own count */
  uint64_t view_ns A8;
  int down;
  int used; /* a retry spent from the lease since the thread last looked */

  int64_t last_grant A8; /* atomic: the last lease granted */
  uint64_t seq;          /* under io: exchanges sent */
  int64_t sent, recv;    /* under io: all deposits sent, all grants received */
  int64_t ret;           /* under io: all lease returned and sent */
  int64_t pending_ret A8; /* atomic: lease returned, not sent yet */
  pthread_mutex_t mu;     /* thread control */
  pthread_cond_t cond;
  pthread_t thread;
  int thread_on, stop;
  unsigned io_timeout_ms; /* under io: the socket's timeout now */
  uint64_t results;       /* under io: exchanges attempted */
  uint64_t applied A8;    /* atomic: the latest result acted upon */
  int kick;               /* under mu: a caller wants a tick now */
  unsigned long ticks;    /* under mu: ticks done */
  pthread_cond_t done;    /* signalled after each tick */
  int need_thread;        /* atomic: a child after fork has no thread yet */
  backoff_strategy_t *reconnect;
  unsigned failures;
  struct rb_s *next, *prev; /* the live handles (under handles_mu) */
} rb_t;

/* Every live handle, so that the child of a fork() can reset them all
 * while it still has one thread: resetting lazily from the first call
 * would let several of the child's threads reset the same handle. */
static pthread_mutex_t handles_mu = PTHREAD_MUTEX_INITIALIZER;
static rb_t *handles;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void reset_in_child(rb_t *r);

/* Holding every handle's io lock across fork() leaves no connection
 * half-used in the child's copy. fork() waits for an exchange in progress
 * (bounded by timeout_ms). */
static void before_fork(void) {
  rb_t *r;
  pthread_mutex_lock(&handles_mu);
  for (r = handles; r != NULL; r = r->next)
    pthread_mutex_lock(&r->io);
}
static void parent_after_fork(void) {
  rb_t *r;
  for (r = handles; r != NULL; r = r->next)
    pthread_mutex_unlock(&r->io);
  pthread_mutex_unlock(&handles_mu);
}
static void child_after_fork(void) {
  rb_t *r;
  for (r = handles; r != NULL; r = r->next) {
    reset_in_child(r);
    pthread_mutex_unlock(&r->io);
  }
  pthread_mutex_unlock(&handles_mu);
}
static void install_atfork(void) {
  pthread_atfork(before_fork, parent_after_fork, child_after_fork);
}

static void handles_add(rb_t *r) {
  pthread_mutex_lock(&handles_mu);
  r->prev = NULL;
  r->next = handles;
  if (handles != NULL)
    handles->prev = r;
  handles = r;
  pthread_mutex_unlock(&handles_mu);
}

static void handles_remove(rb_t *r) {
  pthread_mutex_lock(&handles_mu);
  if (r->prev != NULL)
    r->prev->next = r->next;
  else
    handles = r->next;
  if (r->next != NULL)
    r->next->prev = r->prev;
  pthread_mutex_unlock(&handles_mu);
}

static uint64_t now_ns(void) { return backoff_clock_ns(); }

static int fail(char *msg, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *msg, size_t len, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, len, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- the URL ----------------------------------------------------------- */

/* Copies s[0..n) into out (size), decoding %XX; 0, or -1 if it does not
 * fit or a %XX is malformed. */
static int unescape(const char *s, size_t n, char *out, size_t size) {
  size_t i, o = 0;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (c == '%') {
      char hex[3];
      char *end;
      if (i + 2 >= n)
        return -1;
      hex[0] = s[i + 1];
      hex[1] = s[i + 2];
      hex[2] = '\0';
      c = (char)strtoul(hex, &end, 16);
      if (*end != '\0' || hex[0] == '-' || hex[0] == '+' || hex[0] == ' ')
        return -1;
      i += 2;
    }
    if (o + 1 >= size)
      return -1;
    out[o++] = c;
  }
  out[o] = '\0';
  return 0;
}

static int parse_userinfo(rb_t *r, const char *u, size_t n, char *msg,
                          size_t len) {
  const char *colon = memchr(u, ':', n);
  if (colon == NULL)
    return fail(msg, len, BACKOFF_ESYNTAX,
                "redis://...@%s: the part before '@' must be "
                "[user]:password",
                r->host[0] ? r->host : "host");
  if (unescape(u, (size_t)(colon - u), r->user, sizeof(r->user)) != 0 ||
      unescape(colon + 1, n - (size_t)(colon - u) - 1, r->pass,
               sizeof(r->pass)) != 0)
    return fail(msg, len, BACKOFF_ESYNTAX,
                "redis URL: the user or password is too long or has a bad "
                "%%XX escape");
  return 0;
}

static int parse_hostport(rb_t *r, const char *h, size_t n, char *msg,
                          size_t len) {
  const char *colon = memchr(h, ':', n);
  size_t hl = colon ? (size_t)(colon - h) : n;
  char *end;
  long port = 6379;

  if (hl == 0 || hl >= sizeof(r->host))
    return fail(msg, len, BACKOFF_ESYNTAX, "redis URL: %s host name",
                hl == 0 ? "no" : "too long a");
  memcpy(r->host, h, hl);
  r->host[hl] = '\0';
  if (colon != NULL) {
    char digits[8];
    size_t pl = n - hl - 1;
    if (pl == 0 || pl >= sizeof(digits))
      return fail(msg, len, BACKOFF_ESYNTAX,
                  "redis://%s: the port must be 1 to 65535", r->host);
    memcpy(digits, colon + 1, pl);
    digits[pl] = '\0';
    port = strtol(digits, &end, 10);
    if (*end != '\0' || digits[0] < '0' || digits[0] > '9' || port < 1 ||
        port > 65535)
      return fail(msg, len, BACKOFF_ESYNTAX,
                  "redis://%s: the port must be 1 to 65535", r->host);
  }
  r->port = (int)port;
  return 0;
}

static int parse_url(rb_t *r, const char *spec, char *msg, size_t len) {
  static const char scheme[] = "redis://";
  const char *auth, *slash, *at;
  size_t klen;
  int rc;

  if (strncmp(spec, scheme, sizeof(scheme) - 1) != 0)
    return fail(msg, len, BACKOFF_ESYNTAX, "not a redis:// URL");
  auth = spec + sizeof(scheme) - 1;
  /* The last '@' ends the user information, so a password may hold an
   * unescaped '/' (and a key may not hold an '@'). */
  at = strrchr(auth, '@');
  slash = strchr(at != NULL ? at : auth, '/');
  if (slash == NULL || slash[1] == '\0')
    return fail(msg, len, BACKOFF_ESYNTAX,
                "redis URL without a key (a key may not contain '@'): "
                "expected redis://[[user]:password@]host[:port]/KEY");
  klen = strlen(slash + 1);
  if (klen >= sizeof(r->key))
    return fail(msg, len, BACKOFF_ESYNTAX,
                "redis URL: the key is longer than %zu bytes",
                sizeof(r->key) - 1);
  memcpy(r->key, slash + 1, klen + 1);
  snprintf(r->leases, sizeof(r->leases), "%s:leases", r->key);
  if ((rc = parse_hostport(r, at ? at + 1 : auth,
                           (size_t)(slash - (at ? at + 1 : auth)), msg,
                           len)) != 0)
    return rc;
  if (at != NULL &&
      (rc = parse_userinfo(r, auth, (size_t)(at - auth), msg, len)) != 0)
    return rc;
  snprintf(r->shown, sizeof(r->shown), "redis://%s%s%s:%d/%s",
           r->user[0] ? r->user : "", r->user[0] ? "@" : "", r->host, r->port,
           r->key);
  return 0;
}

/* ---- the connection (under io) ---------------------------------------- */

static struct timeval tv_of(unsigned ms) {
  struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
  return tv;
}

static void drop_locked(rb_t *r) {
  if (r->ctx != NULL)
    redisFree(r->ctx);
  r->ctx = NULL;
}

/* The connection's error, saying "no answer within N ms" for a timeout. */
static int io_error(rb_t *r, char *msg, size_t len) {
  if (r->ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
    return fail(msg, len, BACKOFF_EUNREACH, "%s: no answer within %u ms",
                r->shown, r->conf.timeout_ms);
  return fail(msg, len, BACKOFF_EUNREACH, "%s: %s", r->shown, r->ctx->errstr);
}

/* A reply that is an error, as text for messages (never a credential:
 * these are Redis's own words). */
static const char *reply_error(const redisReply *rep) {
  return rep != NULL && rep->type == REDIS_REPLY_ERROR ? rep->str : NULL;
}

static int auth_locked(rb_t *r, char *msg, size_t len) {
  redisReply *rep;
  int rc = 0;

  if (r->pass[0] == '\0')
    return 0;
  if (r->user[0] != '\0')
    rep = redisCommand(r->ctx, "AUTH %s %s", r->user, r->pass);
  else
    rep = redisCommand(r->ctx, "AUTH %s", r->pass);
  if (rep == NULL)
    rc = io_error(r, msg, len);
  else if (reply_error(rep))
    rc = fail(msg, len, BACKOFF_EAUTH,
              "%s: the server refused the credentials (%.100s)", r->shown,
              rep->str);
  freeReplyObject(rep);
  return rc;
}

/* The host's address, once: a name lookup has no timeout of its own, so
 * it happens at open and never again (a moved server needs a new open). */
static int resolve(rb_t *r, char *msg, size_t len) {
  struct addrinfo hints, *ai = NULL;
  int rc;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo(r->host, NULL, &hints, &ai);
  if (rc == 0)
    rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, r->addr, sizeof(r->addr),
                     NULL, 0, NI_NUMERICHOST);
  if (ai != NULL)
    freeaddrinfo(ai);
  if (rc != 0)
    return fail(msg, len, BACKOFF_EUNREACH, "%s: cannot resolve %s: %s",
                r->shown, r->host, gai_strerror(rc));
  return 0;
}

static int connect_locked(rb_t *r, char *msg, size_t len) {
  int rc;

  if (r->ctx != NULL)
    return 0;
  r->ctx =
      redisConnectWithTimeout(r->addr, r->port, tv_of(r->conf.timeout_ms));
  if (r->ctx == NULL)
    return fail(msg, len, BACKOFF_ENOMEM, "%s: out of memory", r->shown);
  if (r->ctx->err) {
    rc = fail(msg, len, BACKOFF_EUNREACH, "%s: cannot connect: %s", r->shown,
              r->ctx->errstr);
    drop_locked(r);
    return rc;
  }
  r->io_timeout_ms = r->conf.timeout_ms;
  if (redisSetTimeout(r->ctx, tv_of(r->conf.timeout_ms)) != REDIS_OK) {
    rc =
        fail(msg, len, BACKOFF_EUNREACH, "%s: cannot set a timeout", r->shown);
    drop_locked(r);
    return rc;
  }
  if ((rc = auth_locked(r, msg, len)) != 0)
    drop_locked(r);
  return rc;
}

/* Runs the script (EVALSHA, or EVAL when the server does not know it).
 * Returns the reply, or NULL with the connection dropped and msg set. */
static redisReply *script_locked(rb_t *r, int64_t held, int64_t want,
                                 int64_t least, int closing, int may_load,
                                 char *msg, size_t len) {
  char a[10][24];
  const char *argv[18];
  redisReply *rep;
  int i;

  snprintf(a[0], sizeof(a[0]), "%" PRId64, r->conf.capacity);
  snprintf(a[1], sizeof(a[1]), "%" PRIu64, r->seq);
  snprintf(a[2], sizeof(a[2]), "%" PRId64, held);
  snprintf(a[3], sizeof(a[3]), "%" PRId64, r->sent);
  snprintf(a[4], sizeof(a[4]), "%" PRId64, r->recv);
  snprintf(a[5], sizeof(a[5]), "%" PRId64, want);
  snprintf(a[6], sizeof(a[6]), "%" PRId64, least);
  snprintf(a[7], sizeof(a[7]), "%d", KEY_TTL_MS);
  snprintf(a[8], sizeof(a[8]), "%d", LEASE_TTL_MS);
  snprintf(a[9], sizeof(a[9]), "%" PRId64, r->ret);
  argv[0] = "EVALSHA";
  argv[1] = r->sha;
  argv[2] = "2";
  argv[3] = r->key;
  argv[4] = r->leases;
  argv[5] = r->settings;
  argv[6] = a[0];
  argv[7] = r->client;
  for (i = 1; i <= 8; i++)
    argv[7 + i] = a[i];
  argv[16] = closing ? "1" : "0";
  argv[17] = a[9];
  rep = redisCommandArgv(r->ctx, 18, argv, NULL);
  if (may_load && rep != NULL && reply_error(rep) &&
      strncmp(rep->str, "NOSCRIPT", 8) == 0) {
    freeReplyObject(rep);
    argv[0] = "EVAL";
    argv[1] = script;
    rep = redisCommandArgv(r->ctx, 18, argv, NULL);
  }
  if (rep == NULL) {
    io_error(r, msg, len);
    drop_locked(r);
  }
  return rep;
}

static void event(rb_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void event(rb_t *r, const char *fmt, ...) {
  char text[512];
  va_list ap;
  if (r->conf.on_event == NULL)
    return;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  r->conf.on_event(r->conf.budget, text);
}

/* The local bucket's size while Redis is unreachable. */
static int64_t fallback_cap(rb_t *r) {
  const int64_t g = __atomic_load_n(&r->last_grant, __ATOMIC_RELAXED);
  return g ? g : r->conf.lease;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* Adds delta to a local count, clamped to [0, cap] (a count already above
 * cap is not raised, nor lowered by a refund). */
static void local_add(int64_t *c, int64_t cap, int64_t delta) {
  int64_t cur = __atomic_load_n(c, __ATOMIC_RELAXED), next;
  do {
    next = cur + delta > cap ? (cur > cap ? cur : cap) : cur + delta;
    if (next < 0)
      next = 0;
    if (next == cur)
      return;
  } while (!__atomic_compare_exchange_n(c, &cur, next, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
}

/* The ratio count as this process knows it, within [0, capacity]. */
static int64_t ratio_count(rb_t *r) {
  if (__atomic_load_n(&r->down, __ATOMIC_ACQUIRE))
    return __atomic_load_n(&r->local, __ATOMIC_RELAXED);
  return clamp64(__atomic_load_n(&r->view, __ATOMIC_RELAXED) +
                     __atomic_load_n(&r->pending, __ATOMIC_RELAXED),
                 0, r->conf.capacity);
}

/* Whether result n (r->results just after its exchange) is newer than
 * any acted upon: "lost" and "back" are told after the lock is released,
 * so an older result may arrive last and must not undo a newer. */
static int newer(rb_t *r, uint64_t n) {
  uint64_t cur = __atomic_load_n(&r->applied, __ATOMIC_RELAXED);
  do {
    if (n <= cur)
      return 0;
  } while (!__atomic_compare_exchange_n(&r->applied, &cur, n, 1,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  return 1;
}

static void set_down(rb_t *r, const char *why, uint64_t n) {
  if (!newer(r, n))
    return;
  if (r->conf.kind == BACKOFF_BUDGET_RATIO &&
      !__atomic_load_n(&r->down, __ATOMIC_ACQUIRE))
    __atomic_store_n(&r->local, ratio_count(r), __ATOMIC_RELAXED);
  if (__atomic_exchange_n(&r->down, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  if (r->conf.kind == BACKOFF_BUDGET_RATIO)
    event(r,
          "%s unreachable (%s): retries follow this process's own "
          "count, from the fleet's last (%.1f of %.1f tokens)",
          r->shown, why,
          (double)__atomic_load_n(&r->local, __ATOMIC_RELAXED) /
              BACKOFF__MILLI,
          (double)r->conf.capacity / BACKOFF__MILLI);
  else
    event(r,
          "%s unreachable (%s): retries spend this process's lease, "
          "then a local budget of at most %" PRId64 " tokens",
          r->shown, why, fallback_cap(r) / BACKOFF__MILLI);
}

static int bad_reply(rb_t *r, redisReply *rep, char *msg, size_t len) {
  const char *e = reply_error(rep);
  int rc = e != NULL && strncmp(e, "WRONGTYPE", 9) == 0
               ? fail(msg, len, BACKOFF_ECORRUPT,
                      "%s: the key holds something other than a libbackoff "
                      "budget",
                      r->shown)
               : fail(msg, len, BACKOFF_EUNREACH,
                      "%s: unexpected reply to the budget script (%.100s)",
                      r->shown, e ? e : "not {n, n}");
  freeReplyObject(rep);
  drop_locked(r);
  return rc;
}

#define NOT_NOW 1 /* a caller's exchange left to the handle's thread */

/* The socket's timeout for the next command: the whole of timeout_ms, or
 * what is left of a caller's deadline. 0, or NOT_NOW if too little is
 * left to tell a slow server from a dead one. */
static int set_io_timeout(rb_t *r, uint64_t deadline, char *msg, size_t len) {
  unsigned ms = r->conf.timeout_ms;

  if (deadline != 0) {
    const uint64_t now = now_ns();
    if (now >= deadline ||
        (deadline - now) / 1000000u < r->conf.timeout_ms / 2 + 1)
      return NOT_NOW;
    ms = (unsigned)((deadline - now) / 1000000u);
  }
  if (ms != r->io_timeout_ms) {
    if (redisSetTimeout(r->ctx, tv_of(ms)) != REDIS_OK) {
      drop_locked(r);
      return fail(msg, len, BACKOFF_EUNREACH, "%s: cannot set a timeout",
                  r->shown);
    }
    r->io_timeout_ms = ms;
  }
  return 0;
}

/* One exchange: report the lease held and the counts, take a new lease of
 * `want` (none unless at least `least` is available); `closing` gives the
 * lease back for good. 0, or an error with msg set. A failed exchange
 * loses nothing: its figures are absolute, so the next one carries them.
 *
 * deadline 0: the handle's thread (or open, close), which may connect,
 * authenticate and load the script. Otherwise a caller's thread, which
 * does one round trip on an open connection, finished by the deadline
 * (monotonic ns), and leaves all else to the handle's thread: NOT_NOW. */
/* The script no longer counts more than `most` of this process's lease
 * as lent (it lapsed and another process took it back): no more of it is
 * spent. */
static void cut_lease(rb_t *r, int64_t most) {
  int64_t cur = __atomic_load_n(&r->lease, __ATOMIC_RELAXED);
  while (cur > most &&
         !__atomic_compare_exchange_n(&r->lease, &cur, most, 1,
                                      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    ;
}

static int exchange_io(rb_t *r, int64_t want, int64_t least, int closing,
                       uint64_t deadline, char *msg, size_t len) {
  int64_t granted;
  redisReply *rep;
  int rc;

  r->results++;
  if (deadline != 0 && r->ctx == NULL)
    return NOT_NOW;
  if ((rc = connect_locked(r, msg, len)) != 0 ||
      (rc = set_io_timeout(r, deadline, msg, len)) != 0)
    return rc;
  r->sent += __atomic_exchange_n(&r->pending, 0, __ATOMIC_ACQ_REL);
  r->ret += __atomic_exchange_n(&r->pending_ret, 0, __ATOMIC_ACQ_REL);
  r->seq++;
  rep = script_locked(r, __atomic_load_n(&r->lease, __ATOMIC_ACQUIRE), want,
                      least, closing, deadline == 0, msg, len);
  if (rep == NULL)
    return BACKOFF_EUNREACH;
  if (reply_error(rep) && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
    freeReplyObject(rep); /* the handle's thread loads it */
    return NOT_NOW;
  }
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
      rep->element[0]->type != REDIS_REPLY_INTEGER ||
      rep->element[2]->type != REDIS_REPLY_INTEGER)
    return bad_reply(r, rep, msg, len);
  granted = rep->element[0]->integer;
  if (granted == -1) {
    rc =
        fail(msg, len, BACKOFF_EMISMATCH,
             "%s exists with %.150s; this open asked for %s", r->shown,
             rep->element[1]->type == REDIS_REPLY_STRING ? rep->element[1]->str
                                                         : "?",
             r->settings);
    freeReplyObject(rep);
    return rc;
  }
  if (granted < 0 || rep->element[1]->type != REDIS_REPLY_INTEGER)
    return bad_reply(r, rep, msg, len);
  r->recv += granted;
  if (rep->element[2]->integer >= 0)
    cut_lease(r, rep->element[2]->integer);
  if (closing)
    __atomic_store_n(&r->lease, 0, __ATOMIC_RELEASE);
  else
    __atomic_add_fetch(&r->lease, granted, __ATOMIC_RELEASE);
  if (granted > 0)
    __atomic_store_n(&r->last_grant, granted, __ATOMIC_RELAXED);
  __atomic_store_n(&r->view, rep->element[1]->integer, __ATOMIC_RELAXED);
  __atomic_store_n(&r->view_ns, now_ns(), __ATOMIC_RELAXED);
  freeReplyObject(rep);
  return 0;
}

/* hiredis writes with write(2): on a connection the server reset, that
 * raises SIGPIPE, which kills a program that did not ignore it. The
 * thread doing I/O blocks it for the while, and takes away a SIGPIPE it
 * raised itself (one already pending is left alone). */
typedef struct {
  sigset_t old;
  int was_pending;
} pipe_guard_t;

static void sigpipe_block(pipe_guard_t *g) {
  sigset_t set, pending;

  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  sigemptyset(&pending);
  sigpending(&pending);
  g->was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void sigpipe_restore(pipe_guard_t *g) {
  sigset_t set, pending;

  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  sigemptyset(&pending);
  if (!g->was_pending && sigpending(&pending) == 0 &&
      sigismember(&pending, SIGPIPE) == 1) {
    const struct timespec zero = {0, 0};
    while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static int exchange_locked(rb_t *r, int64_t want, int64_t least, int closing,
                           uint64_t deadline, char *msg, size_t len) {
  pipe_guard_t g;
  int rc;

  sigpipe_block(&g);
  rc = exchange_io(r, want, least, closing, deadline, msg, len);
  sigpipe_restore(&g);
  return rc;
}

/* ---- the handle's thread ----------------------------------------------- */

#define REBASE_AT ((int64_t)1 << 50) /* well below 2^53 */

static void new_client_id(rb_t *r);
static int64_t return_lease(rb_t *r);

/* Running totals near what a double holds exactly: give the lease back
 * and end this client's record, then start over as a new client. */
static void rebase_locked(rb_t *r) {
  char msg[300];

  if (r->sent > -REBASE_AT && r->sent < REBASE_AT && r->recv < REBASE_AT &&
      r->ret < REBASE_AT)
    return;
  return_lease(r);
  if (exchange_locked(r, 0, 0, 1, 0, msg, sizeof(msg)) != 0)
    return; /* the totals carry the lease; the next tick tries again */
  new_client_id(r);
  r->seq = 0;
  r->sent = r->recv = r->ret = 0;
}

static void recovered(rb_t *r, uint64_t n) {
  if (!newer(r, n))
    return;
  if (__atomic_exchange_n(&r->down, 0, __ATOMIC_ACQ_REL) == 1)
    event(r, "%s reachable again: the shared budget is back", r->shown);
}

/* Gives the lease back (through the counts the next exchange sends);
 * returns how much. */
static int64_t return_lease(rb_t *r) {
  const int64_t x = __atomic_exchange_n(&r->lease, 0, __ATOMIC_ACQ_REL);
  __atomic_add_fetch(&r->pending_ret, x, __ATOMIC_ACQ_REL);
  return x;
}

/* The exchange that was to return x failed: the lease stays this
 * process's, to spend while Redis is unreachable. Under io. Whether the
 * exchange counted x already (r->seq moved) or not, the figures stay
 * absolute, so a late run of the failed command is undone by the next. */
static void keep_lease(rb_t *r, int64_t x, uint64_t seq_before) {
  if (x == 0)
    return;
  if (r->seq != seq_before)
    r->ret -= x;
  else
    __atomic_sub_fetch(&r->pending_ret, x, __ATOMIC_ACQ_REL);
  __atomic_add_fetch(&r->lease, x, __ATOMIC_ACQ_REL);
}

/* One tick: send the counts (and renew the lease); returns how long to
 * wait before the next, in ms. */
static unsigned tick(rb_t *r, uint64_t *last_ns, int kicked) {
  char msg[300];
  double d = 1;
  uint64_t n, seq_before;
  int64_t returned = 0;
  int rc;

  if (!kicked && !__atomic_load_n(&r->down, __ATOMIC_RELAXED) &&
      __atomic_load_n(&r->pending, __ATOMIC_RELAXED) == 0 &&
      __atomic_load_n(&r->lease, __ATOMIC_RELAXED) == 0 &&
      now_ns() - *last_ns < (uint64_t)IDLE_FLUSH_MS * 1000000u)
    return r->conf.flush_ms;
  pthread_mutex_lock(&r->io);
  /* A lease no retry touched since the last tick goes back to the fleet:
   * idle processes must not sit on tokens others need. */
  seq_before = r->seq;
  if (!__atomic_exchange_n(&r->used, 0, __ATOMIC_ACQ_REL) &&
      !__atomic_load_n(&r->down, __ATOMIC_RELAXED))
    returned = return_lease(r);
  rc = exchange_locked(r, 0, 0, 0, 0, msg, sizeof(msg));
  n = r->results;
  if (rc == 0)
    rebase_locked(r);
  else
    keep_lease(r, returned, seq_before);
  pthread_mutex_unlock(&r->io);
  *last_ns = now_ns();
  if (rc == 0) {
    r->failures = 0;
    recovered(r, n);
    return r->conf.flush_ms;
  }
  set_down(r, msg, n);
  /* Reconnect with backoff: 50 ms doubling to 5 s, full jitter. */
  if (r->reconnect == NULL || backoff_strategy_delay(r->reconnect, r->failures,
                                                     0, NULL, NULL, &d) != 0)
    d = 1;
  if (r->failures < 64)
    r->failures++;
  return (unsigned)(d * 1000) + 1;
}

static void *flusher(void *arg) {
  rb_t *r = arg;
  uint64_t last = now_ns();
  unsigned wait_ms = r->conf.flush_ms;
  int kicked;

  pthread_mutex_lock(&r->mu);
  while (!r->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    if (pthread_cond_timedwait(&r->cond, &r->mu, &ts) != ETIMEDOUT && !r->kick)
      continue;
    kicked = r->kick;
    r->kick = 0;
    pthread_mutex_unlock(&r->mu);
    wait_ms = tick(r, &last, kicked);
    pthread_mutex_lock(&r->mu);
    r->ticks++;
    pthread_cond_broadcast(&r->done);
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* The handle's thread takes none of the process's signals (a thread
 * starts with its creator's mask): they are the application's, which may
 * block them in its own threads to read them from a signalfd. */
static int start_thread(rb_t *r) {
  sigset_t all, old;
  int rc;

  r->stop = 0;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&r->thread, NULL, flusher, r);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc == 0) /* what top -H and /proc/PID/task/TID/comm show */
    (void)pthread_setname_np(r->thread, "backoff-redis");
  r->thread_on = rc == 0;
  return rc;
}

static void stop_thread(rb_t *r) {
  if (!r->thread_on)
    return;
  pthread_mutex_lock(&r->mu);
  r->stop = 1;
  pthread_cond_signal(&r->cond);
  pthread_mutex_unlock(&r->mu);
  pthread_join(r->thread, NULL);
  r->thread_on = 0;
}

static void new_client_id(rb_t *r) {
  struct timespec ts;
  char host[64] = "?";
  clock_gettime(CLOCK_REALTIME, &ts);
  gethostname(host, sizeof(host) - 1);
  host[sizeof(host) - 1] = '\0';
  snprintf(r->client, sizeof(r->client), "%.30s:%ld:%lx", host, (long)getpid(),
           (unsigned long)(ts.tv_nsec ^ (long)(uintptr_t)r ^ ts.tv_sec));
}

static void init_thread_control(rb_t *r) {
  pthread_condattr_t ca;

  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&r->cond, &ca);
  pthread_cond_init(&r->done, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&r->mu, NULL);
}

/* A child after fork(), still with one thread and holding r->io: nothing
 * of the parent's connection, thread, lease or counts is used (the parent
 * still owns them). The parent's threads do not exist here: freeing the
 * copy of its context closes only this process's descriptor. */
static void reset_in_child(rb_t *r) {
  drop_locked(r);
  r->lease = r->pending = r->pending_ret = r->ret = 0;
  r->down = 0;
  r->last_grant = 0;
  r->seq = 0;
  r->sent = r->recv = 0;
  r->failures = 0;
  new_client_id(r);
  if (r->thread_on) {
    /* Its flusher may have held mu at the fork. */
    init_thread_control(r);
    r->thread_on = 0;
    r->need_thread = 1;
  }
}

/* The child's thread is started by its first call (one thread wins), not
 * in the fork handler: a program may fork to exec at once. */
static void check_fork(rb_t *r) {
  int one = 1;
  if (__builtin_expect(!__atomic_load_n(&r->need_thread, __ATOMIC_ACQUIRE), 1))
    return;
  if (__atomic_compare_exchange_n(&r->need_thread, &one, 0, 0,
                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    start_thread(r);
}

/* ---- the ops ------------------------------------------------------------ */

static int take_lease(rb_t *r, int64_t price) {
  int64_t cur = __atomic_load_n(&r->lease, __ATOMIC_RELAXED);
  do {
    if (cur < price)
      return 0;
  } while (!__atomic_compare_exchange_n(&r->lease, &cur, cur - price, 1,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  if (!__atomic_load_n(&r->used, __ATOMIC_RELAXED))
    __atomic_store_n(&r->used, 1, __ATOMIC_RELAXED);
  return 1;
}

static struct timespec ts_of_ns(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  return ts;
}

/* ThreadSanitizer's runtime does not intercept pthread_mutex_clocklock:
 * under it, a lock taken that way is seen as never taken, and its unlock
 * as a misuse. The realtime-clock wait below is what it can follow. */
#if defined(__SANITIZE_THREAD__)
#define RB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RB_TSAN 1
#endif
#endif

/* The io lock, or ETIMEDOUT at the deadline (monotonic ns): a caller
 * never queues behind a slow exchange for longer than its own timeout. */
static int lock_until(rb_t *r, uint64_t deadline) {
  struct timespec ts;
#if defined(__GLIBC__) && !defined(RB_TSAN) &&                                \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 30))
  if (pthread_mutex_trylock(&r->io) == 0)
    return 0;
  ts = ts_of_ns(deadline);
  return pthread_mutex_clocklock(&r->io, CLOCK_MONOTONIC, &ts);
#else
  uint64_t now = now_ns(), left;

  if (pthread_mutex_trylock(&r->io) == 0)
    return 0;
  left = deadline > now ? deadline - now : 0;
  clock_gettime(CLOCK_REALTIME, &ts);
  left += (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  ts = ts_of_ns(left);
  return pthread_mutex_timedlock(&r->io, &ts);
#endif
}

/* Asks the handle's thread for a tick now and waits for one to finish,
 * at most until the deadline. */
static void wait_for_tick(rb_t *r, uint64_t deadline) {
  struct timespec ts = ts_of_ns(deadline);
  unsigned long seen;

  pthread_mutex_lock(&r->mu);
  seen = r->ticks;
  r->kick = 1;
  pthread_cond_signal(&r->cond);
  while (r->ticks == seen && r->thread_on &&
         pthread_cond_timedwait(&r->done, &r->mu, &ts) != ETIMEDOUT)
    ;
  pthread_mutex_unlock(&r->mu);
}

/* One attempt at an exchange from a caller's thread: 1 if the lease can
 * now pay `price`, 0 if not, NOT_NOW if the handle's thread must act
 * first. A failure marks Redis unreachable after the lock is released:
 * on_event may call back into the budget. */
static int try_exchange(rb_t *r, int64_t price, uint64_t deadline) {
  char msg[300];
  uint64_t n = 0;
  int rc = 0, paid = 0;

  if (lock_until(r, deadline) != 0)
    return 0;
  /* Another caller may have found Redis gone while this one waited. */
  if (__atomic_load_n(&r->down, __ATOMIC_ACQUIRE)) {
    pthread_mutex_unlock(&r->io);
    return price > 0 && take_lease(r, price);
  }
  if (price > 0 && take_lease(r, price)) {
    paid = 1;
  } else {
    const int64_t held = __atomic_load_n(&r->lease, __ATOMIC_RELAXED);
    int64_t want = 0;
    if (price > 0)
      want = r->conf.lease > price ? r->conf.lease : price;
    rc = exchange_locked(r, want, price > held ? price - held : 0, 0, deadline,
                         msg, sizeof(msg));
    n = r->results;
  }
  pthread_mutex_unlock(&r->io);
  if (rc == NOT_NOW)
    return NOT_NOW;
  if (rc != 0)
    set_down(r, msg, n);
  else if (n != 0)
    recovered(r, n); /* so that an older failure told late is ignored */
  return paid;
}

/* An exchange from a caller's thread, all of it within timeout_ms. price
 * > 0: a retry that the lease cannot pay; returns 1 if, once we hold the
 * connection, it can (another thread refilled it meanwhile). */
static int exchange_now(rb_t *r, int64_t price) {
  const uint64_t deadline = now_ns() + (uint64_t)r->conf.timeout_ms * 1000000u;
  int rc = try_exchange(r, price, deadline);

  if (rc != NOT_NOW)
    return rc;
  /* No connection (a child after fork) or the script to load again: the
   * handle's thread does that, then this caller tries once more. */
  wait_for_tick(r, deadline);
  rc = try_exchange(r, price, deadline);
  return rc == NOT_NOW ? 0 : rc;
}

/* The ratio throttle lends nothing: a retry looks at the fleet's count as
 * of the last exchange, refreshed first when older than flush_ms. */
static int rb_withdraw_ratio(rb_t *r, int64_t keep) {
  uint64_t age = now_ns() - __atomic_load_n(&r->view_ns, __ATOMIC_RELAXED);

  if (!__atomic_load_n(&r->down, __ATOMIC_RELAXED) &&
      age > (uint64_t)r->conf.flush_ms * 1000000u)
    exchange_now(r, 0);
  return ratio_count(r) >= keep;
}

static int rb_withdraw(void *be, int64_t price, int64_t keep) {
  rb_t *r = be;

  check_fork(r);
  if (r->conf.kind == BACKOFF_BUDGET_RATIO)
    return rb_withdraw_ratio(r, keep);
  if (take_lease(r, price))
    return 1;
  if (__atomic_load_n(&r->down, __ATOMIC_RELAXED))
    return 0; /* the thread reconnects; no caller waits on a dead server */
  return exchange_now(r, price) || take_lease(r, price);
}

static void rb_deposit(void *be, int64_t delta) {
  rb_t *r = be;

  check_fork(r);
  if (!__atomic_load_n(&r->down, __ATOMIC_RELAXED))
    __atomic_add_fetch(&r->pending, delta, __ATOMIC_RELAXED);
  else if (r->conf.kind == BACKOFF_BUDGET_RATIO)
    local_add(&r->local, r->conf.capacity, delta);
  else /* the local bucket, capped at the last lease */
    local_add(&r->lease, fallback_cap(r), delta);
}

static int64_t rb_tokens(void *be) {
  rb_t *r = be;
  int64_t t;

  check_fork(r);
  if (!__atomic_load_n(&r->down, __ATOMIC_RELAXED))
    exchange_now(r, 0);
  if (r->conf.kind == BACKOFF_BUDGET_RATIO)
    return ratio_count(r);
  t = __atomic_load_n(&r->down, __ATOMIC_RELAXED)
          ? __atomic_load_n(&r->lease, __ATOMIC_RELAXED)
          : __atomic_load_n(&r->view, __ATOMIC_RELAXED);
  return t < 0 ? 0 : t;
}

static void rb_free(void *be) {
  rb_t *r = be;
  char msg[300];

  if (r == NULL)
    return;
  handles_remove(r);
  /* A child that never used the handle has no thread to stop. */
  __atomic_store_n(&r->need_thread, 0, __ATOMIC_RELEASE);
  stop_thread(r);
  pthread_mutex_lock(&r->io);
  /* Give back the lease and send the counts; unreachable: they are lost
   * to the fleet only until the lease lapses. */
  if (!__atomic_load_n(&r->down, __ATOMIC_RELAXED)) {
    return_lease(r);
    (void)exchange_locked(r, 0, 0, 1, 0, msg, sizeof(msg));
  }
  drop_locked(r);
  pthread_mutex_unlock(&r->io);
  pthread_mutex_destroy(&r->io);
  pthread_cond_destroy(&r->cond);
  pthread_cond_destroy(&r->done);
  pthread_mutex_destroy(&r->mu);
  backoff_strategy_free(r->reconnect);
  explicit_bzero(r->pass, sizeof(r->pass));
  free(r);
}

static const backoff__budget_ops_t rb_ops = {rb_withdraw, rb_deposit,
                                             rb_tokens, rb_free};

/* ---- open / unlink --------------------------------------------------------
 */

static int load_script_locked(rb_t *r, char *msg, size_t len) {
  redisReply *rep = redisCommand(r->ctx, "SCRIPT LOAD %s", script);
  int rc = 0;

  if (rep == NULL)
    rc = io_error(r, msg, len);
  else if (rep->type != REDIS_REPLY_STRING || rep->len >= sizeof(r->sha))
    rc =
        fail(msg, len,
             reply_error(rep) && strstr(rep->str, "NOAUTH") ? BACKOFF_EAUTH
                                                            : BACKOFF_EUNREACH,
             "%s: SCRIPT LOAD: %.100s", r->shown,
             reply_error(rep) ? rep->str : "unexpected reply");
  else
    memcpy(r->sha, rep->str, rep->len + 1);
  freeReplyObject(rep);
  if (rep == NULL)
    drop_locked(r);
  return rc;
}

static void open_reconnect_strategy(rb_t *r) {
  if (backoff_strategy_open(&r->reconnect, "exponential") != 0)
    return; /* tick() then waits 1 s between attempts */
  if (backoff_strategy_set_jitter(r->reconnect, BACKOFF_JITTER_FULL) != 0 ||
      backoff_strategy_set(r->reconnect, "scale_factor", 0.05) != 0 ||
      backoff_strategy_set(r->reconnect, "cap", 5) != 0) {
    backoff_strategy_free(r->reconnect);
    r->reconnect = NULL;
  }
}

/* The settings text the core writes (budget.c) back into a conf. */
static int parse_settings(const char *s, backoff__budget_conf_t *c) {
  const long long top = BACKOFF__BUDGET_MAX;
  long long cap, retry, tmo, refund;
  double max, ratio;

  if (sscanf(s,
             "kind=token-bucket capacity=%lld retry_cost=%lld "
             "timeout_cost=%lld success_refund=%lld",
             &cap, &retry, &tmo, &refund) == 4) {
    if (cap < 1 || cap > top || retry < 0 || retry > cap || tmo < 0 ||
        tmo > cap || refund < 0 || refund > top)
      return -1;
    c->kind = BACKOFF_BUDGET_TOKEN_BUCKET;
    c->capacity = cap * BACKOFF__MILLI;
    c->retry_cost = retry * BACKOFF__MILLI;
    c->timeout_cost = tmo * BACKOFF__MILLI;
    c->success_refund = refund * BACKOFF__MILLI;
    c->ratio = 0;
  } else if (sscanf(s, "kind=ratio max_tokens=%lf token_ratio=%lf", &max,
                    &ratio) == 2) {
    if (!(max >= 0.001 && max <= top && ratio >= 0.001 && ratio <= top))
      return -1;
    c->kind = BACKOFF_BUDGET_RATIO;
    c->capacity = llround(max * BACKOFF__MILLI);
    c->ratio = llround(ratio * BACKOFF__MILLI);
  } else {
    return -1;
  }
  backoff__budget_derive(c);
  snprintf(c->text, sizeof(c->text), "%s", s);
  return 0;
}

/* BACKOFF_BUDGET_ATTACH: adopt the stored settings. */
static int attach_locked(rb_t *r, char *msg, size_t len) {
  redisReply *rep = redisCommand(r->ctx, "HGET %s s", r->key);
  int rc = 0;

  if (rep == NULL)
    return io_error(r, msg, len);
  if (rep->type == REDIS_REPLY_NIL)
    rc = fail(msg, len, BACKOFF_ENOENT, "%s: no such budget", r->shown);
  else if (reply_error(rep))
    rc = fail(msg, len,
              strncmp(rep->str, "NOAUTH", 6) == 0 ||
                      strncmp(rep->str, "NOPERM", 6) == 0
                  ? BACKOFF_EAUTH
                  : BACKOFF_EUNREACH,
              "%s: %.100s", r->shown, rep->str);
  else if (rep->type != REDIS_REPLY_STRING ||
           parse_settings(rep->str, &r->conf) != 0)
    rc = fail(msg, len, BACKOFF_ECORRUPT,
              "%s: the key does not hold a libbackoff budget's settings",
              r->shown);
  else
    snprintf(r->settings, sizeof(r->settings), "%s", r->conf.text);
  freeReplyObject(rep);
  return rc;
}

static int rb_open(void **be, const backoff__budget_ops_t **ops,
                   const char *spec, backoff__budget_conf_t *conf, char *msg,
                   size_t len) {
  pipe_guard_t guard;
  rb_t *r;
  int rc;

  pthread_once(&atfork_once, install_atfork);
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return fail(msg, len, BACKOFF_ENOMEM, "out of memory");
  if ((rc = parse_url(r, spec, msg, len)) != 0)
    goto fail_parse;
  r->conf = *conf;
  snprintf(r->settings, sizeof(r->settings), "%s", conf->text);
  new_client_id(r);
  pthread_mutex_init(&r->io, NULL);
  pthread_mutex_lock(&r->io);
  sigpipe_block(&guard);
  rc = resolve(r, msg, len);
  if (rc == 0)
    rc = connect_locked(r, msg, len);
  if (rc == 0 && (conf->flags & BACKOFF_BUDGET_ATTACH) != 0)
    rc = attach_locked(r, msg, len);
  if (rc == 0)
    rc = load_script_locked(r, msg, len);
  if (rc == 0)
    rc = exchange_locked(r, 0, 0, 0, 0, msg, len);
  sigpipe_restore(&guard);
  pthread_mutex_unlock(&r->io);
  if (rc != 0)
    goto fail_connect;
  *conf = r->conf; /* adopted, with ATTACH */
  open_reconnect_strategy(r);
  init_thread_control(r);
  /* The handle is complete before the thread starts: its first event may
   * call back into the budget (on_event reading the tokens). */
  *be = r;
  *ops = &rb_ops;
  if (start_thread(r) != 0) {
    rc = fail(msg, len, BACKOFF_ESYS, "%s: cannot start a thread", r->shown);
    *be = NULL;
    *ops = NULL;
    goto fail_thread;
  }
  handles_add(r);
  return 0;

fail_thread:
  pthread_cond_destroy(&r->cond);
  pthread_cond_destroy(&r->done);
  pthread_mutex_destroy(&r->mu);
  backoff_strategy_free(r->reconnect);
fail_connect:
  pthread_mutex_lock(&r->io);
  drop_locked(r);
  pthread_mutex_unlock(&r->io);
  pthread_mutex_destroy(&r->io);
fail_parse:
  explicit_bzero(r->pass, sizeof(r->pass));
  free(r);
  return rc;
}

/* Removes KEY and its leases only if KEY is a budget (a hash with the
 * settings field): a mistyped URL must not delete somebody else's key.
 * 1+: removed, 0: no such key, -1: the key is something else. */
static const char unlink_script[] =
    "if redis.call('TYPE', KEYS[1]).ok ~= 'hash' or\n"
    "   redis.call('HEXISTS', KEYS[1], 's') == 0 then\n"
    "  return redis.call('EXISTS', KEYS[1]) == 1 and -1 or 0\n"
    "end\n"
    "return redis.call('DEL', KEYS[1], KEYS[2])\n";

static int unlink_reply(rb_t *r, redisReply *rep, char *msg, size_t len) {
  const char *e = reply_error(rep);

  if (rep == NULL)
    return io_error(r, msg, len);
  if (e != NULL)
    return fail(msg, len,
                strncmp(e, "NOAUTH", 6) == 0 || strncmp(e, "NOPERM", 6) == 0
                    ? BACKOFF_EAUTH
                    : BACKOFF_EUNREACH,
                "%s: cannot remove it: %.100s", r->shown, e);
  if (rep->type != REDIS_REPLY_INTEGER)
    return fail(msg, len, BACKOFF_EUNREACH,
                "%s: unexpected reply to the removal", r->shown);
  if (rep->integer < 0)
    return fail(msg, len, BACKOFF_ECORRUPT,
                "%s: the key holds something other than a libbackoff "
                "budget: not removed",
                r->shown);
  if (rep->integer == 0)
    return fail(msg, len, BACKOFF_ENOENT, "%s: no such budget", r->shown);
  return 0;
}

static int rb_unlink(const char *spec, char *msg, size_t len) {
  rb_t *r = calloc(1, sizeof(*r));
  pipe_guard_t guard;
  redisReply *rep;
  int rc;

  if (r == NULL)
    return fail(msg, len, BACKOFF_ENOMEM, "out of memory");
  r->conf.timeout_ms = 50;
  sigpipe_block(&guard);
  if ((rc = parse_url(r, spec, msg, len)) == 0 &&
      (rc = resolve(r, msg, len)) == 0 &&
      (rc = connect_locked(r, msg, len)) == 0) {
    rep = redisCommand(r->ctx, "EVAL %s 2 %s %s", unlink_script, r->key,
                       r->leases);
    rc = unlink_reply(r, rep, msg, len);
    if (rep != NULL)
      freeReplyObject(rep);
  }
  drop_locked(r);
  sigpipe_restore(&guard);
  explicit_bzero(r->pass, sizeof(r->pass));
  free(r);
  return rc;
}

BACKOFF_PLUGIN_EXPORT const int backoff_plugin_abi = BACKOFF_PLUGIN_ABI;
#define backoff_budget_module                                                 \
  BACKOFF_PLUGIN_LTX_(BACKOFF_PLUGIN_LTX_PREFIX, backoff_budget_module)
BACKOFF_PLUGIN_EXPORT const backoff__budget_module_t backoff_budget_module = {
    BACKOFF__BUDGET_MODULE_ABI, rb_open, rb_unlink};
