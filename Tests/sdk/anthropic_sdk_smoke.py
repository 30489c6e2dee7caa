"""The official `anthropic` Python SDK against a real `switchyard serve`.

Two OpenAI-dialect providers answer it: `switchyard mock` (model "mock") and, for the tools round trip, a tiny
OpenAI-compatible server in this script (model "tools") that calls a tool when offered one and answers with the
tool's result once it has it. Run by scripts/test.sh inside a virtualenv that has `anthropic`; exits non-zero on
the first failed check. Usage: python anthropic_sdk_smoke.py PATH_TO_SWITCHYARD
"""
import json
import os
import sys
import tempfile

import anthropic
from tool_upstream import RECEIVED, start_process, start_tool_upstream


def main(binary: str) -> int:
    upstream = start_tool_upstream()
    processes = []
    with tempfile.TemporaryDirectory() as directory:
        try:
            mock, mock_url = start_process([binary, "mock", "--port", "0", "--id", "m", "--tokens", "6"])
            processes.append(mock)
            config = {"group": {
                "mock": {"providers": [{"id": "m", "api_host": mock_url, "api_type": "vllm", "model_path": "mock-model"}]},
                "tools": {"providers": [{"id": "t", "api_host": f"http://127.0.0.1:{upstream.server_port}", "api_type": "openai",
                                         "model_path": "tool-model", "api_token": "provider-secret"}]},
            }, "active_models": {"group": ["mock", "tools"]}}
            path = os.path.join(directory, "models.json")
            with open(path, "w") as file:
                json.dump(config, file)
            router, router_url = start_process([binary, "serve", "--port", "0", "--workers", "1", "--log-level", "warning", "--config", path])
            processes.append(router)
            client = anthropic.Anthropic(base_url=router_url, api_key="client-key", timeout=10, max_retries=0)
            checks = 0

            message = client.messages.create(model="mock", max_tokens=100, system="be brief",
                                             messages=[{"role": "user", "content": "hello"}])
            assert message.model == "mock" and message.role == "assistant" and message.stop_reason == "end_turn", message
            assert message.content[0].type == "text" and message.content[0].text.startswith("[m]"), message
            assert message.usage.output_tokens == 6 and message.usage.input_tokens > 0, message
            checks += 1

            with client.messages.stream(model="mock", max_tokens=100, messages=[{"role": "user", "content": "hello"}]) as stream:
                text = "".join(stream.text_stream)
                final = stream.get_final_message()
            assert text.startswith("[m]") and final.content[0].text == text, (text, final)
            assert final.stop_reason == "end_turn" and final.usage.output_tokens == 6 and final.usage.input_tokens > 0, final
            events = [event.type for event in client.messages.create(
                model="mock", max_tokens=3, stream=True, messages=[{"role": "user", "content": "hi"}])]
            assert events[0] == "message_start" and events[-1] == "message_stop" and "message_delta" in events, events
            checks += 2

            tools = [{"name": "get_weather", "description": "Weather in a city",
                      "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
            question = {"role": "user", "content": "Weather in Paris?"}
            for streaming in (False, True):
                if streaming:
                    with client.messages.stream(model="tools", max_tokens=100, tools=tools, messages=[question]) as stream:
                        call_message = stream.get_final_message()
                else:
                    call_message = client.messages.create(model="tools", max_tokens=100, tools=tools, messages=[question])
                assert call_message.stop_reason == "tool_use", call_message
                call = next(block for block in call_message.content if block.type == "tool_use")
                assert call.name == "get_weather" and call.input == {"city": "Paris"}, call
                answer = client.messages.create(model="tools", max_tokens=100, tools=tools, messages=[
                    question,
                    {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in call_message.content]},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "22 C and sunny"}]},
                ])
                assert answer.content[0].text == "It is 22 C and sunny.", answer
                headers, sent = RECEIVED[-1]
                assert sent["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "22 C and sunny"}, sent
                assert sent["messages"][-2]["tool_calls"][0]["function"]["name"] == "get_weather", sent
                assert headers.get("Authorization") == "Bearer provider-secret" and "x-api-key" not in {k.lower() for k in headers}, headers
                checks += 1

            counted = client.messages.count_tokens(model="mock", messages=[{"role": "user", "content": "hello there, how are you today?"}])
            assert counted.input_tokens > 5, counted
            checks += 1

            try:
                client.messages.create(model="no-such-model", max_tokens=5, messages=[{"role": "user", "content": "x"}])
                raise AssertionError("unknown model did not raise")
            except anthropic.NotFoundError as error:
                assert error.body["error"]["type"] == "not_found_error", error.body
            try:
                client.messages.create(model="mock", max_tokens=5, messages=[{"role": "system", "content": "x"}])  # type: ignore[list-item]
                raise AssertionError("a wrong role did not raise")
            except anthropic.BadRequestError as error:
                assert error.body["type"] == "error" and "messages.0.role" in error.body["error"]["message"], error.body
            checks += 2
            print(f"anthropic SDK smoke test: all {checks} checks succeeded")
            return 0
        finally:
            for process in reversed(processes):
                process.terminate()
                process.wait(timeout=10)
            upstream.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
