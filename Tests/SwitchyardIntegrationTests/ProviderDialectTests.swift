import Foundation
import SwitchyardTestSupport
import Testing

/// An OpenAI client reaching providers that speak other dialects: router → `switchyard mock` answering in the
/// Ollama, Anthropic or Gemini API, over real sockets.
@Suite("OpenAI clients reach Ollama, Anthropic and Gemini providers", .timeLimit(.minutes(2)))
struct ProviderDialectTests {
    static let dialects: [(apiType: String, path: String)] = [
        ("ollama", "/api/chat"), ("anthropic", "/v1/messages"), ("gemini", "/v1beta/models/mock-model:generateContent"),
    ]

    private static func provider(_ mock: MockUpstream, _ apiType: String, id: String? = nil) -> RouterConfig.Provider {
        .init(id: id ?? mock.id, apiHost: mock.url, apiType: apiType, apiToken: "secret-key-\(apiType)")
    }

    private static let tools = #""tools":[{"type":"function","function":{"name":"lookup","description":"Looks up","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}]"#

    @Test("a chat completion is translated both ways, with usage", arguments: dialects)
    func wholeChat(apiType: String, path: String) throws {
        let mock = try MockUpstream(id: "m-\(apiType)")
        let router = try RouterProcess(config: .single("chat-model", providers: [Self.provider(mock, apiType)]), arguments: ["--workers", "1"])

        let response = try router.post("/v1/chat/completions", #"{"model":"chat-model","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}],"max_tokens":100,"temperature":0.5}"#)

        #expect(response.status == 200, "body: \(response.text)")
        let json = try response.json()
        #expect(json["object"]?.string == "chat.completion")
        #expect(json["model"]?.string == "chat-model")
        let content = json["choices"]?[0]?["message"]?["content"]?.string ?? ""
        #expect(content.hasPrefix("[m-\(apiType)] "), "content: \(content)")
        #expect(json["choices"]?[0]?["finish_reason"]?.string == "stop")
        #expect(json["usage"]?["prompt_tokens"]?.int ?? 0 > 0)
        #expect(json["usage"]?["completion_tokens"]?.int == 16)

        let upstream = try mock.lastRequest()
        #expect(upstream["path"]?.string == path)
        switch apiType {
        case "ollama":
            #expect(upstream["body"]?["options"]?["num_predict"]?.int == 100)
            #expect(upstream["body"]?["stream"] == .bool(false))
            #expect(upstream["body"]?["messages"]?[0]?["role"]?.string == "system")
        case "anthropic":
            #expect(upstream["body"]?["system"]?.string == "be brief")
            #expect(upstream["headers"]?["x-api-key"]?.string == "secret-key-anthropic")
            #expect(upstream["headers"]?["anthropic-version"]?.string == "2023-06-01")
        default:
            #expect(upstream["body"]?["generationConfig"]?["maxOutputTokens"]?.int == 100)
            #expect(upstream["body"]?["systemInstruction"]?["parts"]?[0]?["text"]?.string == "be brief")
            #expect(upstream["headers"]?["x-goog-api-key"]?.string == "secret-key-gemini")
        }

        // The tokens are counted per model and provider.
        let metrics = try router.get("/metrics").text
        #expect(metrics.contains("model=\"chat-model\",provider=\"m-\(apiType)\",direction=\"completion\"} 16"), "metrics: \(metrics)")
    }

    @Test("a streamed chat completion arrives as OpenAI chunks equal to the whole answer", arguments: dialects)
    func streamedChat(apiType: String, path: String) throws {
        let mock = try MockUpstream(id: "s-\(apiType)")
        let router = try RouterProcess(config: .single("chat-model", providers: [Self.provider(mock, apiType)]))
        let whole = try router.post("/v1/chat/completions", RequestBody.chat()).json()
        let expected = whole["choices"]?[0]?["message"]?["content"]?.string ?? ""

        let response = try router.post("/v1/chat/completions", RequestBody.chat(stream: true, extra: #""stream_options":{"include_usage":true}"#))

        #expect(response.status == 200, "body: \(response.text)")
        #expect(response.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        let payloads = SSE.dataPayloads(response.text)
        #expect(payloads.last == "[DONE]")
        let events = try SSE.jsonEvents(response.text)
        let text = events.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined()
        #expect(text == expected)
        #expect(events.contains { $0["choices"]?[0]?["finish_reason"]?.string == "stop" })
        #expect(events.allSatisfy { $0["object"]?.string == "chat.completion.chunk" && $0["model"]?.string == "chat-model" })
        #expect(events.last?["usage"]?["completion_tokens"]?.int == 16)
    }

    @Test("tools go out in the provider's form and tool calls come back in OpenAI's, whole and streamed", arguments: dialects)
    func toolCalls(apiType: String, path: String) throws {
        let mock = try MockUpstream(id: "t-\(apiType)")
        let router = try RouterProcess(config: .single("chat-model", providers: [Self.provider(mock, apiType)]))

        let whole = try router.post("/v1/chat/completions", RequestBody.chat(extra: Self.tools))
        #expect(whole.status == 200, "body: \(whole.text)")
        let call = try whole.json()["choices"]?[0]?["message"]?["tool_calls"]?[0]
        #expect(call?["function"]?["name"]?.string == "lookup")
        let arguments = try TestJSON(parsing: call?["function"]?["arguments"]?.string ?? "")
        #expect(arguments["query"]?.string == "mock")
        #expect(try whole.json()["choices"]?[0]?["finish_reason"]?.string == "tool_calls")

        let streamed = try router.post("/v1/chat/completions", RequestBody.chat(stream: true, extra: Self.tools))
        let events = try SSE.jsonEvents(streamed.text)
        let deltas = events.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0] }
        #expect(deltas.first?["function"]?["name"]?.string == "lookup")
        let joined = deltas.compactMap { $0["function"]?["arguments"]?.string }.joined()
        #expect(try TestJSON(parsing: joined)["query"]?.string == "mock")
        #expect(events.contains { $0["choices"]?[0]?["finish_reason"]?.string == "tool_calls" })

        // The result goes back: an assistant turn with the call and a tool message answering it.
        let followUp = #"{"model":"chat-model","messages":[{"role":"user","content":"hello there"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"lookup","arguments":"{\"query\":\"mock\"}"}}]},{"role":"tool","tool_call_id":"call_0","content":"{\"answer\":42}"}],"# + Self.tools + "}"
        let answer = try router.post("/v1/chat/completions", followUp)
        #expect(answer.status == 200, "body: \(answer.text)")
        #expect(try answer.json()["choices"]?[0]?["message"]?["content"]?.string?.hasPrefix("[t-\(apiType)]") == true)
    }

    @Test("a provider's client error comes back in the OpenAI error shape with its status", arguments: dialects)
    func providerErrors(apiType: String, path: String) throws {
        let mock = try MockUpstream(id: "e-\(apiType)", arguments: ["--fail-status", "400"])
        let router = try RouterProcess(config: .single("chat-model", providers: [Self.provider(mock, apiType)]))

        for stream in [false, true] {
            let response = try router.post("/v1/chat/completions", RequestBody.chat(stream: stream))
            #expect(response.status == 400)
            let error = try response.json()["error"]
            #expect(error?["message"]?.string?.contains("mock failure injected") == true, "body: \(response.text)")
            #expect(error?["type"]?.string != nil)
        }
    }

    @Test("a provider answering 503 is skipped for a healthy one of the same dialect", arguments: dialects)
    func failover(apiType: String, path: String) throws {
        let failing = try MockUpstream(id: "f-\(apiType)", arguments: ["--fail-status", "503"])
        let healthy = try MockUpstream(id: "h-\(apiType)")
        let router = try RouterProcess(config: .single("chat-model", providers: [Self.provider(failing, apiType), Self.provider(healthy, apiType)]))

        for _ in 0..<4 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat())
            #expect(response.status == 200, "body: \(response.text)")
            #expect(try response.json()["choices"]?[0]?["message"]?["content"]?.string?.hasPrefix("[h-\(apiType)]") == true)
        }
        // When no provider is left, the client gets the provider's status in the OpenAI shape.
        let alone = try RouterProcess(config: .single("chat-model", providers: [Self.provider(failing, apiType)]))
        let response = try alone.post("/v1/chat/completions", RequestBody.chat())
        #expect(response.status == 503)
        #expect(try response.json()["error"]?["message"]?.string?.contains("mock failure injected") == true, "body: \(response.text)")
    }

    @Test("what a provider cannot do is a 400 naming the field", arguments: [
        ("anthropic", #""n":2"#, "n"), ("ollama", #""n":3"#, "n"), ("anthropic", #""response_format":{"type":"json_object"}"#, "response_format"),
        ("gemini", #""messages":[{"role":"robot","content":"x"}]"#, "messages[0].role"),
    ])
    func unsupported(apiType: String, extra: String, param: String) throws {
        let mock = try MockUpstream(id: "u-\(apiType)")
        let router = try RouterProcess(config: .single("chat-model", providers: [Self.provider(mock, apiType)]))
        let body = extra.hasPrefix(#""messages""#) ? #"{"model":"chat-model","# + extra + "}" : RequestBody.chat(extra: extra)

        let response = try router.post("/v1/chat/completions", body)

        #expect(response.status == 400, "body: \(response.text)")
        #expect(try response.json()["error"]?["param"]?.string == param, "body: \(response.text)")
        #expect(try mock.stats()["completions"]?.int == 0)
    }

    @Test("completions and embeddings reach Ollama's /api/generate and /api/embed")
    func ollamaGenerateAndEmbed() throws {
        let mock = try MockUpstream(id: "g")
        let router = try RouterProcess(config: .single("chat-model", providers: [Self.provider(mock, "ollama")]))

        let completion = try router.post("/v1/completions", #"{"model":"chat-model","prompt":"hello there","max_tokens":3}"#)
        #expect(completion.status == 200, "body: \(completion.text)")
        #expect(try completion.json()["object"]?.string == "text_completion")
        #expect(try completion.json()["choices"]?[0]?["finish_reason"]?.string == "length")
        #expect(try mock.lastRequest()["path"]?.string == "/api/generate")

        let streamed = try router.post("/v1/completions", #"{"model":"chat-model","prompt":"hello there","stream":true}"#)
        let text = try SSE.jsonEvents(streamed.text).compactMap { $0["choices"]?[0]?["text"]?.string }.joined()
        #expect(text.hasPrefix("[g] "))

        let embedding = try router.post("/v1/embeddings", #"{"model":"chat-model","input":["one","two words"]}"#)
        #expect(embedding.status == 200, "body: \(embedding.text)")
        #expect(try embedding.json()["data"]?[1]?["embedding"]?.array?.count == 8)
        #expect(try embedding.json()["usage"]?["prompt_tokens"]?.int == 3)
        #expect(try mock.lastRequest()["path"]?.string == "/api/embed")
    }

    @Test("OpenAI-family streams: usage is counted, and its chunk reaches only clients that asked for it")
    func openAIStreamUsage() throws {
        let mock = try MockUpstream(id: "o")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"])

        let plain = try router.post("/v1/chat/completions", RequestBody.chat(stream: true))
        #expect(plain.status == 200)
        #expect(!plain.text.contains("\"usage\""), "the usage chunk leaked: \(plain.text)")
        #expect(SSE.dataPayloads(plain.text).last == "[DONE]")
        #expect(try mock.lastRequest()["body"]?["stream_options"]?["include_usage"] == .bool(true))

        let asked = try router.post("/v1/chat/completions", RequestBody.chat(stream: true, extra: #""stream_options":{"include_usage":true}"#))
        #expect(try SSE.jsonEvents(asked.text).last?["usage"]?["completion_tokens"]?.int == 16)

        let metrics = try router.get("/metrics").text
        #expect(metrics.contains("model=\"chat-model\",provider=\"o\",direction=\"completion\"} 32"), "metrics: \(metrics)")
    }
}
