/* bench-listener: accepts and closes TCP connections on many addresses/ports, for the health-check
 * benchmarks (a Python accept loop cannot keep up with 10,000 checks per second, least of all under
 * emulation). Usage:
 *   bench-listener ports IP BASE COUNT          listen on IP:BASE .. IP:BASE+COUNT-1
 *   bench-listener addresses PORT FILE          listen on PORT of every address listed in FILE
 * Runs until SIGTERM. Connections are accepted (accept4, non-blocking) and closed at once. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t running = 1;
static void stop(int signo) { (void)signo; running = 0; }

static int listen_on(int epoll_fd, const char *ip, int port) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (inet_pton(AF_INET, ip, &address.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", ip); return -1; }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 4096) != 0) {
        fprintf(stderr, "listen %s:%d: %s\n", ip, port, strerror(errno));
        return -1;
    }
    struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 4) { fprintf(stderr, "usage: see the comment at the top\n"); return 2; }
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (strcmp(argv[1], "ports") == 0 && argc == 5) {
        int base = atoi(argv[3]), count = atoi(argv[4]);
        for (int port = base; port < base + count; port++)
            if (listen_on(epoll_fd, argv[2], port) != 0) return 1;
    } else if (strcmp(argv[1], "addresses") == 0 && argc == 4) {
        FILE *list = fopen(argv[3], "r");
        char line[64];
        if (!list) { perror(argv[3]); return 1; }
        while (fgets(line, sizeof line, list)) {
            line[strcspn(line, "\r\n")] = 0;
            if (line[0] && listen_on(epoll_fd, line, atoi(argv[2])) != 0) return 1;
        }
        fclose(list);
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    printf("ready\n");
    fflush(stdout);
    struct epoll_event events[256];
    while (running) {
        int ready = epoll_wait(epoll_fd, events, 256, 200);
        for (int i = 0; i < ready; i++) {
            int connection;
            while ((connection = accept4(events[i].data.fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) close(connection);
        }
    }
    return 0;
}
