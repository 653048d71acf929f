/* SPDX-License-Identifier: MIT */
/* make fleet's flaky HTTP server: 127.0.0.1, a port of the kernel's
 * choosing (written to PORTFILE), HTTP/1.0 "200 OK" except from DOWN_FROM
 * to DOWN_TO seconds after it starts, when it answers "503 Service
 * Unavailable". It stops after TOTAL seconds and prints its load, in
 * requests per second: before the outage (from WARM seconds on, once every
 * client has started), during it, and after it.
 *
 *   server PORTFILE TOTAL WARM DOWN_FROM DOWN_TO */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void serve(int fd, int down) {
  static const char ok[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
  static const char unavailable[] =
      "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 5\r\n\r\ndown\n";
  struct timeval tv = {0, 200000};
  char buf[1024];
  size_t got = 0;
  ssize_t n;

  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  while (got < sizeof(buf) - 1 &&
         (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
    got += (size_t)n;
    buf[got] = '\0';
    if (strstr(buf, "\r\n\r\n") != NULL)
      break;
  }
  if (down)
    n = write(fd, unavailable, sizeof(unavailable) - 1);
  else
    n = write(fd, ok, sizeof(ok) - 1);
  (void)n;
  close(fd);
}

int main(int argc, char **argv) {
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  double total, warm, from, to, t0, t;
  unsigned long before = 0, during = 0, after = 0;
  int lfd, one = 1;
  FILE *f;

  if (argc != 6) {
    fprintf(stderr, "usage: server PORTFILE TOTAL WARM DOWN_FROM DOWN_TO\n");
    return 2;
  }
  total = atof(argv[2]);
  warm = atof(argv[3]);
  from = atof(argv[4]);
  to = atof(argv[5]);
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(lfd, 4096) != 0 ||
      getsockname(lfd, (struct sockaddr *)&a, &len) != 0) {
    perror("server: listen");
    return 1;
  }
  f = fopen(argv[1], "w");
  if (f == NULL || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f)) {
    perror("server: port file");
    return 1;
  }
  t0 = now();
  while ((t = now() - t0) < total) {
    struct pollfd p = {lfd, POLLIN, 0};
    int fd;
    if (poll(&p, 1, 50) <= 0)
      continue;
    if ((fd = accept(lfd, NULL, NULL)) < 0)
      continue;
    t = now() - t0;
    if (t < warm)
      ;
    else if (t < from)
      before++;
    else if (t < to)
      during++;
    else
      after++;
    serve(fd, t >= from && t < to);
  }
  printf("%.1f %.1f %.1f\n", before / (from - warm), during / (to - from),
         after / (total - to));
  return 0;
}
