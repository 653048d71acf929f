/* SPDX-License-Identifier: MIT */
/* Process handling for the backoff command (see child.h for the model).
 *
 * Why fork+exec and not posix_spawn: the child must set its own process
 * group, ask for PR_SET_PDEATHSIG and check that backoff is still there,
 * get back exactly the dispositions and mask backoff started with (glibc's
 * posix_spawn leaves its internal signals ignored), and fall back to
 * /bin/sh for a script without "#!" as execvp does. An exec failure comes
 * back through a close-on-exec pipe, so 126 and 127 are precise.
 *
 * Why a signalfd: with the signals blocked for good, a stop signal that
 * arrives just before a fork stays pending and is read once the attempt's
 * pid is known, so it is either seen before the next attempt starts (which
 * then does not start) or forwarded to it; and nothing runs in a handler. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "cli_parse.h"

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static sigset_t start_mask;    /* the mask backoff was started with */
static sigset_t start_ignored; /* the signals ignored when it started */
static sigset_t routed;        /* blocked in backoff, read from sig_fd */
static int sig_fd = -1;
static int guard_fd = -1; /* to the guardian (see start_guardian), or -1 */
static int std_closed[3]; /* fd 0, 1, 2 were closed at start */
static backoff_cancel_t *cancel_token;
static int stop_signal; /* the first stop signal received, or 0 */

/* The running attempt: its pid (its process group id too, unless in the
 * foreground), 0 when none; its status once reaped. */
static pid_t attempt_pid;
static int attempt_group;
static int attempt_reaped;
static int attempt_status;
static int attempt_tty_stop;  /* SIGTTIN or SIGTTOU stopped it, or 0 */
static int attempt_signalled; /* a stop signal was sent to it */
static int attempt_fresh;     /* forked, signals not yet read since */
static int missed_sig;        /* a stop signal read with no attempt */

