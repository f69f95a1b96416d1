#ifndef KAD_EPOLL_H
#define KAD_EPOLL_H

/* epoll for the health checkers' connect reactor (Glibc's Swift module has no sys/epoll.h). */

/* A close-on-exec epoll set; -1 with errno on failure. */
int kad_epoll_create(void);
/* Adds `fd`, waiting once for it to become writable (EPOLLOUT | EPOLLONESHOT), or arms it again
 * if it is in the set already; 0 or -1. */
int kad_epoll_add_writable_once(int epoll_fd, int fd);
/* Removes `fd` from the set; 0 or -1. */
int kad_epoll_remove(int epoll_fd, int fd);
/* Ready descriptors without waiting: writes up to `capacity` of them to `fds`, returns how many
 * (0 when none, -1 on error). */
int kad_epoll_ready(int epoll_fd, int *fds, int capacity);

#endif
