// hiredis for Swift (Debian's libhiredis-dev, 0.14). redisCommand and redisAsyncCommand are C-variadic; callers use
// the argv forms (redisCommandArgv, redisAsyncCommandArgv), which Swift can call directly and which never
// interpret user data as a format string. The adapter hooks (ev.addRead, …) are plain function-pointer fields
// that Swift sets itself; only the variadic fcntl(2) needs a wrapper.
#ifndef SWITCHYARD_CHIREDIS_SHIM_H
#define SWITCHYARD_CHIREDIS_SHIM_H
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>

// hiredis 0.14 opens its sockets without SOCK_CLOEXEC; a worker's Redis connection must not leak into children.
static inline int sy_redis_set_cloexec(int fd) { return fd < 0 ? -1 : fcntl(fd, F_SETFD, FD_CLOEXEC); }
#endif
