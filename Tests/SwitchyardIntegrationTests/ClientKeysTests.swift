import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

@Suite("Client keys", .timeLimit(.minutes(2)))
struct ClientKeysTests {
    /// The SHA-256 hex of `key`, as `printf %s KEY | sha256sum` prints it (computed here with the system tool so
    /// the test does not trust the router's own SHA-256).
    static func sha256(_ key: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(key.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }

    static func keysJSON(_ keys: [(id: String, key: String, extra: String)]) throws -> String {
        "{" + (try keys.map { #""\#($0.id)": {"sha256": "\#(try sha256($0.key))"\#($0.extra)}"# }).joined(separator: ",") + "}"
    }

    /// A router with two models, client keys on, the keys file `keys.json` in its directory.
    static func router(keys: String, workers: Int = 1, mock: MockUpstream, environment: [String: String] = [:]) throws -> RouterProcess {
        let directory = try TemporaryDirectory(prefix: "switchyard-keys")
        let path = try directory.write(keys, to: "keys.json")
        var config = RouterConfig.single("chat-model", providers: [mock.provider()])
        config.models.append(.init("other-model", providers: [mock.provider(id: "a2")]))
        let router = try RouterProcess(config: config, arguments: ["--workers", String(workers)],
                                       environment: ["LLM_ROUTER_AUTH_ENABLED": "true", "LLM_ROUTER_AUTH_KEYS_FILE": path].merging(environment) { $1 })
        withExtendedLifetime(directory) {}
        return router
    }

    @Test("with keys on: no key or a wrong one is 401 in the OpenAI shape; Bearer and x-api-key pass; public paths stay open; the id is logged, never the key")
    func authentication() throws {
        let mock = try MockUpstream(id: "a")
        let router = try Self.router(keys: try Self.keysJSON([("team-a", "sk-client-secret-1", "")]), mock: mock)

        let missing = try router.post("/v1/chat/completions", RequestBody.chat())
        #expect(missing.status == 401)
        #expect(missing.openAIError?["code"]?.string == "missing_api_key")
        #expect(missing.openAIError?["type"]?.string == "authentication_error")
        #expect(missing.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        let wrong = try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("Authorization", "Bearer sk-client-secret-2")])
        #expect(wrong.status == 401)
        #expect(wrong.openAIError?["code"]?.string == "invalid_api_key")
        #expect(try mock.stats()["completions"]?.int == 0, "a refused request reached the provider")

        #expect(try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("Authorization", "Bearer sk-client-secret-1")]).status == 200)
        #expect(try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-client-secret-1")]).status == 200)
        #expect(try RawHTTPClient.exchange(port: router.port, "GET", "/v1/models").status == 401)
        #expect(try router.get("/health").status == 200)
        #expect(try router.get("/metrics").status == 200)

        let scrape = try router.get("/metrics").text
        #expect(scrape.contains(#"switchyard_client_requests_total{key_id="team-a",status="200"} 2"#), "\(scrape)")
        #expect(scrape.contains(#"switchyard_auth_rejected_total{reason="missing_key"} 2"#))
        #expect(scrape.contains(#"switchyard_auth_rejected_total{reason="invalid_key"} 1"#))
        let logged = Deadline.poll(seconds: 3) { router.logText.contains("key.id=team-a") }
        #expect(logged, "\(router.logText)")
        #expect(!router.logText.contains("sk-client-secret"))
    }

    @Test("without LLM_ROUTER_AUTH_ENABLED no key is asked for")
    func off() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"])
        #expect(try router.post("/v1/chat/completions", RequestBody.chat()).status == 200)
    }

    @Test("a key's rpm holds for the whole cluster: two instances sharing one Redis admit it once",
          .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
    func rpmAcrossInstances() throws {
        let redis = try RedisServer()
        let mock = try MockUpstream(id: "a")
        let keys = try Self.keysJSON([("limited", "sk-limited", #", "rpm": 4"#)])
        let routers = try (0..<2).map { _ in try Self.router(keys: keys, workers: 1, mock: mock, environment: ["LLM_ROUTER_REDIS_URL": redis.url()]) }
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.contains("connected to Redis") }, "\(router.logText)")
        }
        var statuses: [Int] = []
        for index in 0..<8 {
            statuses.append(try routers[index % 2].post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-limited")]).status)
        }
        #expect(statuses.filter { $0 == 200 }.count == 4, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == 4, "\(statuses)")
    }

    @Test("a key's rpm holds for the whole instance, across workers, with Retry-After")
    func rpmAcrossWorkers() throws {
        let mock = try MockUpstream(id: "a")
        let router = try Self.router(keys: try Self.keysJSON([("limited", "sk-limited", #", "rpm": 4"#), ("free", "sk-free", "")]), workers: 2, mock: mock)
        var statuses: [Int] = []
        var workers: Set<String> = []
        for _ in 0..<8 {
            let response = try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-limited")])
            statuses.append(response.status)
            if let id = response.header("X-Request-Id") { workers.insert(String(id.split(separator: "-")[0])) }
            if response.status == 429 {
                #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 1)
                #expect(response.openAIError?["code"]?.string == "rate_limit_exceeded")
                #expect(response.openAIError?["message"]?.string?.contains("limited") == true)
            }
        }
        #expect(statuses.filter { $0 == 200 }.count == 4, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == 4, "\(statuses)")
        #expect(workers.count == 2, "both workers answered: \(workers)")
        // Another key is not affected.
        #expect(try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-free")]).status == 200)
    }

    @Test("a key's models list: another configured model is 403, its own model passes, an unknown model stays 404")
    func modelRestriction() throws {
        let mock = try MockUpstream(id: "a")
        let router = try Self.router(keys: try Self.keysJSON([("narrow", "sk-narrow", #", "models": ["chat-model"]"#)]), mock: mock)
        let headers = [("Authorization", "Bearer sk-narrow")]
        #expect(try router.post("/v1/chat/completions", RequestBody.chat(model: "chat-model"), headers: headers).status == 200)
        let refused = try router.post("/v1/chat/completions", RequestBody.chat(model: "other-model"), headers: headers)
        #expect(refused.status == 403)
        #expect(refused.openAIError?["code"]?.string == "model_not_allowed")
        #expect(refused.openAIError?["type"]?.string == "permission_error")
        #expect(try router.post("/v1/chat/completions", RequestBody.chat(model: "nope"), headers: headers).status == 404)
        let builtin = try router.post("/api/generate_label", #"{"model_name": "other-model", "texts": ["a"]}"#, headers: headers)
        #expect(builtin.status == 403)
        // The model list shows the key only what it may use.
        let listed = try RawHTTPClient.exchange(port: router.port, "GET", "/v1/models", headers: headers).json()
        #expect(listed["data"]?.array?.compactMap { $0["id"]?.string } == ["chat-model"])
    }

    @Test("HUP reloads the keys file; a broken one is rejected and the previous keys stay")
    func reload() throws {
        let mock = try MockUpstream(id: "a")
        let directory = try TemporaryDirectory(prefix: "switchyard-keys")
        let path = try directory.write(try Self.keysJSON([("old", "sk-old", "")]), to: "keys.json")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "2"],
                                       environment: ["LLM_ROUTER_AUTH_ENABLED": "true", "LLM_ROUTER_AUTH_KEYS_FILE": path])
        #expect(try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-old")]).status == 200)

        _ = try directory.write(#"{"broken": {"sha256": "xyz"}}"#, to: "keys.json")
        router.process.signal(SIGHUP)
        #expect(Deadline.poll(seconds: 5) { router.logText.contains("reload rejected: the client keys file is invalid") }, "\(router.logText)")
        #expect(router.logText.contains("$.broken.sha256"))
        #expect(try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-old")]).status == 200)

        _ = try directory.write(try Self.keysJSON([("new", "sk-new", "")]), to: "keys.json")
        router.process.signal(SIGHUP)
        let reloaded = Deadline.poll(seconds: 15) {
            (try? router.post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-new")]).status) == 200
                && (try? WorkerHealth.probe(port: router.port).generation) == 2
        }
        #expect(reloaded, "\(router.logText)")
        // Every worker of generation 2 refuses the removed key.
        _ = Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "worker exited").count >= 3 }
        for _ in 0..<6 {
            #expect(try router.post("/v1/chat/completions", RequestBody.chat(), headers: [("x-api-key", "sk-old")]).status == 401)
        }
    }

    @Test("a bad keys file, or keys on without a file, stops serve with exit 2 and check-config reports it")
    func badFileAtStart() throws {
        let directory = try TemporaryDirectory(prefix: "switchyard-keys")
        let path = try directory.write(#"{"a": {"sha256": "00", "rpm": 0, "models": [], "extra": 1}, "b": 3}"#, to: "keys.json")
        let environment = ["LLM_ROUTER_AUTH_ENABLED": "true", "LLM_ROUTER_AUTH_KEYS_FILE": path]
        let serve = try ManagedProcess(arguments: ["serve", "--host", "127.0.0.1", "--port", "0"], environment: environment)
        #expect(serve.waitForExit(timeout: 10) == 2, "\(serve.stderrText)")
        #expect(serve.stderrText.contains("$.a.sha256"))

        let check = try ManagedProcess(arguments: ["check-config"], environment: environment)
        #expect(check.waitForExit(timeout: 10) == 2)
        for problem in ["$.a.sha256", "$.a.rpm", "$.a.models", "$.a.extra", "$.b"] {
            #expect(check.stderrText.contains(problem), "\(problem) in \(check.stderrText)")
        }

        let noFile = try ManagedProcess(arguments: ["serve", "--host", "127.0.0.1", "--port", "0"], environment: ["LLM_ROUTER_AUTH_ENABLED": "true"])
        #expect(noFile.waitForExit(timeout: 10) == 2)
        #expect(noFile.stderrText.contains("LLM_ROUTER_AUTH_KEYS_FILE"))
    }
}
