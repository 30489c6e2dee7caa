import SwitchyardTestSupport
import Testing

@Suite("Admin state endpoint", .timeLimit(.minutes(1)))
struct AdminStateTests {
    @Test("without a configured admin token /admin/state answers 403 in the OpenAI error shape")
    func offWithoutToken() throws {
        let upstream = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [upstream.provider()]), arguments: ["--workers", "1"])
        let response = try RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: [("Authorization", "Bearer anything")])
        #expect(response.status == 403)
        #expect(response.openAIError?["message"]?.string?.contains("LLM_ROUTER_ADMIN_TOKEN") == true)
    }

    @Test("a missing or wrong admin token gets 401")
    func unauthorized() throws {
        let upstream = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [upstream.provider()]), arguments: ["--workers", "1"],
                                       environment: ["LLM_ROUTER_ADMIN_TOKEN": "admin-secret"])
        for headers in [[], [("Authorization", "Bearer wrong")], [("Authorization", "Bearer admin-secre")], [("Authorization", "Basic admin-secret")]] {
            let response = try RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: headers)
            #expect(response.status == 401, "with \(headers)")
            #expect(response.openAIError != nil)
        }
        #expect(!router.logText.contains("admin-secret"))
    }

    @Test("with the token it lists models and providers whose selection counts follow requests, without hosts or keys")
    func listsState() throws {
        let first = try MockUpstream(id: "a")
        let second = try MockUpstream(id: "b")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [first.provider(apiToken: "sk-provider-key-123"), second.provider(apiToken: "sk-provider-key-456")]),
            arguments: ["--workers", "1", "--admin-token", "admin-secret"])
        let authorization = [("Authorization", "Bearer admin-secret")]

        let before = try RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: authorization)
        #expect(before.status == 200)
        let initial = try before.json()
        #expect(initial["state"]?.string == "local")
        #expect(initial["worker"]?["id"]?.int != nil)
        #expect(initial["worker"]?["pid"]?.int != nil)
        let model = try #require(initial["models"]?[0])
        #expect(model["name"]?.string == "chat-model")
        #expect(model["strategy"]?.string == "balanced")
        #expect(model["providers"]?.array?.compactMap { $0["id"]?.string } == ["a", "b"])
        #expect(model["providers"]?.array?.compactMap { $0["selections"]?.int } == [0, 0])

        for _ in 0..<2 {
            #expect(try router.post("/v1/chat/completions", RequestBody.chat()).status == 200)
        }
        let after = try RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: authorization)
        #expect(after.status == 200)
        let providers = try #require(try after.json()["models"]?[0]?["providers"]?.array)
        #expect(providers.compactMap { $0["selections"]?.int }.reduce(0, +) == 2)
        #expect(providers.compactMap { $0["in_flight"]?.int } == [0, 0])
        #expect(providers.allSatisfy { $0["latency_score"]?.isNull == true && $0["circuit_open"] == .bool(false) })
        for secret in ["sk-provider-key-123", "sk-provider-key-456", first.url, second.url, "127.0.0.1:\(first.port)"] {
            #expect(!after.text.contains(secret), "the state shows \(secret)")
        }
    }

    @Test("with Redis the view says shared and counts this worker's shared grants", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
    func sharedState() throws {
        let redis = try RedisServer()
        let first = try MockUpstream(id: "a")
        let second = try MockUpstream(id: "b")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [first.provider(), second.provider()]),
            arguments: ["--workers", "1"], environment: ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_ADMIN_TOKEN": "admin-secret"])
        for _ in 0..<2 {
            #expect(try router.post("/v1/chat/completions", RequestBody.chat()).status == 200)
        }
        let response = try RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: [("Authorization", "Bearer admin-secret")])
        #expect(response.status == 200)
        let state = try response.json()
        let providers = try #require(state["models"]?[0]?["providers"]?.array)
        #expect(providers.compactMap { $0["selections"]?.int }.reduce(0, +) == 2)
        #expect(state["redis"]?["connected"] == .bool(true))
        let grants = (state["redis"]?["shared_grants"]?.int ?? 0) + (state["redis"]?["local_fallbacks"]?.int ?? 0)
        #expect(grants == 2)
        if state["redis"]?["shared_grants"]?.int == 2 { #expect(state["state"]?.string == "shared") }
    }

    @Test("with Redis the view shows the cluster: the slot holder, the queue length and shared circuits, without hosts",
          .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
    func clusterView() throws {
        let redis = try RedisServer()
        let slow = try MockUpstream(id: "a", arguments: ["--latency-ms", "1500"])
        let router = try RouterProcess(
            config: .single("chat-model", providers: [slow.provider(nworkers: 1)], strategy: "first_available"),
            arguments: ["--workers", "1"], environment: ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_ADMIN_TOKEN": "admin-secret"])
        #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 3 }, "\(router.logText)")
        let holder = try router.connect(timeout: 10)
        try holder.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        let waiter = try router.connect(timeout: 10)
        #expect(Deadline.poll(seconds: 5) { (try? slow.stats()["inFlight"]?.int) == 1 })
        try waiter.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        var cluster: TestJSON?
        #expect(Deadline.poll(seconds: 5) {
            let response = try? RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: [("Authorization", "Bearer admin-secret")])
            cluster = try? response?.json()["models"]?[0]?["cluster"]
            return cluster?["queue_length"]?.int == 1
        }, "\(String(describing: cluster))")
        let provider = cluster?["providers"]?[0]
        #expect(provider?["id"]?.string == "a")
        #expect(provider?["in_flight"]?.int == 1)
        #expect(provider?["holders"]?.array?.count == 1)
        #expect(provider?["circuit"] == .null)
        #expect(try holder.readResponse().status == 200)
        #expect(try waiter.readResponse().status == 200)
        let after = try RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: [("Authorization", "Bearer admin-secret")])
        #expect(!after.text.contains("127.0.0.1"), "no provider host: \(after.text)")
        let state = try after.json()
        #expect(state["redis"]?["hand_offs"]?.int == 1)
        #expect(state["redis"]?["hand_off_latency_us"]?["samples"]?.int == 1)
        #expect(state["models"]?[0]?["cluster"]?["queue_length"]?.int == 0)
    }
}

