// hiredis for Swift (Debian's libhiredis-dev). redisCommand is C-variadic; callers use the argv forms
// (redisCommandArgv, redisAsyncCommandArgv), which Swift can call directly.
#ifndef SWITCHYARD_CHIREDIS_SHIM_H
#define SWITCHYARD_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#endif