void backoff_child_record_start(void) {
  int sig;

  for (sig = 0; sig < 3; sig++)
    std_closed[sig] = fcntl(sig, F_GETFD) < 0 && errno == EBADF;
  sigprocmask(SIG_SETMASK, NULL, &start_mask);
  sigemptyset(&start_ignored);
  for (sig = 1; sig < NSIG; sig++) {
    struct sigaction sa;
    if (sig == SIGKILL || sig == SIGSTOP)
      continue;
    /* Signals the C library reserves for itself fail here: skipped. */
    if (sigaction(sig, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
        sa.sa_handler == SIG_IGN)
      sigaddset(&start_ignored, sig);
  }
}

static int set_disposition(int sig, void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = handler;
  return sigaction(sig, &sa, NULL);
}

/* The guardian's whole life: it holds the read end of a pipe whose only
 * write end is backoff's, and keeps the last target it was sent. When
 * backoff ends, even by SIGKILL, the read sees end of file and the target
 * (the running attempt's process group, if any) gets SIGKILL. The stop
 * signals stay blocked here: only backoff decides about them. */
static void guardian(int rfd) __attribute__((noreturn));
static void guardian(int rfd) {
  const int null = open("/dev/null", O_RDWR);
  int32_t target = 0, v;
  ssize_t n;
  int fd;

  /* Holding backoff's stdout or stderr would delay the EOF a pipeline
   * downstream waits for. */
  for (fd = 0; null >= 0 && fd < 3; fd++)
    (void)dup2(null, fd);
  if (sig_fd >= 0)
    close(sig_fd);
  for (;;) {
    n = read(rfd, &v, sizeof(v));
    if (n == (ssize_t)sizeof(v))
      target = v;
    else if (!(n < 0 && errno == EINTR))
      break;
  }
  if (target != 0)
    (void)kill((pid_t)target, SIGKILL);
  _exit(0);
}

/* PR_SET_PDEATHSIG reaches only an attempt's first process; the guardian
 * (a process of backoff's own) also reaches what that one started, should
 * backoff die while an attempt runs. */
static int start_guardian(void) {
  int p[2];
  pid_t pid;

  if (pipe2(p, O_CLOEXEC) != 0)
    return -1;
  if ((pid = fork()) < 0) {
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (pid == 0) {
    /* Out of backoff's group: a SIGKILL to that whole group must not
     * take the guardian with it. */
    (void)setpgid(0, 0);
    close(p[1]);
    guardian(p[0]);
  }
  close(p[0]);
  guard_fd = p[1];
  return 0;
}

/* Tells the guardian what to kill if backoff dies now (0: nothing). */
static void guard(pid_t target) {
  const int32_t v = (int32_t)target;
  if (guard_fd >= 0 && write(guard_fd, &v, sizeof(v)) < 0) {
    close(guard_fd); /* it is gone: PR_SET_PDEATHSIG still holds */
    guard_fd = -1;
  }
}

int backoff_child_prepare(void) {
  static int prepared;
  size_t i;
  int fd;

  if (prepared)
    return 0;
  /* A closed fd 0, 1 or 2 would be taken by the next pipe or socket
   * backoff opens, and a progress line written into it: /dev/null holds
   * the place (the command gets it closed again). */
  for (fd = 0; fd < 3; fd++)
    if (std_closed[fd] && open("/dev/null", O_RDWR) != fd)
      return -1;
  sigemptyset(&routed);
  sigaddset(&routed, SIGCHLD);
  /* An ignored stop signal (nohup, a background job of a non-interactive
   * shell) stays ignored, for backoff and for the command. */
  for (i = 0; i < NSTOP; i++)
    if (!sigismember(&start_ignored, stop_signals[i]))
      sigaddset(&routed, stop_signals[i]);
  if (sigprocmask(SIG_BLOCK, &routed, NULL) != 0)
    return -1;
  prepared = 1;
  return 0;
}

int backoff_child_setup(backoff_cancel_t *token, int guarded) {
  cancel_token = token;
  if (backoff_child_prepare() != 0)
    return -1;
  /* Ignored, SIGCHLD would make the kernel reap the attempts itself and
   * lose their status; a write to a closed stderr must not kill backoff. */
  if (set_disposition(SIGCHLD, SIG_DFL) != 0 ||
      set_disposition(SIGPIPE, SIG_IGN) != 0)
    return -1;
  sig_fd = signalfd(-1, &routed, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sig_fd < 0)
    return -1;
  /* Orphans of an attempt become ours, so that a timed-out group can be
   * waited for to the last process even where PID 1 does not reap. */
  (void)prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
  return guarded ? start_guardian() : 0;
}

int backoff_child_stop_signal(void) { return stop_signal; }

static void signal_attempt(int sig) {
  if (attempt_pid <= 0)
    return;
  if (attempt_group)
    (void)kill(-attempt_pid, sig);
  else if (!attempt_reaped)
    (void)kill(attempt_pid, sig);
}

void backoff_child_abort(void) {
  if (attempt_pid <= 0)
    return;
  attempt_signalled = 1; /* what is left of its group goes too */
  signal_attempt(SIGKILL);
}

/* An attempt in a group of its own that touches the terminal is stopped
 * by SIGTTIN or SIGTTOU and would wait forever for a "fg" that never
 * comes: it is killed and the caller told why (--foreground is the way).
 * In the foreground such a stop is ordinary job control and left alone. */
static void stopped(int st) {
  const int sig = WSTOPSIG(st);
  if (attempt_group && attempt_tty_stop == 0 &&
      (sig == SIGTTIN || sig == SIGTTOU)) {
    attempt_tty_stop = sig;
    signal_attempt(SIGKILL);
  }
}

static void reap_all(void) {
  for (;;) {
    int st;
    const pid_t p = waitpid(-1, &st, WNOHANG | WUNTRACED);
    if (p <= 0)
      return;
    if (p != attempt_pid)
      continue;
    if (WIFSTOPPED(st)) {
      stopped(st);
      continue;
    }
    attempt_status = st;
    attempt_reaped = 1;
  }
}

static void on_stop(const struct signalfd_siginfo *si) {
  const int sig = (int)si->ssi_signo;

  if (stop_signal == 0) {
    stop_signal = sig;
    backoff_cancel(cancel_token);
  }
  /* Read just before an attempt is forked: it gets it once it exists. */
  if (attempt_pid <= 0) {
    missed_sig = sig;
    return;
  }
  /* In the foreground, a signal from the terminal (Ctrl-C, hang-up) has
   * already reached the command, which shares backoff's process group.
   * In a group of its own, nothing but backoff reaches it. Read in the
   * first look after the fork, it may have come just before it: sent
   * (at worst the command gets it twice, never not at all). */
  if (!attempt_group && si->ssi_code == SI_KERNEL && !attempt_fresh)
    return;
  if (attempt_pid > 0 && !attempt_reaped)
    attempt_signalled = 1;
  signal_attempt(sig);
}

/* Reads every pending signal, forwards the stop signals, reaps. */
static void drain_signals(void) {
  struct signalfd_siginfo si[8];
  ssize_t n;
  int child = 0;

  while ((n = read(sig_fd, si, sizeof(si))) > 0) {
    size_t i;
    for (i = 0; i < (size_t)n / sizeof(si[0]); i++) {
      if (si[i].ssi_signo == SIGCHLD)
        child = 1;
      else
        on_stop(&si[i]);
    }
  }
  if (child || attempt_pid > 0)
    reap_all();
  if (attempt_pid > 0)
    attempt_fresh = 0;
}

int backoff_child_poll_signals(void) {
  drain_signals();
  return stop_signal;
}

static struct timespec *until(uint64_t wake_ns, uint64_t now,
                              struct timespec *ts) {
  uint64_t left;
  if (wake_ns == UINT64_MAX)
    return NULL;
  left = wake_ns > now ? wake_ns - now : 0;
  ts->tv_sec = (time_t)(left / 1000000000u);
  ts->tv_nsec = (long)(left % 1000000000u);
  return ts;
}

enum { WAIT_READY, WAIT_STOPPED, WAIT_DEADLINE };

/* The one wait both public waits are: reads the signals while it waits
 * for fd (ppoll ignores a negative one) or the deadline. WAIT_* or -1. */
static int wait_for(int fd, short events, uint64_t deadline_ns) {
  for (;;) {
    struct pollfd pfd[2] = {{sig_fd, POLLIN, 0}, {fd, events, 0}};
    struct timespec ts;
    uint64_t now;

    drain_signals();
    if (stop_signal != 0)
      return WAIT_STOPPED;
    now = backoff_clock_ns();
    if (now >= deadline_ns)
      return WAIT_DEADLINE;
    if (ppoll(pfd, 2, until(deadline_ns, now, &ts), NULL) < 0) {
      if (errno != EINTR)
        return -1;
    } else if (pfd[1].revents != 0) {
      return WAIT_READY;
    }
  }
}

int backoff_child_sleep_until(uint64_t wake_ns) {
  const int rc = wait_for(-1, 0, wake_ns);
  return rc == WAIT_DEADLINE ? 0 : rc == WAIT_STOPPED ? 1 : -1;
}

int backoff_child_wait_fd(int fd, short events, uint64_t deadline_ns) {
  const int rc = wait_for(fd, events, deadline_ns);
  return rc == WAIT_READY ? 0 : rc == -1 ? -1 : 1;
}

/* ---- the child side ---------------------------------------------------- */

/* execv, and for a file the kernel cannot run (no "#!"), /bin/sh with it,
 * as execvp and the shell do. Returns with errno set. */
static void exec_file(const char *file, char *const argv[]) {
  size_t n = 0;
  char **sh;

  execv(file, argv);
  if (errno != ENOEXEC)
    return;
  while (argv[n] != NULL)
    n++;
  sh = malloc((n + 2) * sizeof(*sh));
  if (sh != NULL) {
    sh[0] = (char *)"sh";
    sh[1] = (char *)file;
    memcpy(sh + 2, argv + 1, n * sizeof(*sh)); /* argv[1..n], NULL incl. */
    execv("/bin/sh", sh);
    free(sh);
  }
  errno = ENOEXEC;
}

/* execvp's search: each PATH entry in turn; EACCES is remembered and
 * reported if nothing else runs; ENOENT-like errors go on. */
static void exec_search(char *const argv[]) {
  const char *name = argv[0], *path = getenv("PATH"), *p, *end;
  size_t nl = strlen(name);
  int eacces = 0;
  char *buf;

  if (strchr(name, '/') != NULL) {
    exec_file(name, argv);
    return;
  }
  if (nl == 0) {
    errno = ENOENT;
    return;
  }
  if (path == NULL)
    path = "/bin:/usr/bin";
  if ((buf = malloc(strlen(path) + nl + 2)) == NULL)
    return;
  for (p = path;; p = end + 1) {
    size_t len;
    end = strchrnul(p, ':');
    len = (size_t)(end - p);
    memcpy(buf, p, len);
    buf[len] = '/';
    memcpy(buf + (len > 0 ? len + 1 : 0), name, nl + 1); /* "" is "." */
    exec_file(buf, argv);
    if (errno == EACCES)
      eacces = 1;
    else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
             errno != ENODEV && errno != ETIMEDOUT)
      break;
    if (*end == '\0') {
      errno = eacces ? EACCES : ENOENT;
      break;
    }
  }
  free(buf);
}

static int child_fds(const backoff_child_fds_t *fds) {
  int i;
  for (i = 0; i < 3; i++) {
    if ((fds == NULL || fds->fd[i] < 0) && std_closed[i])
      close(i);
    if (fds == NULL || fds->fd[i] < 0)
      continue;
    if (fds->fd[i] == i) {
      if (fcntl(i, F_SETFD, 0) != 0)
        return -1;
    } else if (dup2(fds->fd[i], i) != i) {
      return -1;
    }
  }
  return 0;
}

static void restore(int sig) {
  (void)set_disposition(sig,
                        sigismember(&start_ignored, sig) ? SIG_IGN : SIG_DFL);
}

static void child_main(char *const argv[], const backoff_child_conf_t *conf,
                       const backoff_child_fds_t *fds, pid_t parent,
                       int err_fd) __attribute__((noreturn));
static void child_main(char *const argv[], const backoff_child_conf_t *conf,
                       const backoff_child_fds_t *fds, pid_t parent,
                       int err_fd) {
  int err;
  ssize_t w;

  if (!conf->foreground && setpgid(0, 0) != 0)
    goto fail;
  /* If backoff dies, so does the attempt: it is no longer supervised. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L) != 0)
    goto fail;
  if (getppid() != parent) /* backoff died before the prctl */
    _exit(128 + SIGKILL);
  if (child_fds(fds) != 0)
    goto fail;
  /* exec keeps ignored signals ignored and resets handled ones; the
   * command gets the dispositions and the mask backoff started with. */
  restore(SIGPIPE);
  restore(SIGCHLD);
  sigprocmask(SIG_SETMASK, &start_mask, NULL);
  exec_search(argv);
fail:
  err = errno;
  w = write(err_fd, &err, sizeof(err));
  (void)w;
  _exit(err == ENOENT ? 127 : 126);
}

/* ---- the parent side --------------------------------------------------- */

/* Forks the attempt. Returns 0 with *exec_errno 0 when it runs, or set
 * when it could not be run (the child is then reaped); -1 if fork fails. */
static int spawn(char *const argv[], const backoff_child_conf_t *conf,
                 const backoff_child_fds_t *fds, int *exec_errno) {
  const pid_t parent = getpid();
  int ep[2], err = 0;
  ssize_t n;
  pid_t pid;

  *exec_errno = 0;
  if (pipe2(ep, O_CLOEXEC) != 0)
    return -1;
  /* A signal pending now would be read only after the fork, and could not
   * tell whether it reached the new attempt: read it now. */
  missed_sig = 0;
  drain_signals();
  pid = fork();
  if (pid < 0) {
    err = errno;
    close(ep[0]);
    close(ep[1]);
    errno = err;
    return -1;
  }
  if (pid == 0)
    child_main(argv, conf, fds, parent, ep[1]);
  close(ep[1]);
  /* Both sides set the group, so that it exists whichever runs first:
   * a signal forwarded right after fork() reaches the whole attempt. */
  if (!conf->foreground) {
    (void)setpgid(pid, pid);
    guard(-pid);
  }
  attempt_pid = pid;
  attempt_group = !conf->foreground;
  attempt_reaped = 0;
  attempt_tty_stop = 0;
  attempt_signalled = 0;
  attempt_fresh = 1;
  if (missed_sig != 0) {
    attempt_signalled = 1;
    signal_attempt(missed_sig);
  }
  do
    n = read(ep[0], &err, sizeof(err));
  while (n < 0 && errno == EINTR);
  close(ep[0]);
  if (n == (ssize_t)sizeof(err) && err != 0) {
    *exec_errno = err;
    while (waitpid(pid, &attempt_status, 0) < 0 && errno == EINTR)
      ;
    attempt_pid = 0;
  }
  return 0;
}

static uint64_t seconds_ns(double s) {
  /* Durations are at most BACKOFF_DELAY_MAX (1e9 s): fits in 64 bits. */
  return (uint64_t)llround(s * 1e9);
}

/* The time limit's two steps: the --signal, then SIGKILL. */
static void timeout_step(const backoff_child_conf_t *conf,
                         backoff_child_result_t *r, uint64_t now,
                         uint64_t *next) {
  if (!r->timed_out) {
    r->timed_out = 1;
    signal_attempt(conf->term_signal);
    /* A stopped attempt handles the signal only once continued. */
    if (conf->term_signal != SIGKILL && conf->term_signal != SIGCONT)
      signal_attempt(SIGCONT);
    r->killed = conf->term_signal == SIGKILL;
    *next = r->killed ? UINT64_MAX : now + seconds_ns(conf->kill_after);
  }
  /* No grace (--kill-after 0): SIGKILL right after the first signal. */
  if (!r->killed && now >= *next) {
    r->killed = 1;
    signal_attempt(SIGKILL);
    *next = UINT64_MAX;
  }
}

/* Whether a process of group pgid is still alive: zombies do not count (a
 * zombie whose parent left the group is reaped only when that parent
 * wants, and can do nothing more). */
static int group_alive(pid_t pgid) {
  struct dirent *e;
  DIR *d;
  int alive = 0;

  if (kill(-pgid, 0) != 0 && errno == ESRCH)
    return 0;
  if ((d = opendir("/proc")) == NULL)
    return 1;
  while (!alive && (e = readdir(d)) != NULL) {
    char path[288], buf[512], state;
    const char *rp;
    long pgrp;
    ssize_t n;
    int fd;

    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
      continue;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    /* pid (comm) state ppid pgrp ...: comm may hold anything but ')'
     * ends it for good at its last occurrence. */
    if ((rp = strrchr(buf, ')')) != NULL &&
        sscanf(rp + 1, " %c %*d %ld", &state, &pgrp) == 2 &&
        pgrp == (long)pgid && state != 'Z' && state != 'X')
      alive = 1;
  }
  closedir(d);
  return alive;
}

/* After the leader of an attempt that was signalled (timed out, or sent a
 * stop signal) is reaped: waits until no live process of its group is
 * left, with SIGKILL at kill_at (*killed says it was sent), so that
 * attempts never overlap and a stopped backoff leaves nothing of it behind
 * (a process forked just as the signal came would have missed it). Orphans
 * are ours (subreaper) and reaped on the way. A process that SIGKILL does
 * not end within a second (uninterruptible sleep) is said once and left.
 * *killed is set when SIGKILL was sent. */
static int wait_round(const backoff_child_io_t *io, uint64_t next);

static void wait_group_gone(const backoff_child_io_t *io, uint64_t kill_at,
                            int *killed) {
  uint64_t give_up = UINT64_MAX;

  for (;;) {
    uint64_t now, wake;

    drain_signals();
    if (!group_alive(attempt_pid)) {
      /* What is left are zombies: those that are ours (orphans of the
       * group) are reaped now, not left to whoever reaps after us. */
      reap_all();
      return;
    }
    now = backoff_clock_ns();
    if (!*killed && now >= kill_at) {
      *killed = 1;
      (void)kill(-attempt_pid, SIGKILL);
    }
    if (*killed && give_up == UINT64_MAX)
      give_up = now + 1000000000u;
    if (now >= give_up) {
      fprintf(stderr,
              "backoff: process group %ld still there 1s after SIGKILL; "
              "going on\n",
              (long)attempt_pid);
      return;
    }
    /* Zombies of a parent outside our reach count until reaped: look
     * again at least every 10 ms. The output and input are still served:
     * a process shutting down may have a last word to write. */
    wake = now + 10000000u;
    if (!*killed && kill_at < wake)
      wake = kill_at;
    (void)wait_round(io, wake);
  }
}

/* One round of the loop: waits for a signal, the time limit or io.
 * Returns 0, or -1 on a poll failure. */
static int wait_round(const backoff_child_io_t *io, uint64_t next) {
  struct pollfd pfd[1 + BACKOFF_CHILD_IO_FDS];
  struct timespec ts;
  int n = 0, rc;

  pfd[0].fd = sig_fd;
  pfd[0].events = POLLIN;
  pfd[0].revents = 0;
  if (io != NULL)
    n = io->add(io->ctx, pfd + 1);
  rc = ppoll(pfd, (nfds_t)(1 + n), until(next, backoff_clock_ns(), &ts), NULL);
  if (rc < 0)
    return errno == EINTR ? 0 : -1;
  if (io != NULL && n > 0)
    io->done(io->ctx, pfd + 1, n);
  return 0;
}

/* After the exit: what the child wrote just before is still in the pipes,
 * and what was read of it may wait for a slow reader downstream. That wait
 * lasts until the attempt's time limit or a stop signal, never longer: a
 * process the attempt left behind holding a pipe open is not waited for. */
static void flush_io(const backoff_child_io_t *io, uint64_t deadline) {
  struct pollfd pfd[1 + BACKOFF_CHILD_IO_FDS];
  struct timespec ts;
  int n;

  if (io == NULL)
    return;
  pfd[0].fd = sig_fd;
  pfd[0].events = POLLIN;
  while ((n = io->add(io->ctx, pfd + 1)) > 0) {
    uint64_t now;
    if (poll(pfd + 1, (nfds_t)n, 0) > 0) {
      io->done(io->ctx, pfd + 1, n);
      continue;
    }
    drain_signals();
    now = backoff_clock_ns();
    if (!io->pending(io->ctx) || stop_signal != 0 || now >= deadline)
      break;
    pfd[0].revents = 0;
    if (ppoll(pfd, (nfds_t)(1 + n), until(deadline, now, &ts), NULL) > 0)
      io->done(io->ctx, pfd + 1, n);
  }
}

/* How long output read from an attempt may wait for downstream to take it:
 * its time limit (none left once it timed out). */
static uint64_t flush_deadline(const backoff_child_conf_t *conf,
                               const backoff_child_result_t *r) {
  if (r->timed_out)
    return 0;
  if (conf->timeout <= 0)
    return UINT64_MAX;
  return r->start_ns + seconds_ns(conf->timeout);
}

int backoff_child_run(char *const argv[], const backoff_child_conf_t *conf,
                      const backoff_child_fds_t *fds,
                      const backoff_child_io_t *io,
                      backoff_child_result_t *r) {
  uint64_t next = UINT64_MAX; /* when the next timeout step is due */
  int exec_errno, err, straggler_killed = 0;

  memset(r, 0, sizeof(*r));
  r->start_ns = backoff_clock_ns();
  if (spawn(argv, conf, fds, &exec_errno) != 0)
    return -1;
  if (exec_errno != 0) {
    r->spawn_errno = exec_errno;
    goto done;
  }
  if (conf->timeout > 0)
    next = r->start_ns + seconds_ns(conf->timeout);
  for (;;) {
    uint64_t now;
    drain_signals();
    if (attempt_reaped)
      break;
    now = backoff_clock_ns();
    if (now >= next) {
      timeout_step(conf, r, now, &next);
      continue;
    }
    if (wait_round(io, next) != 0)
      goto fail;
  }
  r->status = attempt_status;
  r->tty_stop = attempt_tty_stop;
  /* 137 says the attempt itself needed SIGKILL, not what it left. */
  straggler_killed = r->killed;
  if (r->timed_out && attempt_group)
    wait_group_gone(io, r->killed ? 0 : next, &straggler_killed);
  else if (attempt_signalled && attempt_group)
    wait_group_gone(io, backoff_clock_ns() + seconds_ns(conf->kill_after),
                    &straggler_killed);
  flush_io(io, flush_deadline(conf, r));
done:
  guard(0);
  attempt_pid = 0;
  r->end_ns = backoff_clock_ns();
  return 0;

fail:
  /* Not ours to lose track of: make sure it does not outlive us. */
  err = errno;
  signal_attempt(SIGKILL);
  guard(0);
  attempt_pid = 0;
  errno = err;
  return -1;
}

void backoff_child_die_by(int sig) {
  const struct rlimit no_core = {0, 0};
  sigset_t set;

  /* Dying of SIGQUIT as asked, not leaving a core of backoff behind. */
  (void)setrlimit(RLIMIT_CORE, &no_core);
  (void)set_disposition(sig, SIG_DFL);
  sigemptyset(&set);
  sigaddset(&set, sig);
  fflush(NULL);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  _exit(128 + sig);
}

const char *backoff_child_signame(int sig, char *buf, size_t size) {
  const char *name = backoff_cli_signal_name(sig);
  if (name != NULL)
    return name;
  snprintf(buf, size, "signal %d", sig);
  return buf;
}
