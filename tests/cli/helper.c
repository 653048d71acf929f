/* SPDX-License-Identifier: MIT */
/* Test helper for the backoff command's shell tests: starts a program in
 * conditions a shell cannot easily set up, or drives it where a shell is
 * too slow.
 *
 *   helper sigexec [-b SIG | -i SIG | -d SIG]... -- PROG ARG...
 *       exec PROG with signal SIG (INT, QUIT, CHLD... or a number) blocked
 * (-b), ignored (-i) or back to its default action (-d: a shell's background
 * job starts with SIGINT and SIGQUIT ignored). helper brokenerr -- PROG ARG...
 *       exec PROG with stderr a pipe whose reader is gone.
 *   helper sockin listen|dgram -- PROG ARG...
 *       exec PROG with stdin a listening TCP socket on 127.0.0.1 or one end
 *       of a datagram socket pair.
 *   helper groupkill READY -- PROG ARG...
 *   helper groupkill9 READY -- PROG ARG...
 *       run PROG as the leader of a new process group, wait for the file
 *       READY to exist, send SIGTERM (SIGKILL) to the whole group; print
 *       PROG's status (128+N when killed by signal N).
 *   helper countsig READY OUT
 *       a command that counts the SIGTERMs it receives: creates READY,
 *       waits for a first SIGTERM (10 s at most), then 300 ms more for a
 *       second, writes the count to OUT and exits 0. (A handler counts
 *       each delivery at once, where a shell's trap may merge two signals
 *       that arrive close together. The wait for the first is long
 *       because a sanitizer build on a loaded machine may take more than
 *       200 ms to forward it.)
 *   helper sweep N STEP_US FILE -- PROG ARG...
 *       N runs of PROG, each sent SIGTERM STEP_US * i microseconds after
 *       its start (i = 0..N-1), with $SWEEP_FILE = FILE emptied before
 *       each run. After each run, checks FILE: the command writes "start"
 *       when an attempt starts, "got" when it receives SIGTERM, "end" when
 *       an attempt other than the first ran to its end unsignalled, and
 *       "bg PID" for a process the attempt started. A run passes when no
 *       "end" is there, that process did not survive, and PROG ended with
 *       143 (SIGTERM),
 *       3 (the command's own status on SIGTERM) or 1 (the first attempt's
 *       failure, when the signal came just as it ended; then no second
 *       attempt may have started). Prints the failures and "runs N bad B".
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int status_of(int st) {
  return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static char **after_dashes(char **argv) {
  while (*argv != NULL && strcmp(*argv, "--") != 0)
    argv++;
  if (*argv == NULL || argv[1] == NULL) {
    fprintf(stderr, "helper: missing -- PROG\n");
    exit(2);
  }
  return argv + 1;
}

static int signum(const char *s) {
  static const struct {
    const char *name;
    int sig;
  } names[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},
               {"PIPE", SIGPIPE}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
               {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ALRM", SIGALRM}};
  size_t i;
  for (i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(s, names[i].name) == 0)
      return names[i].sig;
  return s != NULL ? atoi(s) : 0;
}

static int sigexec(char **argv) {
  sigset_t block;
  int i;

  sigemptyset(&block);
  for (i = 0; argv[i] != NULL && strcmp(argv[i], "--") != 0; i += 2) {
    const int sig = signum(argv[i + 1]);
    if (sig <= 0)
      return 2;
    if (strcmp(argv[i], "-b") == 0)
      sigaddset(&block, sig);
    else
      signal(sig, strcmp(argv[i], "-d") == 0 ? SIG_DFL : SIG_IGN);
  }
  sigprocmask(SIG_BLOCK, &block, NULL);
  argv = after_dashes(argv);
  execvp(argv[0], argv);
  perror("helper: exec");
  return 127;
}

static int brokenerr(char **argv) {
  int p[2];
  argv = after_dashes(argv);
  if (pipe(p) != 0)
    return 2;
  close(p[0]);
  dup2(p[1], 2);
  close(p[1]);
  execvp(argv[0], argv);
  return 127;
}

/* sockin listen|dgram -- CMD: CMD with a listening TCP socket (127.0.0.1)
 * or one end of a datagram socket pair as its stdin. */
static int sockin(char **argv) {
  const int listening = strcmp(argv[0], "listen") == 0;
  struct sockaddr_in a;
  int sv[2];

  argv = after_dashes(argv);
  if (listening) {
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((sv[0] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        bind(sv[0], (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(sv[0], 1) != 0)
      return 2;
  } else if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) {
    return 2;
  }
  dup2(sv[0], 0);
  execvp(argv[0], argv);
  return 127;
}

static void pause_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static pid_t start(char **argv, int own_group) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (own_group)
      setpgid(0, 0);
    execvp(argv[0], argv);
    _exit(127);
  }
  if (pid > 0 && own_group)
    setpgid(pid, pid);
  return pid;
}

