import SwitchyardTestSupport
import Testing

@Suite("Access log lines", .timeLimit(.minutes(1)))
struct RequestLogTests {
    @Test("with LLM_ROUTER_LOG_FORMAT=json each proxied request logs one JSON line without the api_token")
    func jsonRequestLines() throws {
        let token = "sk-integration-SECRET-7f3a9c"
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [mock.provider(id: "prov-a", apiToken: token)]),
            environment: ["LLM_ROUTER_LOG_FORMAT": "json"])

        let ok = try router.post("/v1/chat/completions", RequestBody.chat())
        let streamed = try router.post("/v1/chat/completions", RequestBody.chat(stream: true))
        let rejected = try router.post("/v1/chat/completions", RequestBody.chat(mock: #"{"status":422}"#))
        #expect([ok.status, streamed.status, rejected.status] == [200, 200, 422])
        // The token is really in use, so its absence from the log is meaningful.
        #expect(try mock.lastRequest()["headers"]?["authorization"]?.string == "Bearer \(token)")

        var lines: [TestJSON] = []
        let logged = Deadline.poll(seconds: 5) {
            lines = Self.requestLines(router.logText)
            return lines.count >= 3
        }
        #expect(logged, "log: \(router.logText)")
        #expect(lines.count == 3, "log: \(router.logText)")
        for line in lines {
            #expect(line["method"]?.string == "POST")
            #expect(line["path"]?.string == "/v1/chat/completions")
            #expect(line["model"]?.string == "chat-model")
            #expect(Self.providerID(line) == "prov-a", "line: \(line)")
            #expect(line["status"]?.int != nil)
            #expect(line["duration_ms"]?.number != nil)
        }
        #expect(lines.compactMap { $0["status"]?.int }.sorted() == [200, 200, 422])
        for line in router.logText.split(separator: "\n") where !line.isEmpty {
            #expect((try? TestJSON(parsing: String(line)))?.object != nil, "not a JSON object: \(line)")
        }
        #expect(!router.logText.contains(token))
        #expect(!router.logText.contains("SECRET"))
    }

    /// Log lines (JSON objects) for proxied chat completion requests.
    private static func requestLines(_ log: String) -> [TestJSON] {
        log.split(separator: "\n").compactMap { try? TestJSON(parsing: String($0)) }
            .filter { $0["path"]?.string == "/v1/chat/completions" && $0["method"] != nil }
    }

    /// `provider.id` as a dotted key, or nested as `provider: {id}`.
    private static func providerID(_ line: TestJSON) -> String? {
        line["provider.id"]?.string ?? line["provider"]?["id"]?.string
    }
}
