"""Helpers of the SDK smoke tests: a tiny OpenAI-compatible upstream that calls tools, and process start-up."""
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECEIVED = []


class ToolCallingUpstream(BaseHTTPRequestHandler):
    """POST /v1/chat/completions: a tool call when the last message is the user's, else the tool's result."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        RECEIVED.append((dict(self.headers), body))
        last = body["messages"][-1]
        if last["role"] == "tool":
            message = {"role": "assistant", "content": f"It is {last['content']}."}
            finish = "stop"
        else:
            arguments = json.dumps({"city": "Paris"})
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": body["tools"][0]["function"]["name"], "arguments": arguments}}]}
            finish = "tool_calls"
        usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
        if not body.get("stream"):
            answer = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body["model"],
                      "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        chunks = []
        head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": body["model"]}
        if message.get("tool_calls"):
            call = message["tool_calls"][0]
            arguments = call["function"]["arguments"]
            chunks.append({"tool_calls": [{"index": 0, "id": call["id"], "type": "function",
                                           "function": {"name": call["function"]["name"], "arguments": ""}}]})
            chunks.append({"tool_calls": [{"index": 0, "function": {"arguments": arguments[:5]}}]})
            chunks.append({"tool_calls": [{"index": 0, "function": {"arguments": arguments[5:]}}]})
        else:
            chunks.append({"content": message["content"]})
        events = [dict(head, choices=[{"index": 0, "delta": delta, "finish_reason": None}]) for delta in chunks]
        events.append(dict(head, choices=[{"index": 0, "delta": {}, "finish_reason": finish}]))
        events.append(dict(head, choices=[], usage=usage))
        data = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data.encode())))
        self.end_headers()
        self.wfile.write(data.encode())


def start_process(arguments):
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline().strip()
    assert line.startswith("listening on http://"), f"unexpected first line: {line!r}"
    return process, line.removeprefix("listening on ")


def start_tool_upstream() -> ThreadingHTTPServer:
    """Starts a ToolCallingUpstream on a free loopback port (server_port), serving on a daemon thread."""
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), ToolCallingUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    return upstream
