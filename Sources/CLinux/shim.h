// Linux interfaces that Swift's Glibc module does not export (epoll, eventfd, timerfd, signalfd, accept4,
// posix_spawn file actions). Header-only: everything here is a declaration or a static inline wrapper.
#ifndef SWITCHYARD_CLINUX_SHIM_H
#define SWITCHYARD_CLINUX_SHIM_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>

static inline int sy_errno(void) { return errno; }

// EPOLL* constants are enum values with a macro of the same name in glibc; expose them as plain ints.
static const unsigned int SY_EPOLLIN = EPOLLIN;
static const unsigned int SY_EPOLLOUT = EPOLLOUT;
static const unsigned int SY_EPOLLERR = EPOLLERR;
static const unsigned int SY_EPOLLHUP = EPOLLHUP;
static const unsigned int SY_EPOLLRDHUP = EPOLLRDHUP;
static const unsigned int SY_EPOLLET = EPOLLET;
static const unsigned int SY_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;

// accept4 is declared only under _GNU_SOURCE, which would make this module disagree with SwiftGlibc
// about struct layouts; declare the (stable, glibc >= 2.10) symbol ourselves.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int sy_accept4(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static inline int sy_fcntl_setfl(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }
static inline int sy_fcntl_getfl(int fd) { return fcntl(fd, F_GETFL); }
static inline int sy_fcntl_setfd(int fd, int flags) { return fcntl(fd, F_SETFD, flags); }
// Duplicate to the lowest free fd >= minimum, close-on-exec (keeps our fds clear of the 3/4 handed to children).
static inline int sy_fcntl_dupfd_cloexec(int fd, int minimum) { return fcntl(fd, F_DUPFD_CLOEXEC, minimum); }

// Ask the kernel to SIGKILL/SIGTERM us when the parent dies (prctl is variadic).
static inline int sy_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0); }

static inline int sy_wifexited(int status) { return WIFEXITED(status); }
static inline int sy_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int sy_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int sy_wtermsig(int status) { return WTERMSIG(status); }

#endif
