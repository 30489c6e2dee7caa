// libcurl for Swift. curl_easy_setopt / curl_multi_setopt / curl_easy_getinfo are C-variadic, which Swift
// cannot call, so each argument type gets a static inline wrapper here.
#ifndef SWITCHYARD_CCURL_SHIM_H
#define SWITCHYARD_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode sy_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sy_easy_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sy_easy_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sy_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sy_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }

typedef size_t (*sy_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode sy_easy_setopt_datacb(CURL *h, CURLoption o, sy_data_cb v) { return curl_easy_setopt(h, o, v); }

typedef int (*sy_socket_cb)(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);
typedef int (*sy_timer_cb)(CURLM *multi, long timeout_ms, void *userp);
static inline CURLMcode sy_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode sy_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode sy_multi_setopt_socketcb(CURLM *m, sy_socket_cb v) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, v); }
static inline CURLMcode sy_multi_setopt_timercb(CURLM *m, sy_timer_cb v) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, v); }

static inline CURLcode sy_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode sy_easy_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

// CURLMsg.data is a union; Swift sees it awkwardly, so read the result code here.
static inline CURLcode sy_msg_result(CURLMsg *m) { return m->data.result; }

static const size_t SY_CURL_WRITEFUNC_PAUSE = CURL_WRITEFUNC_PAUSE;
static const int SY_CURL_POLL_IN = CURL_POLL_IN;
static const int SY_CURL_POLL_OUT = CURL_POLL_OUT;
static const int SY_CURL_POLL_INOUT = CURL_POLL_INOUT;
static const int SY_CURL_POLL_REMOVE = CURL_POLL_REMOVE;
static const int SY_CURL_CSELECT_IN = CURL_CSELECT_IN;
static const int SY_CURL_CSELECT_OUT = CURL_CSELECT_OUT;
static const int SY_CURL_CSELECT_ERR = CURL_CSELECT_ERR;
static const curl_socket_t SY_CURL_SOCKET_TIMEOUT = CURL_SOCKET_TIMEOUT;
static const int SY_CURLPAUSE_CONT = CURLPAUSE_CONT;
#endif
