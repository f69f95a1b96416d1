#include "kad_epoll.h"

#include <errno.h>
#include <stddef.h>
#include <sys/epoll.h>

int kad_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int kad_epoll_add_writable_once(int epoll_fd, int fd) {
    struct epoll_event event = {.events = EPOLLOUT | EPOLLONESHOT, .data.fd = fd};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0) return 0;
    /* A socket used again (kept between attempts) may still be in the set, disarmed. */
    if (errno != EEXIST) return -1;
    return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
}

int kad_epoll_remove(int epoll_fd, int fd) { return epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL); }

int kad_epoll_ready(int epoll_fd, int *fds, int capacity) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll_fd, events, capacity, 0);
    for (int i = 0; i < count; i++) fds[i] = events[i].data.fd;
    return count;
}
