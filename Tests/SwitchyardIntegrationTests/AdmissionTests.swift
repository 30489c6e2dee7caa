import Foundation
import SwitchyardTestSupport
import Testing

/// An llm-router config whose providers carry extra members (limits), as JSON text.
private func llmRouterConfig(_ models: [(name: String, providers: [(id: String, host: String, extra: String)], fallback: String?)]) -> String {
    let entries = models.map { model -> String in
        let providers = model.providers.map { #"{"id": "\#($0.id)", "api_host": "\#($0.host)", "api_type": "vllm", "model_path": "mock-model"\#($0.extra.isEmpty ? "" : ", " + $0.extra)}"# }
        let fallback = model.fallback.map { #", "fallback_model": "\#($0)""# } ?? ""
        return #""\#(model.name)": {"providers": [\#(providers.joined(separator: ", "))]\#(fallback)}"#
    }
    let names = models.map { #""\#($0.name)""# }.joined(separator: ", ")
    return #"{"g": {\#(entries.joined(separator: ", "))}, "active_models": {"g": [\#(names)]}}"#
}

@Suite("Admission: limits, context windows, Retry-After and attempts", .timeLimit(.minutes(1)))
struct AdmissionTests {
    @Test("context routing: a long prompt goes to the provider with the larger window; one too long for all is a 400",
          arguments: [("2", [String: String]()), ("1", ["LLM_ROUTER_LOCAL_REDIS": "off"])])
    func contextRouting(workers: String, environment: [String: String]) throws {
        let small = try MockUpstream(id: "small")
        let large = try MockUpstream(id: "large")
        let config = llmRouterConfig([("chat-model", [("small", small.url, #""context_length": 300"#), ("large", large.url, #""context_length": 2000"#)], nil)])
        // Two workers share a private redis-server (the shared `balanced` choice runs in its script); one without it.
        let router = try RouterProcess(configText: (config, "models.json"), arguments: ["--workers", workers, "--default-max-tokens", "16"], environment: environment)

        let long = String(repeating: "word ", count: 400)  // ~2,000 bytes: ~680 estimated tokens
        for _ in 0..<4 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat(content: long))
            #expect(response.status == 200, "body: \(response.text)")
            #expect(try response.json()["system_fingerprint"]?.string == "large")
        }
        #expect(try small.stats()["completions"]?.int == 0)
        // Short prompts still use both.
        for _ in 0..<4 { _ = try router.post("/v1/chat/completions", RequestBody.chat()) }
        #expect(try small.stats()["completions"]?.int ?? 0 >= 1)

        let tooLong = String(repeating: "word ", count: 2_000)
        let refused = try router.post("/v1/chat/completions", RequestBody.chat(content: tooLong))
        #expect(refused.status == 400)
        #expect(refused.openAIError?["code"]?.string == "context_length_exceeded")
        #expect(refused.openAIError?["message"]?.string?.contains("2000") == true, "names the largest window: \(refused.text)")
    }

    @Test("a provider's 429 with Retry-After cools it: later requests go elsewhere at once, and the retry is logged and counted")
    func retryAfterCoolsProvider() throws {
        let limited = try MockUpstream(id: "limited", arguments: ["--fail-status", "429", "--retry-after", "30"])
        let healthy = try MockUpstream(id: "healthy")
        let router = try RouterProcess(config: .single("chat-model", providers: [limited.provider(), healthy.provider()]),
                                       arguments: ["--workers", "1", "--strategy", "round_robin"])
        for _ in 0..<6 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat())
            #expect(response.status == 200, "body: \(response.text)")
            #expect(try response.json()["system_fingerprint"]?.string == "healthy")
        }
        #expect(try limited.stats()["completions"]?.int == 1, "cooled for 30 s after its first 429")
        let metrics = try router.get("/metrics").text
        #expect(metrics.contains(#"switchyard_upstream_retry_reasons_total{provider="limited",reason="status_429"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"switchyard_provider_cooldowns_total{provider="limited"} 1"#))
        #expect(Deadline.poll(seconds: 5) { router.logText.contains("retries=limited:status_429") }, "\(router.logText)")
    }

    @Test("attempts stop at LLM_ROUTER_MAX_ATTEMPTS across providers and fallbacks")
    func maxAttempts() throws {
        let failing = try MockUpstream(id: "failing", arguments: ["--fail-status", "502"])
        let config = llmRouterConfig([
            ("chat-model", [("a", failing.url, ""), ("b", failing.url, ""), ("c", failing.url, "")], "backup"),
            ("backup", [("d", failing.url, ""), ("e", failing.url, "")], nil),
        ])
        let router = try RouterProcess(configText: (config, "models.json"), arguments: ["--workers", "1"], environment: ["LLM_ROUTER_MAX_ATTEMPTS": "3"])
        let response = try router.post("/v1/chat/completions", RequestBody.chat())
        #expect(response.status == 502)
        #expect(try failing.stats()["completions"]?.int == 3)
    }

    @Test("without Redis, rpm is enforced per worker: beyond the burst a request waits for the refill, or gets 503 queue_timeout")
    func localLimits() throws {
        let mock = try MockUpstream(id: "mock")
        // 120 per minute: a burst of 120, then one more every half second.
        let config = llmRouterConfig([("chat-model", [("a", mock.url, #""rpm": 120"#)], nil)])
        let router = try RouterProcess(configText: (config, "models.json"), arguments: ["--workers", "1"],
                                       environment: ["LLM_ROUTER_LOCAL_REDIS": "off", "LLM_ROUTER_QUEUE_TIMEOUT": "2"])
        let burst = try (0..<120).map { _ in try router.post("/v1/chat/completions", RequestBody.chat()).status }
        #expect(burst.allSatisfy { $0 == 200 })
        let started = Date()
        #expect(try router.post("/v1/chat/completions", RequestBody.chat()).status == 200, "the 121st waited for the refill")
        let waited = Date().timeIntervalSince(started)
        #expect(waited > 0.2, "it was admitted by the refill, not at once: \(waited) s")
        #expect(try mock.stats()["completions"]?.int == 121)

        let strict = llmRouterConfig([("chat-model", [("a", mock.url, #""rpm": 2"#)], nil)])
        let slow = try RouterProcess(configText: (strict, "models.json"), arguments: ["--workers", "1"],
                                     environment: ["LLM_ROUTER_LOCAL_REDIS": "off", "LLM_ROUTER_QUEUE_TIMEOUT": "0.5"])
        let statuses = try (0..<3).map { _ in try slow.post("/v1/chat/completions", RequestBody.chat()) }
        #expect(statuses.map(\.status) == [200, 200, 503])
        #expect(statuses[2].text.contains("queue_timeout"))
        #expect(try mock.stats()["completions"]?.int == 123)
    }
}

@Suite("Limits across instances sharing one Redis", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct SharedLimitsTests {
    @Test("two instances of two workers on one Redis never admit more than rpm: the rest wait and time out with 503")
    func rpmAcrossInstances() throws {
        let redis = try RedisServer()
        let mock = try MockUpstream(id: "mock")
        let config = llmRouterConfig([("chat-model", [("a", mock.url, #""rpm": 6"#)], nil)])
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_QUEUE_TIMEOUT": "0.5"]
        let routers = try (0..<2).map { _ in try RouterProcess(configText: (config, "models.json"), arguments: ["--workers", "2"], environment: environment) }
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 5 }, "\(router.logText)")
        }
        var statuses: [Int] = []
        for index in 0..<12 {
            statuses.append(try routers[index % 2].post("/v1/chat/completions", RequestBody.chat()).status)
        }
        #expect(statuses.filter { $0 == 200 }.count == 6, "\(statuses)")
        #expect(statuses.filter { $0 == 503 }.count == 6, "\(statuses)")
        #expect(try mock.stats()["completions"]?.int == 6)
        // Each instance's /metrics covers its workers: summed over both, six rejections and six timed-out waits.
        func total(_ prefix: String) throws -> Int {
            try routers.map { router in
                try router.get("/metrics").text.split(separator: "\n").filter { $0.hasPrefix(prefix) }
                    .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
            }.reduce(0, +)
        }
        #expect(try total(#"switchyard_admission_rejections_total{model="chat-model",reason="queue_timeout"}"#) == 6)
        #expect(try total(#"switchyard_queue_waits_total{model="chat-model",outcome="timed_out"}"#) == 6)
        #expect(try total(#"switchyard_queue_wait_seconds_count{model="chat-model"}"#) == 6)
    }
}

@Suite("The Go load balancer's YAML config", .timeLimit(.minutes(1)))
struct LLMBalancerConfigTests {
    private func yaml(_ first: MockUpstream, _ second: MockUpstream, _ third: MockUpstream) -> String {
        """
        general:
          listen_address: "127.0.0.1"
          listen_port: 1        # the --port flag wins
          log_level: "debug"
        llms:
          - name: "one"
            model: "llama3"
            base_url: "\(first.url)"
            requests_per_min: 100
            rate_limit: 100000
            context_length: 8192
            api_type: "ollama"
            price: 0.5
          - name: "two"
            model: "llama3"
            base_url: "\(second.url)"
            api_type: "groq"
          - name: "three"
            model: "gemma"
            base_url: "\(third.url)"
            quality: 7
        """
    }

    @Test("serve takes the YAML: one model per model name, the pool model auto, general's log level, and the cost in the access log")
    func serve() throws {
        let one = try MockUpstream(id: "one")
        let two = try MockUpstream(id: "two")
        let three = try MockUpstream(id: "three")
        let router = try RouterProcess(configText: (yaml(one, two, three), "config.yaml"), arguments: ["--workers", "1"])
        let models = try router.get("/v1/models").text
        for name in ["llama3", "gemma", "auto"] { #expect(models.contains(#""id":"\#(name)""#), "\(models)") }
        for _ in 0..<6 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat(model: "auto"))
            #expect(response.status == 200, "body: \(response.text)")
        }
        // The pool spreads over every LLM (the Ollama one is spoken to natively, so count at the mocks).
        for mock in [one, two, three] { #expect(try mock.stats()["completions"]?.int ?? 0 >= 1, "\(mock.id) never served auto") }
        #expect(try router.post("/v1/chat/completions", RequestBody.chat(model: "gemma")).json()["system_fingerprint"]?.string == "three")
        #expect(try one.lastRequest()["path"]?.string == "/api/chat", "the YAML's …/api base URL is the Ollama root")
        #expect(try one.lastRequest()["body"]?["model"]?.string == "llama3")
        // general.log_level debug applies (no flag or variable says otherwise): health checks log at debug.
        _ = try router.get("/health")
        #expect(Deadline.poll(seconds: 5) { router.logText.contains("DEBUG request method=GET path=/health") }, "\(router.logText)")
        #expect(router.logText.contains("cost="), "a priced provider's request logs its cost: \(router.logText)")
        // /metrics counts each request's cost once: the sum of the logged costs, in millionths.
        let logged = router.logText.split(separator: " ").filter { $0.hasPrefix("cost=") }
            .compactMap { Double($0.dropFirst("cost=".count)) }.map { Int(($0 * 1e6).rounded()) }.reduce(0, +)
        let counted = try router.get("/metrics").text.split(separator: "\n").filter { $0.hasPrefix("switchyard_request_cost_micros_total{") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(logged > 0 && counted == logged, "metric \(counted), log \(logged)")
    }

    @Test("check-config: unknown keys are warnings with paths and exit 0; an alias bomb is a problem and exit 2")
    func checkConfig() throws {
        let directory = try TemporaryDirectory()
        let fine = try directory.write("llms:\n  - {name: a, model: m, base_url: 'http://127.0.0.1:9', colour: red}\n", to: "ok.yaml")
        let ok = try ManagedProcess(arguments: ["check-config", fine])
        #expect(ok.waitForExit(timeout: 10) == 0)
        #expect(ok.stdoutText.contains("llm-balancer format"), "\(ok.stdoutText)")
        #expect(ok.stderrText.contains("$.llms[0].colour"), "\(ok.stderrText)")

        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...20 { bomb += "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]\n" }
        bomb += "llms: *a20\n"
        let bad = try ManagedProcess(arguments: ["check-config", try directory.write(bomb, to: "bomb.yaml")])
        #expect(bad.waitForExit(timeout: 10) == 2)
        #expect(bad.stderrText.contains("alias bomb"), "\(bad.stderrText)")

        let limits = try directory.write("llms:\n  - {name: a, model: m, base_url: 'http://127.0.0.1:9', requests_per_min: -3, context_length: 20}\n", to: "limits.yaml")
        let wrong = try ManagedProcess(arguments: ["check-config", limits])
        #expect(wrong.waitForExit(timeout: 10) == 2)
        #expect(wrong.stderrText.contains("$.llms[0].requests_per_min") && wrong.stderrText.contains("$.llms[0].context_length"), "\(wrong.stderrText)")
    }
}

@Suite("Per-model health and free probes", .timeLimit(.minutes(1)))
struct ModelHealthTests {
    @Test("two instances of two workers sharing one Redis probe each provider once per interval: one prober for the cluster",
          .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
    func oneProberPerCluster() throws {
        let redis = try RedisServer()
        let mock = try MockUpstream(id: "probed")
        let config = RouterConfig.single("chat-model", providers: [mock.provider()])
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url()]
        let routers = try (0..<2).map { _ in try RouterProcess(config: config, arguments: ["--workers", "2", "--health-interval", "0.25"], environment: environment) }
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 5 }, "\(router.logText)")
        }
        Thread.sleep(forTimeInterval: 0.6)
        let before = try mock.stats()["requests"]?.int ?? 0
        Thread.sleep(forTimeInterval: 2.5)
        let probes = (try mock.stats()["requests"]?.int ?? 0) - before
        // One prober: about ten probes in 2.5 s; worker 1 of each instance would send twenty, every worker forty.
        #expect(probes >= 6 && probes <= 14, "\(probes) probes in 2.5 s")
        #expect(try mock.stats()["completions"]?.int == 0)
    }


    @Test("probes find a dead provider without any traffic; /health/{model} reports it; probes never hit completion paths")
    func probes() throws {
        let dead = try ClosedPort()
        let live = try MockUpstream(id: "live")
        let config = RouterConfig([
            .init("team/chat", providers: [.init(id: "dead", apiHost: dead.url), live.provider()]),
            .init("lonely", providers: [.init(id: "dead2", apiHost: dead.url)]),
        ])
        let router = try RouterProcess(config: config, arguments: ["--workers", "1", "--health-interval", "0.2"])

        var report: TestJSON?
        let found = try Deadline.poll(seconds: 10) {
            let response = try router.get("/health/team%2Fchat")
            report = try? response.json()
            return response.status == 200 && report?["providers"]?[0]?["healthy"] == .bool(false)
        }
        #expect(found, "\(String(describing: report))")
        #expect(report?["model"]?.string == "team/chat")
        #expect(report?["providers"]?[0]?["circuit"]?.string == "open")
        #expect(report?["providers"]?[0]?["last_error"]?.string?.contains("probe") == true)
        #expect(report?["providers"]?[1]?["healthy"] == .bool(true))
        #expect(report?["providers"]?[1]?["since"]?.string?.hasSuffix("Z") == true)

        let lonely = try router.get("/health/lonely")
        #expect(lonely.status == 503)
        #expect(try lonely.json()["status"]?.string == "unavailable")
        let all = try router.get("/health/all")
        #expect(all.status == 503)
        #expect(try all.json()["models"]?.array?.count == 2)
        #expect(try router.get("/health/nope").status == 404)

        #expect(try Deadline.poll(seconds: 5) { try live.stats()["requests"]?.int ?? 0 >= 3 })
        #expect(try live.stats()["completions"]?.int == 0, "probes are free: never a completion")
    }
}
