/* bench-listener: accepts and closes TCP connections on many addresses/ports, for the health-check
 * benchmarks (a Python accept loop cannot keep up with 10,000 checks per second, least of all under
 * emulation). Usage:
 *   bench-listener ports IP BASE COUNT          listen on IP:BASE .. IP:BASE+COUNT-1
 *   bench-listener addresses PORT FILE          listen on PORT of every address listed in FILE
 *   bench-listener record PORT FILE VICTIMS READY CLOSED DUMP
 *       as `addresses`, and records the CLOCK_MONOTONIC time of every accepted connection per
 *       address; writes the number of sockets to READY when listening; SIGUSR1 closes the sockets
 *       of the addresses listed in VICTIMS and writes "TIME COUNT" to CLOSED; SIGTERM writes the
 *       arrivals to DUMP (u32 address count, u32 count per address, then f64 seconds address by
 *       address, in FILE's order: scripts/health-bench.py's read_dump) and exits. DUMP.syn has the
 *       same layout with, for each connection, when its SYN was sent: the SYN's TCP timestamp
 *       (TSval, the sender's CLOCK_MONOTONIC in milliseconds when its namespace has
 *       net.ipv4.tcp_timestamps = 2, no random offset), read from the saved SYN (TCP_SAVE_SYN);
 *       NaN when the SYN had no timestamp. It times the check itself, without the wait for the
 *       listener to be scheduled.
 * Runs until SIGTERM. Connections are accepted (accept4, non-blocking) and closed at once. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t running = 1;
static volatile sig_atomic_t close_victims = 0;
static void stop(int signo) { (void)signo; running = 0; }
static void request_close(int signo) { (void)signo; close_victims = 1; }

/* record mode: per listening socket, its address's index, arrival times and SYN times. */
struct arrivals { double *times, *syn_times; unsigned count, capacity; };
static struct arrivals *recorded;     /* by address index */
static int *index_of_fd;              /* fd -> address index, -1 if none */
static int max_fd;

static double monotonic_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* When the accepted connection's SYN was sent, in CLOCK_MONOTONIC seconds: its TSval (milliseconds,
 * 32 bits) taken back to the full clock by the accept time `now`; NaN without a saved SYN or a
 * timestamp option. */
static double syn_sent_seconds(int connection, double now) {
    unsigned char syn[256];
    socklen_t length = sizeof syn;
    if (getsockopt(connection, IPPROTO_TCP, TCP_SAVED_SYN, syn, &length) != 0 || length < 20) return NAN;
    unsigned ip_header = (syn[0] >> 4) == 4 ? (unsigned)(syn[0] & 0x0f) * 4 : 40;
    if (length < ip_header + 20) return NAN;
    const unsigned char *tcp = syn + ip_header;
    unsigned tcp_header = (unsigned)(tcp[12] >> 4) * 4;
    if (length < ip_header + tcp_header) return NAN;
    for (unsigned i = 20; i < tcp_header;) {
        unsigned kind = tcp[i];
        if (kind == 0) break;
        if (kind == 1) { i++; continue; }
        if (i + 1 >= tcp_header || tcp[i + 1] < 2) break;
        if (kind == 8 && tcp[i + 1] == 10 && i + 10 <= tcp_header) {
            uint32_t tsval = (uint32_t)tcp[i + 2] << 24 | (uint32_t)tcp[i + 3] << 16 | (uint32_t)tcp[i + 4] << 8 | tcp[i + 5];
            uint64_t now_ms = (uint64_t)(now * 1000.0);
            uint32_t age_ms = (uint32_t)now_ms - tsval;
            if (age_ms > 600000) return NAN; /* not this clock (a random offset) */
            return (double)(now_ms - age_ms) / 1000.0;
        }
        i += tcp[i + 1];
    }
    return NAN;
}

static void record(int fd, int connection) {
    if (!recorded || fd > max_fd || index_of_fd[fd] < 0) return;
    struct arrivals *a = &recorded[index_of_fd[fd]];
    if (a->count == a->capacity) {
        a->capacity = a->capacity ? 2 * a->capacity : 64;
        a->times = realloc(a->times, a->capacity * sizeof *a->times);
        a->syn_times = realloc(a->syn_times, a->capacity * sizeof *a->syn_times);
        if (!a->times || !a->syn_times) { perror("realloc"); exit(1); }
    }
    double now = monotonic_seconds();
    a->syn_times[a->count] = syn_sent_seconds(connection, now);
    a->times[a->count++] = now;
}

