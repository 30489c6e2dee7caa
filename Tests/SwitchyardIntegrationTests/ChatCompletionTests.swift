import SwitchyardTestSupport
import Testing

@Suite("Chat completions through the router", .timeLimit(.minutes(1)))
struct ChatCompletionTests {
    @Test("a non-streamed reply names the client's model while the upstream sees model_path and every unknown field")
    func nonStreamedReplyRewritesOnlyTheModel() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider(modelPath: "org/served-7b")]))
        let extra = #""tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"#
            + #""response_format":{"type":"json_object"},"foo":"bar","temperature":0.25"#
        let body = RequestBody.chat(model: "chat-model", extra: extra)

        let response = try router.post("/v1/chat/completions", body)

        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        let reply = try response.json()
        #expect(reply["model"]?.string == "chat-model")
        #expect(reply["system_fingerprint"]?.string == "a")
        #expect(reply["choices"]?[0]?["message"]?["content"]?.string?.hasPrefix("[a] ") == true)

        let upstream = try mock.lastRequest()
        let sent = try TestJSON(parsing: body)
        #expect(upstream["method"]?.string == "POST")
        #expect(upstream["path"]?.string == "/v1/chat/completions")
        #expect(upstream["body"]?["model"]?.string == "org/served-7b")
        for key in ["tools", "response_format", "foo", "temperature", "messages"] {
            #expect(upstream["body"]?[key] == sent[key], "\(key) must reach the upstream untouched")
        }
    }

    @Test("model_name selects the model and does not reach the upstream as model_name")
    func modelNameAliasSelectsTheModel() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider(modelPath: "org/served-7b")]))

        let response = try router.post("/v1/chat/completions", RequestBody.chat(model: "chat-model", modelKey: "model_name"))

        #expect(response.status == 200)
        #expect(try response.json()["model"]?.string == "chat-model")
        let upstreamBody = try mock.lastRequest()["body"]
        #expect(upstreamBody?["model"]?.string == "org/served-7b")
        #expect(upstreamBody?["model_name"] == nil)
    }

    @Test("a streamed reply relays every event in order, names the client's model and ends with [DONE]")
    func streamedReplyIsRelayedInOrder() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider(modelPath: "org/served-7b")]))
        let words = ["one", "two", "three", "four", "five", "six"]
        let body = RequestBody.chat(
            model: "chat-model", content: words.joined(separator: " "), stream: true,
            mock: #"{"echo":true,"tokens":6,"token_delay_ms":5}"#)

        let response = try router.post("/v1/chat/completions", body)

        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        let payloads = SSE.dataPayloads(response.text)
        #expect(payloads.last == "[DONE]")
        #expect(payloads.filter { $0 == "[DONE]" }.count == 1)
        let events = try SSE.jsonEvents(response.text)
        #expect(!events.isEmpty)
        for event in events {
            #expect(event["model"]?.string == "chat-model", "event \(event)")
            #expect(event["object"]?.string == "chat.completion.chunk")
        }
        let content = events.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined()
        #expect(content == "[a] " + words.map { $0 + " " }.joined())
        #expect(events.last?["choices"]?[0]?["finish_reason"]?.string == "stop")
        #expect(try mock.lastRequest()["body"]?["model"]?.string == "org/served-7b")
    }
}
