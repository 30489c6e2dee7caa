#!/usr/bin/env python3
"""Time-to-first-SSE-byte probe for bench/run.sh (standard library only, raw sockets).

Sends N sequential streaming chat completions over one keep-alive connection (TCP_NODELAY) and measures, for
each, the time from the request's send() until the first received bytes that complete a ``data:`` line prefix
in the body. The rest of the reply (chunked, Content-Length or close-delimited) is read and checked for
``[DONE]`` before the next request, so exactly one stream is in flight. Raw sockets rather than http.client,
whose buffered parsing added ~0.7 ms per reply here and would hide a router's overhead.

Prints one machine-readable line:  TTFB n=200 ok=200 p50_ms=0.412 p90_ms=0.480 p99_ms=0.601 mean_ms=0.430
Exit code: 0 when every measured request streamed to [DONE], 1 otherwise, 2 on usage errors.
"""
import argparse
import json
import socket
import statistics
import sys
import time


class Reply:
    """Incremental HTTP/1.1 response reader: feed() bytes, it tracks status, body bytes seen and completion."""

    def __init__(self):
        self.head = b""
        self.status = None
        self.length = None      # Content-Length, when given
        self.chunked = False
        self.body_seen = 0
        self.body_tail = b""    # last bytes of the de-chunked body, for [DONE]
        self.body_head = b""    # first bytes of the de-chunked body, for data:
        self.done = False
        self._buf = b""         # undecoded chunked framing
        self._chunk_left = 0

    def feed(self, data):
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end].decode("latin-1"), self.head[end + 4:]
            lines = head.split("\r\n")
            self.status = int(lines[0].split()[1])
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "content-length":
                    self.length = int(value)
                elif name == "transfer-encoding" and "chunked" in value.lower():
                    self.chunked = True
        if self.chunked:
            self._feed_chunked(data)
        else:
            self._body(data)
            if self.length is not None and self.body_seen >= self.length:
                self.done = True

    def _body(self, data):
        if not data:
            return
        self.body_seen += len(data)
        if len(self.body_head) < 64:
            self.body_head += data[:64]
        self.body_tail = (self.body_tail + data)[-64:]

    def _feed_chunked(self, data):
        self._buf += data
        while self._buf and not self.done:
            if self._chunk_left > 0:
                take = self._buf[:self._chunk_left]
                self._body(take)
                self._chunk_left -= len(take)
                self._buf = self._buf[len(take):]
                if self._chunk_left == 0:
                    self._chunk_left = -2  # the CRLF after the chunk data
                continue
            if self._chunk_left == -2:
                if len(self._buf) < 2:
                    return
                self._buf = self._buf[2:]
                self._chunk_left = 0
                continue
            end = self._buf.find(b"\r\n")
            if end < 0:
                return
            size = int(self._buf[:end].split(b";")[0], 16)
            self._buf = self._buf[end + 2:]
            if size == 0:
                self.done = True  # trailers are not expected here (RFC 9112 §7.1)
                return
            self._chunk_left = size


def percentile(sorted_values, pct):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(pct / 100.0 * len(sorted_values) + 0.999999)))
    return sorted_values[rank - 1]


def connect(host, port, timeout):
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def one_stream(sock, request):
    """Returns (ttfb seconds or None, completed, keep_open) for one streamed request on sock."""
    reply = Reply()
    ttfb = None
    t0 = time.perf_counter()
    sock.sendall(request)
    while not reply.done:
        data = sock.recv(65536)
        if not data:
            return ttfb, reply.status == 200 and b"[DONE]" in reply.body_tail and reply.length is None, False
        reply.feed(data)
        if ttfb is None and b"data:" in reply.body_head:
            ttfb = time.perf_counter() - t0
    return ttfb, reply.status == 200 and b"[DONE]" in reply.body_tail, True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080 (loopback only)")
    parser.add_argument("-n", type=int, default=200, help="measured requests (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests first (default 10)")
    parser.add_argument("--model", default="bench")
    parser.add_argument("--timeout", type=float, default=10.0, help="socket timeout in seconds")
    args = parser.parse_args()

    hostport = args.url.split("://", 1)[-1].split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not (host.startswith("127.") or host == "localhost"):
        print("ttfb.py: only loopback URLs are allowed", file=sys.stderr)
        return 2
    body = json.dumps({
        "model": args.model, "stream": True, "max_tokens": 64,
        "messages": [{"role": "user", "content": "Write one sentence about routers."}],
        "mock": {"token_delay_ms": 0},
    }).encode()
    request = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
        "Accept: text/event-stream\r\nContent-Length: %d\r\n\r\n" % (hostport, len(body))
    ).encode() + body

    sock = connect(host, int(port), args.timeout)
    samples = []
    ok = 0
    for i in range(args.warmup + args.n):
        try:
            ttfb, completed, keep_open = one_stream(sock, request)
        except OSError:
            ttfb, completed, keep_open = None, False, False
        if not keep_open:
            sock.close()
            sock = connect(host, int(port), args.timeout)
        if i < args.warmup:
            continue
        if completed and ttfb is not None:
            ok += 1
            samples.append(ttfb * 1000.0)
    sock.close()
    samples.sort()
    print("TTFB n=%d ok=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f mean_ms=%.3f" % (
        args.n, ok, percentile(samples, 50), percentile(samples, 90), percentile(samples, 99),
        statistics.fmean(samples) if samples else float("nan")))
    return 0 if ok == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