@Suite("Admin access for every /admin path", .timeLimit(.minutes(1)))
struct AdminAccessGateTests {
    @Test("any /admin path, known or not, is 403 without a configured token and 401 with a wrong one, before routing")
    func everyAdminPath() throws {
        let upstream = try MockUpstream(id: "a")
        let off = try RouterProcess(config: .single("chat-model", providers: [upstream.provider()]), arguments: ["--workers", "1"])
        for path in ["/admin/state", "/admin/models", "/admin/anything/else", "/admin"] {
            let response = try RawHTTPClient.exchange(port: off.port, "GET", path, headers: [("Authorization", "Bearer x")])
            #expect(response.status == 403, "\(path)")
            #expect(response.openAIError?["code"]?.string == "admin_disabled")
            #expect(response.openAIError?["message"]?.string?.contains("LLM_ROUTER_ADMIN_TOKEN") == true)
        }
        let on = try RouterProcess(config: .single("chat-model", providers: [upstream.provider()]), arguments: ["--workers", "1"],
                                   environment: ["LLM_ROUTER_ADMIN_TOKEN": "admin-secret"])
        for path in ["/admin/models", "/admin/anything/else"] {
            for method in ["GET", "POST", "DELETE"] {
                let response = try RawHTTPClient.exchange(port: on.port, method, path, headers: [("Authorization", "Bearer nope")])
                #expect(response.status == 401, "\(method) \(path)")
                #expect(response.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(response.openAIError?["type"]?.string == "authentication_error")
            }
        }
        // With the token, an unknown admin path is an ordinary 404.
        let known = try RawHTTPClient.exchange(port: on.port, "GET", "/admin/anything/else", headers: [("Authorization", "Bearer admin-secret")])
        #expect(known.status == 404)
    }
}
