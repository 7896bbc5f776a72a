/*
 * A fixed-rate HTTP/1.1 load generator for bench/proxy (Debian ships wrk, which cannot hold a
 * rate, but no wrk2). Built by bench/proxy/load-generator.ts with the system C compiler:
 *   cc -O2 -o .cache/weft-loadgen bench/proxy/loadgen.c
 *   .cache/weft-loadgen <host> <port> <rps> <seconds> <connections> <path> <authority>
 * prints one JSON line: sent, ok, errors, p50, p90, p99 (ms), achievedRps, maxLagMs, cpuUs.
 *
 * Why C and one thread: a generator in Node paced by libuv timers has 1 ms granularity (every
 * run lags > 1 ms, which the validity check refuses), a setImmediate spin takes a whole core from
 * the proxy under test, and a pacer thread costs a cross-thread wake per request. Here a single
 * epoll loop sleeps on a timerfd armed for the next request's due time (nanosecond resolution,
 * CLOCK_MONOTONIC) and on the sockets, so it sends on time, costs a few µs of CPU per request
 * and never spins.
 *
 * Open loop: request k is due at start + k/rps whatever happened before it. It goes out on an
 * idle keep-alive connection (one request per connection at a time); when all are busy it waits,
 * and that shows up as lag. Latency runs from the *due* time to the last byte of the response,
 * so a late send counts against the system under test instead of being hidden (coordinated
 * omission). Responses must carry Content-Length. Bounded: exactly rps × seconds requests, then
 * at most 5 s of grace for outstanding responses.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

struct conn {
  int fd;
  int busy;
  long long due;
  size_t len;
  char buf[BUF];
};

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Bytes of a complete response at the start of buf (0: incomplete, -1: unframed); *status set. */
static long response_size(const char *buf, size_t len, int *status) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (end == NULL) return len >= BUF ? -1 : 0;
  size_t head = (size_t)(end - buf) + 4;
  *status = len >= 12 ? atoi(buf + 9) : 0;
  for (const char *p = buf; p < end;) {
    const char *line = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (line == NULL) break;
    p = line + 2;
    if (strncasecmp(p, "content-length:", 15) == 0) {
      long body = strtol(p + 15, NULL, 10);
      return len >= head + (size_t)body ? (long)(head + (size_t)body) : 0;
    }
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s host port rps seconds connections path authority\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  double rps = atof(argv[3]);
  double seconds = atof(argv[4]);
  int nconn = atoi(argv[5]);
  long total = (long)(rps * seconds + 0.5);
  char request[1024];
  int reqlen = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nhost: %s\r\nuser-agent: weft-bench\r\n\r\n", argv[6], argv[7]);

  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  int ep = epoll_create1(0);
  struct conn *conns = calloc((size_t)nconn, sizeof *conns);
  int *idle = calloc((size_t)nconn, sizeof *idle);
  int nidle = 0;
  for (int i = 0; i < nconn; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
      perror("connect");
      return 1;
    }
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    idle[nidle++] = i;
  }
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event tev = {.events = EPOLLIN, .data.u32 = 0xffffffffu};
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);

  double *lat = calloc((size_t)total + 1, sizeof *lat);
  /* How late each request left the generator. The validity check uses its 99th percentile: on a
     shared VM one preemption of a few ms is normal and says nothing about the run, while a
     generator that keeps falling behind shows up in the tail. */
  double *sendlag = calloc((size_t)total + 1, sizeof *sendlag);
  long next = 0, recorded = 0, ok = 0, lost = 0;
  long long max_lag = 0, last_done = 0;
  double interval = 1e9 / rps;
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  long long start = now_ns() + 20000000LL;
  long long grace_end = start + (long long)(seconds * 1e9) + 5000000000LL;
  struct epoll_event evs[64];

  while (recorded + lost < total && now_ns() < grace_end) {
    long long t = now_ns();
    while (next < total && nidle > 0) {
      long long due = start + (long long)(next * interval);
      if (due > t) break;
      if (t - due > max_lag) max_lag = t - due;
      sendlag[next] = (double)(t - due) / 1e6;
      struct conn *c = &conns[idle[--nidle]];
      c->busy = 1;
      c->due = due;
      if (write(c->fd, request, (size_t)reqlen) != reqlen) {
        c->busy = 0;
        lost++;
      }
      next++;
    }
    if (next < total && nidle > 0) {
      long long due = start + (long long)(next * interval);
      struct itimerspec its = {.it_value = {.tv_sec = due / 1000000000LL, .tv_nsec = due % 1000000000LL}};
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    }
    int n = epoll_wait(ep, evs, 64, 100);
    for (int i = 0; i < n; i++) {
      unsigned id = evs[i].data.u32;
      if (id == 0xffffffffu) {
        unsigned long long expirations;
        if (read(tfd, &expirations, sizeof expirations) < 0) { /* spurious: nothing to do */ }
        continue;
      }
      struct conn *c = &conns[id];
      ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        if (c->busy) lost++;
        c->busy = 0;
        continue;
      }
      c->len += (size_t)r;
      int status = 0;
      long size = response_size(c->buf, c->len, &status);
      if (size == 0) continue;
      if (size < 0 || !c->busy) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        if (c->busy) lost++;
        c->busy = 0;
        continue;
      }
      long long done = now_ns();
      last_done = done;
      lat[recorded++] = (double)(done - c->due) / 1e6;
      if (status == 200) ok++;
      c->busy = 0;
      c->len -= (size_t)size;
      memmove(c->buf, c->buf + size, c->len);
      idle[nidle++] = (int)id;
    }
  }
  getrusage(RUSAGE_SELF, &ru1);
  double cpu_us = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
                  (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
  qsort(lat, (size_t)recorded, sizeof *lat, cmp);
  qsort(sendlag, (size_t)next, sizeof *sendlag, cmp);
  double lag_p99 = next ? sendlag[(long)(0.99 * next) < next ? (long)(0.99 * next) : next - 1] : 0.0;
#define Q(p) (recorded ? lat[(long)((p) * recorded) < recorded ? (long)((p) * recorded) : recorded - 1] : -1)
  double elapsed = (double)((last_done ? last_done : now_ns()) - start) / 1e9;
  printf("{\"sent\":%ld,\"ok\":%ld,\"errors\":%ld,\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"achievedRps\":%.1f,\"maxLagMs\":%.4f,\"lagP99Ms\":%.4f,\"cpuUs\":%.2f}\n", next, ok, total - ok, Q(0.5),
         Q(0.9), Q(0.99), elapsed > 0 ? (double)recorded / elapsed : 0.0, (double)max_lag / 1e6, lag_p99, recorded ? cpu_us / (double)recorded : 0.0);
  return 0;
}
