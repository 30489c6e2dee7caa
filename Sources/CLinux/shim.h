// Linux interfaces that Swift's Glibc module does not export (epoll, eventfd, timerfd, signalfd, accept4,
// posix_spawn file actions, memfd_create and file seals). Header-only: everything here is a declaration or a
// static inline wrapper.
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

// memfd_create(2) is declared only under _GNU_SOURCE too (see accept4); the symbol exists since glibc 2.27.
// The MFD_* and F_*SEAL* values are the kernel's ABI (<linux/memfd.h>, <linux/fcntl.h>), which cannot be
// included next to glibc's <fcntl.h>.
extern int memfd_create(const char *name, unsigned int flags);

// A close-on-exec memfd that accepts seals (MFD_CLOEXEC | MFD_ALLOW_SEALING).
static inline int sy_memfd_create_sealable(const char *name) { return memfd_create(name, 0x0001U | 0x0002U); }
// F_ADD_SEALS with F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE: the contents are fixed for good.
static inline int sy_seal_all(int fd) { return fcntl(fd, 1024 + 9, 0x0001 | 0x0002 | 0x0004 | 0x0008); }
// Fixes a memfd's size for good (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW): no holder can shrink a mapping under
// another process (which would SIGBUS it), while writes stay allowed.
static inline int sy_seal_size(int fd) { return fcntl(fd, 1024 + 9, 0x0001 | 0x0002 | 0x0004); }

static inline int sy_wifexited(int status) { return WIFEXITED(status); }
static inline int sy_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int sy_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int sy_wtermsig(int status) { return WTERMSIG(status); }

#endif
