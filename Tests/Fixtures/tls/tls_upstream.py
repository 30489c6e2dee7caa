#!/usr/bin/env python3
"""A minimal OpenAI-compatible upstream over TLS, for testing Switchyard's HTTPS path (libcurl).

Serves POST /v1/chat/completions (JSON, or SSE with "stream": true) with the self-signed certificate next to
this file (valid for 127.0.0.1 and localhost). Prints "listening on https://127.0.0.1:PORT" once ready.
Usage: python3 tls_upstream.py   (stdlib only)
"""
import json
import os
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        model = body.get("model", "")
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for word in ["secure", "hello"]:
                event = {"id": "tls-1", "object": "chat.completion.chunk", "model": model,
                         "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]}
                self._chunk(("data: " + json.dumps(event) + "\n\n").encode())
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")
            return
        reply = json.dumps({"id": "tls-1", "object": "chat.completion", "model": model,
                            "system_fingerprint": "tls-upstream",
                            "choices": [{"index": 0, "message": {"role": "assistant", "content": "secure hello"},
                                         "finish_reason": "stop"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(HERE, "cert.pem"), os.path.join(HERE, "key.pem"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"listening on https://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
