import SwitchyardTestSupport
import Testing

@Suite("OpenAI endpoints, aliases, health and metrics", .timeLimit(.minutes(1)))
struct EndpointTests {
    @Test("/v1/completions reaches the upstream's completions endpoint and names the client's model")
    func completionsAreProxied() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("text-model", providers: [mock.provider(modelPath: "org/base-7b")]))

        let response = try router.post("/v1/completions", #"{"model":"text-model","prompt":"once upon a time","max_tokens":5}"#)

        #expect(response.status == 200)
        let reply = try response.json()
        #expect(reply["model"]?.string == "text-model")
        #expect(reply["object"]?.string == "text_completion")
        #expect(reply["choices"]?[0]?["text"]?.string?.hasPrefix("[a] ") == true)
        let upstream = try mock.lastRequest()
        #expect(upstream["path"]?.string == "/v1/completions")
        #expect(upstream["body"]?["model"]?.string == "org/base-7b")
        #expect(upstream["body"]?["prompt"]?.string == "once upon a time")
        #expect(upstream["body"]?["max_tokens"]?.int == 5)
    }

    @Test("/v1/embeddings reaches the upstream's embeddings endpoint and names the client's model")
    func embeddingsAreProxied() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("embed-model", providers: [mock.provider(modelPath: "org/embed-v2")]))

        let response = try router.post("/v1/embeddings", #"{"model":"embed-model","input":["alpha","beta"]}"#)

        #expect(response.status == 200)
        let reply = try response.json()
        #expect(reply["model"]?.string == "embed-model")
        #expect(reply["data"]?[0]?["embedding"]?.array?.isEmpty == false)
        let upstream = try mock.lastRequest()
        #expect(upstream["path"]?.string == "/v1/embeddings")
        #expect(upstream["body"]?["model"]?.string == "org/embed-v2")
        #expect(upstream["body"]?["input"] == .array([.string("alpha"), .string("beta")]))
    }

    @Test("/v1/models and /models list every configured model and never an api_host", arguments: ["/v1/models", "/models"])
    func modelsAreListedWithoutUpstreamAddresses(path: String) throws {
        let mock = try MockUpstream(id: "a")
        let config = RouterConfig([
            .init("alpha", providers: [mock.provider(id: "p1", apiToken: "sk-list-secret")]),
            .init("beta", providers: [mock.provider(id: "p2", modelPath: "org/beta")]),
        ])
        let router = try RouterProcess(config: config)

        let response = try router.get(path)

        #expect(response.status == 200)
        let listing = try response.json()
        #expect(listing["object"]?.string == "list")
        let ids = Set(listing["data"]?.array?.compactMap { $0["id"]?.string } ?? [])
        #expect(ids == ["alpha", "beta"])
        #expect(!response.text.contains("127.0.0.1"))
        #expect(!response.text.contains(String(mock.port)))
        #expect(!response.text.contains("api_host"))
        #expect(!response.text.contains("sk-list-secret"))
    }

    @Test("/chat/completions without /v1 is an alias of /v1/chat/completions")
    func chatCompletionsAliasWorks() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]))

        let response = try router.post("/chat/completions", RequestBody.chat(model: "chat-model"))

        #expect(response.status == 200)
        #expect(try response.json()["model"]?.string == "chat-model")
        #expect(try mock.lastRequest()["body"]?["model"]?.string == "mock-model")
    }

    @Test("/health answers JSON with status ok")
    func healthAnswersJSON() throws {
        let router = try RouterProcess(config: .single("chat-model", providers: [.init(id: "a", apiHost: try ClosedPort().url)]))

        let response = try router.get("/health")

        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(try response.json()["status"]?.string == "ok")
    }

    @Test("/metrics answers Prometheus text that counts the requests served")
    func metricsAnswerPrometheusText() throws {
        let mock = try MockUpstream(id: "a")
        // One worker is enough here; InstanceMetricsTests covers the sum over several.
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"])
        #expect(try router.post("/v1/chat/completions", RequestBody.chat()).status == 200)

        let response = try router.get("/metrics")

        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(response.text.contains("# TYPE "))
        let sampleLines = response.text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!sampleLines.isEmpty)
        for line in sampleLines {
            // Exposition format: `name{labels} value` — the value must parse as a number.
            let value = line.split(separator: " ").last.map(String.init) ?? ""
            #expect(Double(value) != nil || ["+Inf", "-Inf", "NaN"].contains(value), "bad sample line: \(line)")
        }
        #expect(response.text.contains("chat_completions"))
    }
}