static int groupkill(char **argv, int sig) {
  const char *ready = argv[0];
  struct stat st;
  pid_t pid;
  int status, i;

  pid = start(after_dashes(argv), 1);
  for (i = 0; i < 1000 && stat(ready, &st) != 0; i++)
    pause_us(10000);
  kill(-pid, sig);
  waitpid(pid, &status, 0);
  printf("%d\n", status_of(status));
  return 0;
}

static volatile sig_atomic_t terms;
static void on_term(int sig) {
  (void)sig;
  terms++;
}

static int countsig(char **argv) {
  struct sigaction sa;
  long waited;
  FILE *f;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  close(open(argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0644));
  for (waited = 0; terms == 0 && waited < 10000000; waited += 1000)
    pause_us(1000);
  for (waited = 0; terms > 0 && waited < 300000; waited += 1000)
    pause_us(1000);
  if ((f = fopen(argv[1], "w")) == NULL)
    return 2;
  fprintf(f, "%d\n", (int)terms);
  return fclose(f) == 0 ? 0 : 2;
}

static int count(const char *text, const char *word) {
  int n = 0;
  const char *p = text;
  while ((p = strstr(p, word)) != NULL) {
    n++;
    p += strlen(word);
  }
  return n;
}

/* Checks one run of the sweep; 0 when it passes. */
/* The background process an attempt noted ("bg PID"), if still alive
 * half a second after backoff ended: the signal did not reach the whole
 * attempt. Orphans are this helper's (a subreaper) and reaped here, so
 * that a zombie does not count as alive. */
static int survivor(const char *text) {
  const char *bg = strstr(text, "bg ");
  const pid_t pid = bg != NULL ? (pid_t)atol(bg + 3) : 0;
  int i;

  for (i = 0; pid > 0 && i < 50; i++) {
    while (waitpid(-1, NULL, WNOHANG) > 0)
      ;
    if (kill(pid, 0) != 0)
      return 0;
    pause_us(10000);
  }
  if (pid > 0)
    kill(pid, SIGKILL);
  return pid > 0;
}

/* How many runs the signal reached with 0, 1, or 2 or more attempts
 * started: what the sweep really covered (the log shows it). */
static long phases[3];

static int judge(const char *file, int status, long at_us) {
  char text[4096];
  ssize_t n = 0;
  int fd = open(file, O_RDONLY), starts, ends, left;

  if (fd >= 0) {
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
  }
  text[n > 0 ? n : 0] = '\0';
  starts = count(text, "start");
  phases[starts < 2 ? starts : 2]++;
  ends = count(text, "end");
  left = survivor(text);
  if (ends == 0 && !left &&
      (status == 143 || status == 3 || (status == 1 && starts <= 1)))
    return 0;
  printf("# signal at %ld us: status %d, starts %d, got %d, ends %d, "
         "survivor %d\n",
         at_us, status, starts, count(text, "got"), ends, left);
  return 1;
}

static int sweep(char **argv) {
  const long n = atol(argv[0]), step = atol(argv[1]);
  const char *file = argv[2];
  char **prog = after_dashes(argv);
  long i, bad = 0;

  setenv("SWEEP_FILE", file, 1);
  (void)prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
  for (i = 0; i < n; i++) {
    char once[4096];
    int status;
    pid_t pid;

    snprintf(once, sizeof(once), "%s.once", file);
    unlink(once);
    close(open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    if ((pid = start(prog, 0)) < 0)
      return 2;
    pause_us(step * i);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    bad += judge(file, status_of(status), step * i);
  }
  printf("runs %ld bad %ld\n", n, bad);
  printf("signalled with 0 attempts started: %ld, 1: %ld, 2 or more: %ld\n",
         phases[0], phases[1], phases[2]);
  return bad == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  if (strcmp(argv[1], "sigexec") == 0)
    return sigexec(argv + 2);
  if (strcmp(argv[1], "brokenerr") == 0)
    return brokenerr(argv + 2);
  if (strcmp(argv[1], "sockin") == 0 && argc > 2)
    return sockin(argv + 2);
  if (strcmp(argv[1], "groupkill") == 0 && argc > 2)
    return groupkill(argv + 2, SIGTERM);
  if (strcmp(argv[1], "groupkill9") == 0 && argc > 2)
    return groupkill(argv + 2, SIGKILL);
  if (strcmp(argv[1], "countsig") == 0 && argc > 3)
    return countsig(argv + 2);
  if (strcmp(argv[1], "sweep") == 0 && argc > 4)
    return sweep(argv + 2);
  fprintf(stderr, "helper: unknown use\n");
  return 2;
}
