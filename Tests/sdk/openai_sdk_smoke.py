"""The official `openai` Python SDK against a real `switchyard serve` (demo mode, embedded mocks).

Run by scripts/test.sh inside a virtualenv that has `openai`; exits non-zero on the first failed check.
Usage: python openai_sdk_smoke.py PATH_TO_SWITCHYARD
"""
import subprocess
import sys

import openai
from openai import OpenAI


def main(binary: str) -> int:
    router = subprocess.Popen([binary, "serve", "--port", "0", "--workers", "1", "--log-level", "warning"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = router.stdout.readline().strip()
        assert line.startswith("listening on http://"), f"unexpected first line: {line!r}"
        client = OpenAI(base_url=line.removeprefix("listening on ") + "/v1", api_key="unused", timeout=10, max_retries=0)
        checks = 0

        reply = client.chat.completions.create(model="demo", messages=[{"role": "user", "content": "hello"}])
        assert reply.model == "demo" and reply.choices[0].message.content.startswith("[mock-"), reply
        assert reply.usage.total_tokens > 0
        checks += 1

        parts, usage, finish = [], None, None
        for chunk in client.chat.completions.create(model="demo", messages=[{"role": "user", "content": "hello"}],
                                                    stream=True, stream_options={"include_usage": True}):
            assert chunk.model == "demo", chunk
            if chunk.choices:
                parts.append(chunk.choices[0].delta.content or "")
                finish = chunk.choices[0].finish_reason or finish
            if chunk.usage:
                usage = chunk.usage
        assert "".join(parts).startswith("[mock-") and finish == "stop" and usage and usage.completion_tokens > 0
        checks += 1

        assert [m.id for m in client.models.list()] == ["demo"]
        embeddings = client.embeddings.create(model="demo", input=["a", "b"])
        assert len(embeddings.data) == 2 and len(embeddings.data[0].embedding) > 0
        assert client.completions.create(model="demo", prompt="x").choices[0].text.startswith("[mock-")
        checks += 3

        try:
            client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
            raise AssertionError("unknown model did not raise")
        except openai.NotFoundError as error:
            assert error.body["code"] == "model_not_found", error.body
        try:
            client.chat.completions.create(model="demo", messages=[], stream="yes")  # type: ignore[arg-type]
            raise AssertionError("invalid stream did not raise")
        except openai.BadRequestError as error:
            assert error.body["type"] == "invalid_request_error", error.body
        checks += 2
        print(f"openai SDK smoke test: all {checks} checks succeeded")
        return 0
    finally:
        router.terminate()
        router.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