/* Returns the listening fd (added to the epoll set), or -1. */
static int listen_on(int epoll_fd, const char *ip, int port) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (inet_pton(AF_INET, ip, &address.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", ip); return -1; }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_SAVE_SYN, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 4096) != 0) {
        fprintf(stderr, "listen %s:%d: %s\n", ip, port, strerror(errno));
        return -1;
    }
    struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0 ? fd : -1;
}

/* The addresses listed in a file, one per line (at most `limit`); returns how many. */
static int read_addresses(const char *path, char (*addresses)[64], int limit) {
    FILE *list = fopen(path, "r");
    if (!list) { perror(path); return -1; }
    int count = 0;
    char line[64];
    while (count < limit && fgets(line, sizeof line, list)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0]) strcpy(addresses[count++], line);
    }
    fclose(list);
    return count;
}

static void write_dump(const char *path, int count, int syn) {
    FILE *dump = fopen(path, "wb");
    if (!dump) { perror(path); return; }
    unsigned header = (unsigned)count;
    fwrite(&header, sizeof header, 1, dump);
    for (int i = 0; i < count; i++) fwrite(&recorded[i].count, sizeof recorded[i].count, 1, dump);
    for (int i = 0; i < count; i++)
        fwrite(syn ? recorded[i].syn_times : recorded[i].times, sizeof(double), recorded[i].count, dump);
    fclose(dump);
}

enum { MAX_ADDRESSES = 65536 };

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: see the comment at the top\n"); return 2; }
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    int count = 0, *fds = NULL;
    char (*addresses)[64] = NULL;
    const char *closed_path = NULL, *dump_path = NULL;
    char (*victims)[64] = NULL;
    int victim_count = 0;
    if (strcmp(argv[1], "ports") == 0 && argc == 5) {
        int base = atoi(argv[3]);
        count = atoi(argv[4]);
        for (int port = base; port < base + count; port++)
            if (listen_on(epoll_fd, argv[2], port) < 0) return 1;
    } else if ((strcmp(argv[1], "addresses") == 0 && argc == 4) || (strcmp(argv[1], "record") == 0 && argc == 8)) {
        addresses = calloc(MAX_ADDRESSES, sizeof *addresses);
        count = read_addresses(argv[3], addresses, MAX_ADDRESSES);
        if (count < 0) return 1;
        fds = calloc((size_t)count, sizeof *fds);
        for (int i = 0; i < count; i++)
            if ((fds[i] = listen_on(epoll_fd, addresses[i], atoi(argv[2]))) < 0) return 1;
        if (argv[1][0] == 'r') {
            victims = calloc(MAX_ADDRESSES, sizeof *victims);
            victim_count = read_addresses(argv[4], victims, MAX_ADDRESSES);
            if (victim_count < 0) return 1;
            closed_path = argv[6];
            dump_path = argv[7];
            recorded = calloc((size_t)count, sizeof *recorded);
            for (int i = 0; i < count; i++) if (fds[i] > max_fd) max_fd = fds[i];
            index_of_fd = malloc(((size_t)max_fd + 1) * sizeof *index_of_fd);
            for (int fd = 0; fd <= max_fd; fd++) index_of_fd[fd] = -1;
            for (int i = 0; i < count; i++) index_of_fd[fds[i]] = i;
            FILE *ready = fopen(argv[5], "w");
            if (!ready) { perror(argv[5]); return 1; }
            fprintf(ready, "%d\n", count);
            fclose(ready);
        }
    } else {
        fprintf(stderr, "unknown mode %s (or wrong arguments)\n", argv[1]);
        return 2;
    }
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    signal(SIGUSR1, request_close);
    printf("ready\n");
    fflush(stdout);
    struct epoll_event events[256];
    while (running) {
        if (close_victims) {
            close_victims = 0;
            int closed = 0;
            for (int i = 0; i < count && victims; i++) {
                for (int v = 0; v < victim_count; v++) {
                    if (fds[i] >= 0 && strcmp(addresses[i], victims[v]) == 0) {
                        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fds[i], NULL);
                        index_of_fd[fds[i]] = -1;
                        close(fds[i]);
                        fds[i] = -1;
                        closed++;
                    }
                }
            }
            if (closed_path) {
                FILE *out = fopen(closed_path, "w");
                if (out) { fprintf(out, "%.6f %d\n", monotonic_seconds(), closed); fclose(out); }
            }
        }
        int ready = epoll_wait(epoll_fd, events, 256, 200);
        for (int i = 0; i < ready; i++) {
            int connection, fd = events[i].data.fd;
            while ((connection = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
                record(fd, connection);
                close(connection);
            }
        }
    }
    if (dump_path) {
        write_dump(dump_path, count, 0);
        char syn_path[4096];
        snprintf(syn_path, sizeof syn_path, "%s.syn", dump_path);
        write_dump(syn_path, count, 1);
    }
    return 0;
}
