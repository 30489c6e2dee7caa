"""The official `ollama` Python client against a real `switchyard serve` (demo mode, embedded OpenAI-dialect mocks),
and for the tools round trip against a router whose provider is the tool-calling upstream of tool_upstream.py.

Run by scripts/test.sh inside a virtualenv that has `ollama`; exits non-zero on the first failed check.
Usage: python ollama_sdk_smoke.py PATH_TO_SWITCHYARD
"""
import json
import os
import subprocess
import sys
import tempfile

import ollama
from tool_upstream import RECEIVED, start_process, start_tool_upstream


def main(binary: str) -> int:
    router = subprocess.Popen([binary, "serve", "--port", "0", "--workers", "1", "--log-level", "warning"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = router.stdout.readline().strip()
        assert line.startswith("listening on http://"), f"unexpected first line: {line!r}"
        client = ollama.Client(host=line.removeprefix("listening on "), timeout=10)
        checks = 0

        reply = client.chat(model="demo", messages=[{"role": "user", "content": "hello"}],
                            options={"temperature": 0.1, "num_predict": 8})
        assert reply.model == "demo" and reply.done and reply.done_reason == "length", reply
        assert reply.message.role == "assistant" and reply.message.content.startswith("[mock-"), reply
        assert reply.eval_count == 8 and reply.prompt_eval_count > 0, reply
        checks += 1

        parts, last = [], None
        for chunk in client.chat(model="demo", messages=[{"role": "user", "content": "hello"}], stream=True):
            assert chunk.model == "demo", chunk
            parts.append(chunk.message.content or "")
            last = chunk
        assert len(parts) > 2 and "".join(parts).startswith("[mock-"), parts
        assert last.done and last.done_reason == "stop" and last.eval_count > 0 and last.total_duration is not None, last
        checks += 1

        generated = client.generate(model="demo", prompt="why is the sky blue?", system="be brief")
        assert generated.done and generated.response.startswith("[mock-"), generated
        streamed = "".join(piece.response for piece in client.generate(model="demo", prompt="x", stream=True))
        assert streamed.startswith("[mock-"), streamed
        checks += 2

        embedded = client.embed(model="demo", input=["a", "b"])
        assert len(embedded.embeddings) == 2 and len(embedded.embeddings[0]) > 0, embedded
        older = client.embeddings(model="demo", prompt="a")
        assert len(older.embedding) > 0 and list(older.embedding) == list(embedded.embeddings[0]), older
        checks += 2

        listed = client.list()
        assert [m.model for m in listed.models] == ["demo"], listed
        assert listed.models[0].modified_at is not None and listed.models[0].details is not None, listed
        shown = client.show("demo")
        assert shown.details is not None and shown.modelinfo is not None and "completion" in shown.capabilities, shown
        assert [m.model for m in client.ps().models] == ["demo"]
        checks += 3

        try:
            client.chat(model="no-such-model", messages=[{"role": "user", "content": "x"}])
            raise AssertionError("unknown model did not raise")
        except ollama.ResponseError as error:
            assert error.status_code == 404 and "no-such-model" in error.error, error
        try:
            client.show("no-such-model")
            raise AssertionError("unknown model did not raise on show")
        except ollama.ResponseError as error:
            assert error.status_code == 404, error
        try:
            client.chat(model="demo", messages=[{"role": "robot", "content": "x"}])
            raise AssertionError("an unknown role did not raise")
        except ollama.ResponseError as error:
            assert error.status_code == 400 and "messages[0].role" in error.error, error
        checks += 3

        checks += tools_round_trip(binary)
        print(f"ollama SDK smoke test: all {checks} checks succeeded")
        return 0
    finally:
        router.terminate()
        router.wait(timeout=10)


def tools_round_trip(binary: str) -> int:
    """A tool call comes back with its arguments as a mapping, and the tool's result reaches the provider as an
    OpenAI tool message answering that call; streamed and not."""
    upstream = start_tool_upstream()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "models.json")
        with open(path, "w") as file:
            json.dump({"group": {"tools": {"providers": [{"id": "t", "api_host": f"http://127.0.0.1:{upstream.server_port}",
                                                          "api_type": "vllm", "model_path": "tool-model"}]}},
                       "active_models": {"group": ["tools"]}}, file)
        router, url = start_process([binary, "serve", "--port", "0", "--workers", "1", "--log-level", "warning", "--config", path])
        try:
            client = ollama.Client(host=url, timeout=10)
            tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": {
                "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
            question = {"role": "user", "content": "Weather in Paris?"}
            checks = 0
            for streaming in (False, True):
                if streaming:
                    calls = [call for chunk in client.chat(model="tools", messages=[question], tools=tools, stream=True)
                             for call in (chunk.message.tool_calls or [])]
                else:
                    calls = client.chat(model="tools", messages=[question], tools=tools).message.tool_calls
                assert len(calls) == 1 and calls[0].function.name == "get_weather", calls
                assert dict(calls[0].function.arguments) == {"city": "Paris"}, calls
                answer = client.chat(model="tools", tools=tools, messages=[
                    question,
                    {"role": "assistant", "content": "", "tool_calls": [call.model_dump() for call in calls]},
                    {"role": "tool", "tool_name": "get_weather", "content": "22 C and sunny"},
                ])
                assert answer.message.content == "It is 22 C and sunny.", answer
                _, sent = RECEIVED[-1]
                call_id = sent["messages"][-2]["tool_calls"][0]["id"]
                assert sent["messages"][-1] == {"role": "tool", "content": "22 C and sunny", "tool_call_id": call_id}, sent
                checks += 1
            return checks
        finally:
            router.terminate()
            router.wait(timeout=10)
            upstream.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
