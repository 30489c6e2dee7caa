import Foundation
import SwitchyardTestSupport
import Testing

/// The Ollama and Anthropic front doors over real sockets, answered by an OpenAI-dialect provider (`switchyard
/// mock`): requests reach the provider translated, answers come back in the client's dialect, streaming or not,
/// and errors before and after the first byte use the client's error shape.
@Suite("Front doors (Ollama, Anthropic, Responses, llm-router routes)", .timeLimit(.minutes(2)))
struct FrontDoorTests {
    /// NDJSON lines parsed.
    private func lines(_ text: String) throws -> [TestJSON] {
        try text.split(separator: "\n").map { try TestJSON(parsing: String($0)) }
    }

    /// Anthropic SSE: (event, data) pairs.
    private func events(_ text: String) throws -> [(String, TestJSON)] {
        var result: [(String, TestJSON)] = []
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            var name = ""
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            result.append((name, try TestJSON(parsing: data)))
        }
        return result
    }

    // MARK: Ollama

    @Test("Ollama chat streams NDJSON by default and ends with done, reason and counts; the provider got an OpenAI request")
    func ollamaChatStreams() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--tokens", "4"])
        let router = try RouterProcess(config: .single("llama3.2", providers: [mock.provider(modelPath: "served/path", apiToken: "provider-secret")]))
        let response = try router.post("/api/chat", #"{"model":"llama3.2","messages":[{"role":"user","content":"hi"}],"options":{"temperature":0.3,"num_predict":9},"keep_alive":"5m"}"#,
                                       headers: [("Authorization", "Bearer client-key")])
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/x-ndjson")
        let objects = try lines(response.text)
        #expect(objects.count == 5)
        #expect(objects.dropLast().allSatisfy { $0["done"] == .bool(false) && $0["model"]?.string == "llama3.2" })
        #expect(objects.first?["message"]?["content"]?.string?.hasPrefix("[a]") == true)
        let last = try #require(objects.last)
        #expect(last["done"] == .bool(true) && last["done_reason"]?.string == "stop")
        #expect(last["eval_count"]?.int == 4 && (last["prompt_eval_count"]?.int ?? 0) > 0)
        let upstream = try mock.lastRequest()
        #expect(upstream["path"]?.string == "/v1/chat/completions")
        #expect(upstream["body"]?["model"]?.string == "served/path")
        #expect(upstream["body"]?["stream"] == .bool(true) && upstream["body"]?["temperature"]?.number == 0.3)
        #expect(upstream["body"]?["max_tokens"]?.int == 9 && upstream["body"]?["options"] == nil && upstream["body"]?["keep_alive"] == nil)
        #expect(upstream["headers"]?["authorization"]?.string == "Bearer provider-secret", "the client's key is never forwarded")
    }

    @Test("Ollama chat, generate, embed and embeddings answer whole in Ollama's schema when stream is false")
    func ollamaWholeAnswers() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--tokens", "3"])
        let router = try RouterProcess(config: .single("llama3.2", providers: [mock.provider()]))
        let chat = try router.post("/api/chat", #"{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]}"#).json()
        #expect(chat["message"]?["role"]?.string == "assistant" && chat["message"]?["content"]?.string?.hasPrefix("[a]") == true)
        #expect(chat["done"] == .bool(true) && chat["eval_count"]?.int == 3)
        let generate = try router.post("/api/generate", #"{"model":"llama3.2","stream":false,"prompt":"hi","system":"s"}"#).json()
        #expect(generate["response"]?.string?.hasPrefix("[a]") == true && generate["done"] == .bool(true))
        #expect(try mock.lastRequest()["body"]?["messages"]?[0]?["role"]?.string == "system")
        let load = try router.post("/api/generate", #"{"model":"llama3.2"}"#).json()
        #expect(load["done_reason"]?.string == "load")
        let embed = try router.post("/api/embed", #"{"model":"llama3.2","input":["a","b"]}"#).json()
        #expect(embed["embeddings"]?.array?.count == 2 && embed["model"]?.string == "llama3.2")
        let old = try router.post("/api/embeddings", #"{"model":"llama3.2","prompt":"a"}"#).json()
        #expect((old["embedding"]?.array?.count ?? 0) > 0)
        // The OpenAI spelling of {prefix}/embeddings keeps working on the same path.
        let openAI = try router.post("/api/embeddings", #"{"model":"llama3.2","input":"a"}"#).json()
        #expect(openAI["object"]?.string == "list")
    }

    @Test("Ollama's model endpoints: /, /api/tags (and /tags), /api/show (404 unknown), /api/ps, /api/version")
    func ollamaModelEndpoints() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("llama3.2", providers: [mock.provider()]))
        let root = try router.get("/")
        #expect(root.status == 200 && root.text == "Ollama is running")
        for path in ["/api/tags", "/tags"] {
            let model = try #require(try router.get(path).json()["models"]?[0])
            #expect(model["name"]?.string == "llama3.2" && model["model"]?.string == "llama3.2")
            #expect(model["modified_at"]?.string?.hasSuffix("Z") == true && model["size"]?.int == 0)
            #expect(model["digest"]?.string?.count == 64 && model["details"]?["family"] != nil)
            #expect(try !(router.get(path).text.contains("127.0.0.1")), "no provider address")
        }
        let show = try router.post("/api/show", #"{"model":"llama3.2"}"#)
        #expect(show.status == 200)
        #expect(try show.json()["details"] != nil && show.json()["model_info"] != nil && show.json()["modified_at"] != nil)
        let unknown = try router.post("/api/show", #"{"model":"nope"}"#)
        #expect(try unknown.status == 404 && (unknown.json()["error"]?.string?.contains("nope")) == true)
        #expect(try router.get("/api/ps").json()["models"]?[0]?["name"]?.string == "llama3.2")
        #expect(try router.get("/api/version").json()["version"]?.string != nil)
    }

    @Test("bad Ollama input is a 400 in Ollama's shape naming the field; an unknown model a 404")
    func ollamaBadInput() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("llama3.2", providers: [mock.provider()]))
        for (body, field) in [
            (#"{"model":"llama3.2","messages":{"role":"user"}}"#, "messages"),
            (#"{"model":"llama3.2","messages":[{"role":"robot","content":"x"}]}"#, "messages[0].role"),
            (#"{"model":"llama3.2","messages":[{"role":"user","content":{"text":"x"}}]}"#, "messages[0].content"),
            ("{not json", "JSON"),
        ] {
            let response = try router.post("/api/chat", body)
            #expect(response.status == 400, "\(body)")
            let error = try #require(try response.json()["error"]?.string, "\(response.text)")
            #expect(error.contains(field))
        }
        let unknown = try router.post("/api/chat", #"{"model":"nope","messages":[]}"#)
        #expect(try unknown.status == 404 && (unknown.json()["error"]?.string) == "model \"nope\" not found")
        #expect(try mock.stats()["completions"]?.int ?? 0 == 0, "no invalid request reached the provider")
    }

    @Test("an Ollama stream the provider breaks ends with an error line; a failure before it is an HTTP error in Ollama's shape")
    func ollamaStreamErrors() throws {
        let broken = try MockUpstream(id: "a", arguments: ["--tokens", "5", "--reset-after", "2"])
        let router = try RouterProcess(config: .single("m", providers: [broken.provider()]))
        let response = try router.post("/api/chat", #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(response.status == 200)
        let objects = try lines(response.text)
        #expect(objects.count == 3, "\(response.text)")
        #expect(objects.last?["error"]?.string != nil)
        #expect(!objects.contains { $0["done"] == .bool(true) }, "a broken stream must not look complete")

        let failing = try MockUpstream(id: "b", arguments: ["--fail-status", "503"])
        let router2 = try RouterProcess(config: .single("m", providers: [failing.provider()]))
        let failed = try router2.post("/api/chat", #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(failed.status == 503)
        #expect(try failed.json()["error"]?.string != nil, "\(failed.text)")
        #expect(!failed.text.contains("127.0.0.1:\(failing.port)"))
    }

    // MARK: Anthropic

    @Test("Anthropic messages: a whole message, with either key header, never forwarded")
    func anthropicWhole() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--tokens", "3"])
        let router = try RouterProcess(config: .single("claude-x", providers: [mock.provider(apiToken: "provider-secret")]))
        let body = #"{"model":"claude-x","max_tokens":50,"system":"be brief","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"metadata":{"user_id":"u"}}"#
        for header in [("x-api-key", "client-key"), ("Authorization", "Bearer client-key")] {
            let response = try router.post("/v1/messages", body, headers: [header, ("anthropic-version", "2023-06-01")])
            #expect(response.status == 200)
            let message = try response.json()
            #expect(message["type"]?.string == "message" && message["role"]?.string == "assistant" && message["model"]?.string == "claude-x")
            #expect(message["content"]?[0]?["type"]?.string == "text" && message["content"]?[0]?["text"]?.string?.hasPrefix("[a]") == true)
            #expect(message["stop_reason"]?.string == "end_turn" && message["usage"]?["output_tokens"]?.int == 3)
            let upstream = try mock.lastRequest()
            #expect(upstream["headers"]?["authorization"]?.string == "Bearer provider-secret")
            #expect(upstream["headers"]?["x-api-key"] == nil)
            #expect(upstream["body"]?["messages"]?[0]?["content"]?.string == "be brief" && upstream["body"]?["max_tokens"]?.int == 50)
        }
    }

    @Test("Anthropic messages stream the Messages events in order, with usage")
    func anthropicStream() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--tokens", "3"])
        let router = try RouterProcess(config: .single("claude-x", providers: [mock.provider()]))
        let response = try router.post("/v1/messages", #"{"model":"claude-x","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(response.status == 200 && response.header("Content-Type") == "text/event-stream")
        let stream = try events(response.text)
        #expect(stream.map(\.0) == ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                                    "content_block_stop", "message_delta", "message_stop"])
        #expect(stream[6].1["delta"]?["stop_reason"]?.string == "end_turn" && stream[6].1["usage"]?["output_tokens"]?.int == 3)
        #expect(try mock.lastRequest()["body"]?["stream_options"]?["include_usage"] == .bool(true))
    }

    @Test("Anthropic errors: bad input 400, unknown model 404, provider failure before the stream, break after it")
    func anthropicErrors() throws {
        let broken = try MockUpstream(id: "a", arguments: ["--tokens", "5", "--reset-after", "2"])
        let failing = try MockUpstream(id: "b", arguments: ["--fail-status", "503"])
        let router = try RouterProcess(config: RouterConfig([.init("broken", providers: [broken.provider()]), .init("failing", providers: [failing.provider()])]))
        for (body, field) in [
            (#"{"model":"broken","max_tokens":5,"messages":"hi"}"#, "messages"),
            (#"{"model":"broken","max_tokens":5,"messages":[{"role":"system","content":"x"}]}"#, "messages.0.role"),
            (#"{"model":"broken","max_tokens":5,"messages":[{"role":"user","content":42}]}"#, "messages.0.content"),
            (#"{"model":"broken","messages":[{"role":"user","content":"x"}]}"#, "max_tokens"),
        ] {
            let response = try router.post("/v1/messages", body)
            #expect(response.status == 400)
            let json = try response.json()
            #expect(json["type"]?.string == "error" && json["error"]?["type"]?.string == "invalid_request_error")
            #expect(json["error"]?["message"]?.string?.contains("`\(field)`") == true, "\(response.text)")
        }
        let unknown = try router.post("/v1/messages", #"{"model":"nope","max_tokens":5,"messages":[]}"#)
        #expect(try unknown.status == 404 && (unknown.json()["error"]?["type"]?.string) == "not_found_error")

        let failed = try router.post("/v1/messages", #"{"model":"failing","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}"#)
        #expect(try failed.status == 503 && (failed.json()["error"]?["type"]?.string) == "overloaded_error", "\(failed.text)")

        let cut = try router.post("/v1/messages", #"{"model":"broken","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"x"}]}"#)
        #expect(cut.status == 200)
        let stream = try events(cut.text)
        #expect(stream.last?.0 == "error" && stream.last?.1["error"]?["message"]?.string != nil, "\(cut.text)")
        #expect(!stream.contains { $0.0 == "message_stop" })
    }

    @Test("count_tokens estimates without calling a provider")
    func countTokens() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("claude-x", providers: [mock.provider()]))
        let response = try router.post("/v1/messages/count_tokens", #"{"model":"claude-x","messages":[{"role":"user","content":"hello world, how are you?"}]}"#)
        #expect(response.status == 200)
        #expect(try (response.json()["input_tokens"]?.int ?? 0) > 5)
        #expect(try mock.stats()["completions"]?.int ?? 0 == 0)
    }

    @Test("an Ollama or Anthropic client that leaves mid-stream aborts the upstream stream", arguments: [
        ("/api/chat", #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, "\"content\":\"[a] "),
        ("/v1/messages", #"{"model":"m","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#, "text_delta"),
    ])
    func disconnectAbortsUpstream(path: String, body: String, marker: String) throws {
        // 200 tokens × 20 ms ≈ 4 s: the stream is certainly still running when the client leaves.
        let mock = try MockUpstream(id: "a", arguments: ["--tokens", "200", "--token-delay-ms", "20"])
        let router = try RouterProcess(config: .single("m", providers: [mock.provider()]))
        let client = try router.connect()
        try client.send(RawHTTPClient.request("POST", path, body: body))
        #expect(try client.readUntil(marker).hasPrefix("HTTP/1.1 200"))
        client.close()
        var stats = try mock.stats()
        let aborted = try Deadline.poll(seconds: 5, interval: 0.05) {
            stats = try mock.stats()
            return stats["streamsAbortedByClient"]?.int == 1 && stats["inFlight"]?.int == 0
        }
        #expect(aborted, "mock stats after the client left: \(stats)")
    }

    @Test("with client keys on, Anthropic and Ollama clients are refused in their own shape and pass with their key, which never reaches the provider")
    func clientKeysInEachDialect() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--tokens", "2"])
        let keys = try ClientKeysTests.keysJSON([("team-a", "sk-front-secret", #", "models": ["chat-model"]"#)])
        let router = try ClientKeysTests.router(keys: keys, mock: mock)
        let message = #"{"model":"chat-model","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
        let refused = try router.post("/v1/messages", message)
        #expect(refused.status == 401)
        #expect(try refused.json()["type"]?.string == "error" && refused.json()["error"]?["type"]?.string == "authentication_error", "\(refused.text)")
        let ollamaRefused = try router.post("/api/chat", #"{"model":"chat-model","messages":[]}"#)
        #expect(try ollamaRefused.status == 401 && (ollamaRefused.json()["error"]?.string) != nil, "\(ollamaRefused.text)")
        let notAllowed = try router.post("/v1/messages", #"{"model":"other-model","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#,
                                         headers: [("x-api-key", "sk-front-secret")])
        #expect(try notAllowed.status == 403 && (notAllowed.json()["error"]?["type"]?.string) == "permission_error", "\(notAllowed.text)")
        for header in [("x-api-key", "sk-front-secret"), ("Authorization", "Bearer sk-front-secret")] {
            let passed = try router.post("/v1/messages", message, headers: [header])
            #expect(passed.status == 200, "\(passed.text)")
            #expect(try !mock.lastRequest().description.contains("sk-front-secret"))
        }
    }

    // MARK: every front door × every provider dialect

    static let providerTypes = ["vllm", "ollama", "anthropic", "gemini"]

    @Test("Ollama and Anthropic clients get whole and streamed answers from every provider dialect", arguments: providerTypes)
    func everyProviderDialect(apiType: String) throws {
        let mock = try MockUpstream(id: "p-\(apiType)", arguments: ["--tokens", "4"])
        let provider = RouterConfig.Provider(id: mock.id, apiHost: mock.url, apiType: apiType, apiToken: "provider-key")
        let router = try RouterProcess(config: .single("m", providers: [provider]), arguments: ["--workers", "1"])
        let prefix = "[p-\(apiType)] "

        let chat = try router.post("/api/chat", #"{"model":"m","stream":false,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"options":{"num_predict":50}}"#)
        #expect(chat.status == 200, "\(chat.text)")
        let whole = try chat.json()
        #expect(whole["message"]?["content"]?.string?.hasPrefix(prefix) == true, "\(chat.text)")
        #expect(whole["done"] == .bool(true) && whole["eval_count"]?.int == 4 && (whole["prompt_eval_count"]?.int ?? 0) > 0, "\(chat.text)")

        let streamed = try router.post("/api/chat", #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        let objects = try lines(streamed.text)
        let text = objects.compactMap { $0["message"]?["content"]?.string }.joined()
        #expect(text.hasPrefix(prefix) && objects.last?["done"] == .bool(true) && objects.last?["eval_count"]?.int == 4, "\(streamed.text)")

        let message = try router.post("/v1/messages", #"{"model":"m","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"#, headers: [("x-api-key", "client-key")])
        #expect(message.status == 200, "\(message.text)")
        let json = try message.json()
        #expect(json["content"]?[0]?["text"]?.string?.hasPrefix(prefix) == true && json["stop_reason"]?.string == "end_turn", "\(message.text)")
        #expect(json["usage"]?["output_tokens"]?.int == 4)

        let stream = try events(try router.post("/v1/messages", #"{"model":"m","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#).text)
        let deltas = stream.compactMap { $0.1["delta"]?["text"]?.string }.joined()
        #expect(deltas.hasPrefix(prefix) && stream.first?.0 == "message_start" && stream.last?.0 == "message_stop", "\(stream.map(\.0))")
        #expect(stream.first { $0.0 == "message_delta" }?.1["usage"]?["output_tokens"]?.int == 4)
        #expect(try mock.lastRequest()["headers"]?.description.contains("client-key") == false, "the client's key is never forwarded")
    }

    @Test("a provider stream that breaks, in any dialect, ends the client's stream with an in-band error in its dialect", arguments: providerTypes)
    func brokenStreamEveryDialect(apiType: String) throws {
        let mock = try MockUpstream(id: "b-\(apiType)", arguments: ["--tokens", "6", "--reset-after", "2"])
        let provider = RouterConfig.Provider(id: mock.id, apiHost: mock.url, apiType: apiType)
        let router = try RouterProcess(config: .single("m", providers: [provider]), arguments: ["--workers", "1"])
        let ollama = try lines(try router.post("/api/chat", #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#).text)
        #expect(ollama.last?["error"]?.string != nil && !ollama.contains { $0["done"] == .bool(true) }, "\(ollama)")
        let anthropic = try events(try router.post("/v1/messages", #"{"model":"m","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#).text)
        #expect(anthropic.last?.0 == "error" && !anthropic.contains { $0.0 == "message_stop" }, "\(anthropic.map(\.0))")
    }

    // MARK: OpenAI additions and llm-router routes

    @Test("/v1/responses reaches OpenAI-family providers as is; other providers get a clear 400")
    func responses() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: RouterConfig([
            .init("gpt", providers: [mock.provider()]),
            .init("claude", providers: [RouterConfig.Provider(id: "c", apiHost: mock.url, apiType: "anthropic")]),
        ]))
        // The mock has no Responses API: its own 404 proves the request went to /v1/responses upstream.
        let passed = try router.post("/v1/responses", #"{"model":"gpt","input":"hi"}"#)
        #expect(passed.status == 404 && passed.text.contains("/v1/responses"), "\(passed.text)")
        let refused = try router.post("/v1/responses", #"{"model":"claude","input":"hi"}"#)
        #expect(try refused.status == 400 && (refused.json()["error"]?["code"]?.string) == "responses_not_supported")
    }

    @Test("llm-router's LM Studio routes: {prefix}/v0/models and {prefix}/v0/chat/completions")
    func lmStudioRoutes() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("m", providers: [mock.provider()]))
        let models = try router.get("/api/v0/models").json()
        #expect(models["data"]?[0]?["id"]?.string == "m" && models["data"]?[0]?["state"]?.string == "loaded")
        let chat = try router.post("/api/v0/chat/completions", #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#).json()
        #expect(chat["object"]?.string == "chat.completion" && chat["model"]?.string == "m")
    }
}
