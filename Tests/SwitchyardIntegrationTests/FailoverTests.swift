import SwitchyardTestSupport
import Testing

@Suite("Failover between providers and to the fallback model", .timeLimit(.minutes(1)))
struct FailoverTests {
    @Test("a provider that refuses connections is skipped for a live one")
    func refusedProviderFailsOverToLiveOne() throws {
        let dead = try ClosedPort()
        let live = try MockUpstream(id: "live")
        let router = try RouterProcess(config: .single("chat-model", providers: [
            .init(id: "dead", apiHost: dead.url), live.provider(),
        ]))

        // Several requests, so that the strategy starts at least one of them on the dead provider.
        for _ in 0..<4 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat())
            #expect(response.status == 200, "body: \(response.text)")
            #expect(try response.json()["system_fingerprint"]?.string == "live")
        }
    }

    @Test("a provider answering 503 is skipped for a healthy one")
    func unavailableProviderFailsOverToHealthyOne() throws {
        let failing = try MockUpstream(id: "failing", arguments: ["--fail-status", "503"])
        let healthy = try MockUpstream(id: "healthy")
        let router = try RouterProcess(config: .single("chat-model", providers: [failing.provider(), healthy.provider()]))

        for _ in 0..<4 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat())
            #expect(response.status == 200, "body: \(response.text)")
            #expect(try response.json()["system_fingerprint"]?.string == "healthy")
        }
        #expect(try failing.stats()["completions"]?.int ?? 0 >= 1, "the failing provider was never tried")
    }

    @Test("the fallback model serves the request when every provider of the first model fails")
    func fallbackModelServesWhenAllProvidersFail() throws {
        let dead = try ClosedPort()
        let failing = try MockUpstream(id: "failing", arguments: ["--fail-status", "503"])
        let backup = try MockUpstream(id: "backup")
        let config = RouterConfig([
            .init("primary", providers: [.init(id: "dead", apiHost: dead.url), failing.provider()], fallbackModel: "secondary"),
            .init("secondary", providers: [backup.provider(modelPath: "org/backup-model")]),
        ])
        let router = try RouterProcess(config: config)

        let response = try router.post("/v1/chat/completions", RequestBody.chat(model: "primary"))

        #expect(response.status == 200, "body: \(response.text)")
        #expect(try response.json()["system_fingerprint"]?.string == "backup")
        #expect(try backup.lastRequest()["body"]?["model"]?.string == "org/backup-model")
        #expect(try failing.stats()["completions"]?.int ?? 0 >= 1, "the first model's failing provider was never tried")
    }

    @Test("an upstream's client error is relayed without trying another provider")
    func clientErrorIsNotRetried() throws {
        let first = try MockUpstream(id: "a")
        let second = try MockUpstream(id: "b")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [first.provider(), second.provider()]), arguments: ["--workers", "1"])

        let response = try router.post("/v1/chat/completions", RequestBody.chat(mock: #"{"status":422}"#))

        #expect(response.status == 422)
        let attempts = (try first.stats()["completions"]?.int ?? 0) + (try second.stats()["completions"]?.int ?? 0)
        #expect(attempts == 1, "a 422 is the client's problem; another provider would answer the same")
    }

    @Test("a streamed request fails over before the first byte reaches the client")
    func streamedRequestFailsOver() throws {
        let failing = try MockUpstream(id: "failing", arguments: ["--fail-status", "503"])
        let healthy = try MockUpstream(id: "healthy")
        let router = try RouterProcess(config: .single("chat-model", providers: [failing.provider(), healthy.provider()]))

        for _ in 0..<2 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat(stream: true))
            #expect(response.status == 200, "body: \(response.text)")
            #expect(SSE.dataPayloads(response.text).last == "[DONE]")
            #expect(try SSE.jsonEvents(response.text).allSatisfy { $0["system_fingerprint"]?.string == "healthy" })
        }
    }

    @Test("LLM_ROUTER_TIMEOUT is one budget for all attempts: after it, no further provider is tried")
    func oneBudgetForAllAttempts() throws {
        // Both providers hold every request for 3 s before answering. Each attempt's own first-byte timeout is
        // 0.6 s, the request's budget 1 s: the first attempt times out, the second starts, and the budget ends the
        // request before the second attempt's own timeout would (and before a third could start).
        let slowA = try MockUpstream(id: "slow-a")
        let slowB = try MockUpstream(id: "slow-b")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [slowA.provider(), slowB.provider()]),
            environment: ["LLM_ROUTER_TIMEOUT": "1", "LLM_ROUTER_UPSTREAM_FIRST_BYTE_TIMEOUT": "0.6"])

        let response = try router.post("/v1/chat/completions", RequestBody.chat(mock: #"{"latency_ms":3000}"#))

        #expect(response.status == 504, "body: \(response.text)")
        let message = try response.json()["error"]?["message"]?.string ?? ""
        #expect(message.contains("request timeout of 1 s"), "\(message)")
        #expect(message.contains("2 attempts"), "\(message)")
    }
}
