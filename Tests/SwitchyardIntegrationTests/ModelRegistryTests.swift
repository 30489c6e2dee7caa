import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

/// The admin models API over real processes: changes reach every worker of every instance (Redis) or of one
/// instance (no Redis), survive restarts, and bad input changes nothing.
private let adminToken = "registry-test-token"
private let auth = [("Authorization", "Bearer \(adminToken)")]

/// `method path` with the admin token on a new connection.
private func admin(_ router: RouterProcess, _ method: String, _ path: String, _ body: String? = nil) throws -> RawHTTPResponse {
    try RawHTTPClient.exchange(port: router.port, method, path, headers: auth, body: body)
}

/// A chat request for `model` on a new connection (the kernel picks the worker).
private func chat(_ router: RouterProcess, _ model: String) throws -> RawHTTPResponse {
    try router.post("/v1/chat/completions", RequestBody.chat(model: model))
}

/// The worker that answered, from the generated request id `w<worker>-<pid>-<n>`.
private func workerID(_ response: RawHTTPResponse) -> Int? {
    guard let id = response.header("X-Request-Id"), id.hasPrefix("w"), let dash = id.firstIndex(of: "-") else { return nil }
    return Int(id[id.index(after: id.startIndex)..<dash])
}

/// Sends chat requests for `model` on new connections until every worker 1…`workers` answered one; returns
/// the statuses per worker (false when some worker was never reached).
private func statusesByWorker(_ router: RouterProcess, _ model: String, workers: Int) throws -> [Int: Set<Int>]? {
    var seen: [Int: Set<Int>] = [:]
    for _ in 0..<200 {
        let response = try chat(router, model)
        if let worker = workerID(response) { seen[worker, default: []].insert(response.status) }
        if seen.count == workers { return seen }
    }
    return nil
}

/// Writes a registry entry straight into Redis the way the commit script does, but without `PUBLISH`: as if
/// the message had been lost.
private func writeWithoutPublishing(redis: RedisServer, name: String, version: Int, model: String) throws {
    func command(_ words: [String]) -> String {
        "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }
    let client = try RawHTTPClient(port: redis.port)
    try client.send(command(["HSET", "switchyard:{registry}:models", name, #"{"version":\#(version),"model":\#(model)}"#])
                    + command(["SET", "switchyard:{registry}:version", String(version)]))
    _ = try client.readUntil("+OK\r\n")
}

@Suite("Model registry through Redis", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(2)))
struct ModelRegistryRedisTests {
    @Test("a POST through one instance is served by every worker of the other within a second; DELETE stops it everywhere; a restart keeps the changes")
    func changesReachEveryInstance() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "m1")
        let config = RouterConfig.single("file-model", providers: [mock.provider()])
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_ADMIN_TOKEN": adminToken]
        var first: RouterProcess? = try RouterProcess(config: config, arguments: ["--workers", "2"], environment: environment)
        var second: RouterProcess? = try RouterProcess(config: config, arguments: ["--workers", "2"], environment: environment)
        let a = try #require(first), b = try #require(second)
        #expect(try chat(b, "added").status == 404)

        let created = try admin(a, "POST", "/admin/models", #"{"model_name":"added","servers":["\#(mock.url)"],"strategy":"round_robin"}"#)
        #expect(created.status == 201, "\(created.text)")
        #expect(try created.json()["source"]?.string == "api")
        // Within one second every worker of the other instance serves it.
        #expect(Deadline.poll(seconds: 1) { (try? chat(b, "added").status) == 200 })
        let served = try #require(try statusesByWorker(b, "added", workers: 2))
        #expect(served.values.allSatisfy { $0 == [200] }, "\(served)")
        let listed = try admin(b, "GET", "/admin/models").json()
        #expect(listed["store"]?.string == "redis")
        #expect(listed["models"]?.array?.map { "\($0["model_name"]?.string ?? ""):\($0["source"]?.string ?? "")" } == ["file-model:file", "added:api"])

        // DELETE through the other instance stops routing everywhere, file models too.
        #expect(try admin(b, "DELETE", "/admin/models/added").status == 200)
        #expect(try admin(a, "DELETE", "/admin/models/file-model").status == 200)
        #expect(Deadline.poll(seconds: 1) { (try? chat(a, "added").status) == 404 && (try? chat(b, "file-model").status) == 404 })
        for router in [a, b] {
            let statuses = try #require(try statusesByWorker(router, "added", workers: 2))
            #expect(statuses.values.allSatisfy { $0 == [404] }, "\(statuses)")
            let fileStatuses = try #require(try statusesByWorker(router, "file-model", workers: 2))
            #expect(fileStatuses.values.allSatisfy { $0 == [404] }, "\(fileStatuses)")
        }

        // A restart keeps the registry: the new router serves it from its first request.
        #expect(try admin(a, "POST", "/admin/models", #"{"model_name":"kept","servers":["\#(mock.url)"]}"#).status == 201)
        first?.stop(); second?.stop()
        first = nil; second = nil
        let restarted = try RouterProcess(config: config, arguments: ["--workers", "2"], environment: environment)
        #expect(try chat(restarted, "kept").status == 200)
        #expect(try chat(restarted, "file-model").status == 404)
        let after = try admin(restarted, "GET", "/admin/models").json()
        #expect(after["version"]?.int == 4)
        #expect(after["deleted_file_models"]?.array?.compactMap(\.string) == ["file-model"])
    }

    @Test("a worker that missed the published change catches up by version within five seconds")
    func missedMessagesAreCaughtUp() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "m1")
        let router = try RouterProcess(config: RouterConfig.single("file-model", providers: [mock.provider()]), arguments: ["--workers", "2"],
                                       environment: ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_ADMIN_TOKEN": adminToken])
        try writeWithoutPublishing(redis: redis, name: "silent", version: 1, model: #"{"model_name":"silent","servers":["\#(mock.url)"]}"#)
        #expect(Deadline.poll(seconds: 5) { (try? statusesByWorker(router, "silent", workers: 2))??.values.allSatisfy { $0 == [200] } ?? false })
    }

    @Test("a provider token comes from the environment variable api_key_name names, and never reaches Redis or an answer")
    func tokensStayOutOfRedis() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "m1")
        let secret = "sk-registry-secret-value"
        let router = try RouterProcess(config: RouterConfig.single("file-model", providers: [mock.provider()]), arguments: ["--workers", "1"],
                                       environment: ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_ADMIN_TOKEN": adminToken, "REGISTRY_TEST_KEY": secret])
        let body = #"{"model_name":"keyed","providers":[{"id":"k1","api_host":"\#(mock.url)","api_type":"openai","model_path":"mock-model","api_key_name":"REGISTRY_TEST_KEY"}]}"#
        let created = try admin(router, "POST", "/admin/models", body)
        #expect(created.status == 201, "\(created.text)")
        #expect(try created.json()["providers"]?[0]?["has_token"] == .bool(true))
        #expect(!created.text.contains(secret))
        #expect(try chat(router, "keyed").status == 200)
        #expect(try mock.lastRequest()["headers"]?["authorization"]?.string == "Bearer \(secret)")
        #expect(!(try admin(router, "GET", "/admin/models").text.contains(secret)))
        // Everything stored in Redis, read back raw.
        let client = try RawHTTPClient(port: redis.port)
        try client.send("*2\r\n$7\r\nHGETALL\r\n$28\r\nswitchyard:{registry}:models\r\n")
        let stored = try client.readUntil("REGISTRY_TEST_KEY")
        #expect(!stored.contains(secret))
    }

    @Test("refused changes write nothing to Redis")
    func refusedChangesWriteNothing() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "m1")
        let router = try RouterProcess(config: RouterConfig.single("file-model", providers: [mock.provider()]), arguments: ["--workers", "1"],
                                       environment: ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_ADMIN_TOKEN": adminToken])
        #expect(try admin(router, "POST", "/admin/models", #"{"model_name":"file-model","servers":["\#(mock.url)"]}"#).status == 409)
        #expect(try admin(router, "POST", "/admin/models", #"{"model_name":"x","servers":["ftp://nowhere"]}"#).status == 400)
        #expect(try admin(router, "PUT", "/admin/models/none", #"{"servers":["\#(mock.url)"]}"#).status == 404)
        #expect(try admin(router, "POST", "/admin/models", #"{"model_name":"t","providers":[{"id":"t","api_host":"\#(mock.url)","api_type":"openai","api_token":"sk-x"}]}"#).status == 400)
        let client = try RawHTTPClient(port: redis.port)
        try client.send("*2\r\n$6\r\nEXISTS\r\n$29\r\nswitchyard:{registry}:version\r\n*2\r\n$6\r\nEXISTS\r\n$28\r\nswitchyard:{registry}:models\r\n")
        #expect(try client.readUntil(":0\r\n:0\r\n").hasSuffix(":0\r\n:0\r\n"))
        #expect(try admin(router, "GET", "/admin/models").json()["version"]?.int == 0)
    }
}

@Suite("Model registry without Redis", .timeLimit(.minutes(2)))
struct ModelRegistryLocalTests {
    /// `off`: the supervisor holds the registry (no redis-server to run); `auto`: the instance's private redis-server.
    @Test("a change reaches every worker of the instance, and workers started later (respawn, HUP) serve it too",
          arguments: RedisServer.isInstalled ? [("off", "supervisor"), ("auto", "redis")] : [("off", "supervisor")])
    func changesReachEveryWorker(localRedis: String, store: String) throws {
        let mock = try MockUpstream(id: "m1")
        let router = try RouterProcess(config: RouterConfig.single("file-model", providers: [mock.provider()]), arguments: ["--workers", "3"],
                                       environment: ["LLM_ROUTER_ADMIN_TOKEN": adminToken, "LLM_ROUTER_LOCAL_REDIS": localRedis])
        if localRedis == "auto" {
            #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 7 }, "\(router.logText)")
        }
        let created = try admin(router, "POST", "/admin/models", #"{"model_name":"added","servers":["\#(mock.url)"]}"#)
        #expect(created.status == 201, "\(created.text)")
        #expect(try admin(router, "GET", "/admin/models").json()["store"]?.string == store)
        let served = try #require(try statusesByWorker(router, "added", workers: 3))
        #expect(served.values.allSatisfy { $0 == [200] }, "\(served)")

        // A PUT is seen whole: the replacement's strategy by every worker — at once through the supervisor, within a
        // second through Redis (pub/sub).
        #expect(try admin(router, "PUT", "/admin/models/added", #"{"servers":["\#(mock.url)"],"strategy":"random"}"#).status == 200)
        let everyWorker = { (0..<12).allSatisfy { _ in (try? admin(router, "GET", "/admin/models/added").json()["strategy"]?.string) == "random" } }
        if store == "supervisor" {
            #expect(everyWorker())
        } else {
            #expect(Deadline.poll(seconds: 1) { everyWorker() })
        }

        // A worker killed and respawned, then a new generation by HUP: they serve the registry from the start.
        let victim = try WorkerHealth.probe(port: router.port)
        kill(victim.pid, SIGKILL)
        #expect(Deadline.poll(seconds: 10) { (try? WorkerHealth.probe(port: router.port)).map { $0.id == victim.id && $0.pid != victim.pid } ?? false })
        let respawned = try #require(try statusesByWorker(router, "added", workers: 3))
        #expect(respawned.values.allSatisfy { $0 == [200] }, "\(respawned)")
        router.process.signal(SIGHUP)
        #expect(Deadline.poll(seconds: 10) { (try? WorkerHealth.probe(port: router.port))?.generation == 2 })
        #expect(Deadline.poll(seconds: 10) { router.logText.contains("reload complete") })
        let reloaded = try #require(try statusesByWorker(router, "added", workers: 3))
        #expect(reloaded.values.allSatisfy { $0 == [200] }, "\(reloaded)")
    }
}

@Suite("Model registry: changes are atomic and survive reloads", .timeLimit(.minutes(2)))
struct ModelRegistryConsistencyTests {
    @Test("requests during a run of PUTs always find the model, served by its old or its new servers")
    func requestsSeeOldOrNew() throws {
        let a = try MockUpstream(id: "a"), b = try MockUpstream(id: "b")
        let router = try RouterProcess(config: RouterConfig.single("file-model", providers: [a.provider()]), arguments: ["--workers", "2"],
                                       environment: ["LLM_ROUTER_ADMIN_TOKEN": adminToken])
        #expect(try admin(router, "POST", "/admin/models", #"{"model_name":"flip","servers":["\#(a.url)"]}"#).status == 201)
        let statuses = Statuses()
        let done = DispatchSemaphore(value: 0)
        let port = router.port
        Thread.detachNewThread {
            defer { done.signal() }
            for _ in 0..<300 {
                statuses.add((try? RawHTTPClient.exchange(port: port, "POST", "/v1/chat/completions", body: RequestBody.chat(model: "flip")).status) ?? -1)
            }
        }
        for round in 0..<20 {
            let target = round % 2 == 0 ? b.url : a.url
            #expect(try admin(router, "PUT", "/admin/models/flip", #"{"servers":["\#(target)"]}"#).status == 200)
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        let seen = statuses.all
        #expect(seen.count == 300)
        #expect(seen.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: seen, by: { $0 }).mapValues(\.count))")
        #expect(try (a.stats()["completions"]?.int ?? 0) + (b.stats()["completions"]?.int ?? 0) == 300)
    }

    @Test("a HUP with an edited file keeps every API change: replacements and deletions still win, new file models appear")
    func apiChangesOutliveHUP() throws {
        let a = try MockUpstream(id: "a"), b = try MockUpstream(id: "b")
        let before = RouterConfig([.init("m", providers: [a.provider(id: "pa")]), .init("x", providers: [a.provider(id: "px")])])
        let router = try RouterProcess(config: before, arguments: ["--workers", "2"], environment: ["LLM_ROUTER_ADMIN_TOKEN": adminToken])
        #expect(try admin(router, "PUT", "/admin/models/m", #"{"servers":["\#(b.url)"]}"#).status == 200)
        #expect(try admin(router, "DELETE", "/admin/models/x").status == 200)

        let after = RouterConfig([
            .init("m", providers: [a.provider(id: "pa2")]), .init("x", providers: [a.provider(id: "px")]), .init("n", providers: [a.provider(id: "pn")]),
        ])
        _ = try router.directory.write(after.json, to: "models.json")
        router.process.signal(SIGHUP)
        #expect(Deadline.poll(seconds: 10) { router.logText.contains("reload complete") })
        #expect(Deadline.poll(seconds: 10) { (try? WorkerHealth.probe(port: router.port))?.generation == 2 })

        let servedBefore = try b.stats()["completions"]?.int ?? 0
        let m = try #require(try statusesByWorker(router, "m", workers: 2))
        #expect(m.values.allSatisfy { $0 == [200] })
        #expect(try (b.stats()["completions"]?.int ?? 0) > servedBefore, "m is still the API's, served by b")
        let x = try #require(try statusesByWorker(router, "x", workers: 2))
        #expect(x.values.allSatisfy { $0 == [404] })
        #expect(try chat(router, "n").status == 200)
        let listed = try admin(router, "GET", "/admin/models").json()
        let sources = listed["models"]?.array?.map { "\($0["model_name"]?.string ?? ""):\($0["source"]?.string ?? ""):\($0["overrides_file"] == .bool(true))" }
        #expect(sources == ["m:api:true", "n:file:false"])
        #expect(listed["deleted_file_models"]?.array?.compactMap(\.string) == ["x"])
    }
}

/// Statuses collected by a client thread.
private final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int] = []
    func add(_ status: Int) { lock.withLock { statuses.append(status) } }
    var all: [Int] { lock.withLock { statuses } }
}

@Suite("Admin models API: bad input", .timeLimit(.minutes(1)))
struct AdminModelsBadInputTests {
    private static func problems(_ response: RawHTTPResponse) throws -> [String] {
        try response.json()["error"]?["problems"]?.array?.compactMap { $0["path"]?.string } ?? []
    }

    @Test("every malformed or conflicting change is refused in the OpenAI error shape and changes nothing")
    func badInputIsRefused() throws {
        let mock = try MockUpstream(id: "m1")
        let config = RouterConfig([
            .init("file-model", providers: [mock.provider(id: "p1")]),
            .init("backup", providers: [mock.provider(id: "p2")]),
        ])
        let router = try RouterProcess(config: config, arguments: ["--workers", "1"], environment: ["LLM_ROUTER_ADMIN_TOKEN": adminToken])

        // Access.
        #expect(try router.get("/admin/models").status == 401)
        #expect(try RawHTTPClient.exchange(port: router.port, "GET", "/admin/models", headers: [("Authorization", "Bearer wrong")]).status == 401)

        func post(_ body: String) throws -> RawHTTPResponse { try admin(router, "POST", "/admin/models", body) }
        let cases: [(body: String, paths: [String])] = [
            ("{not json", ["$"]),
            ("[1]", ["$"]),
            (#"{"servers":["\#(mock.url)"]}"#, ["$.model_name"]),
            (#"{"model_name":"n"}"#, ["$"]),
            (#"{"model_name":"n","servers":["\#(mock.url)"],"providers":[]}"#, ["$"]),
            (#"{"model_name":"n","servers":["ftp://x", 5],"strategy":"fastest","colour":"red"}"#, ["$.colour", "$.strategy", "$.servers[0]", "$.servers[1]"]),
            (#"{"model_name":"n","servers":[]}"#, ["$.servers"]),
            (#"{"model_name":"n","providers":[{"id":"p1","api_host":"\#(mock.url)","api_type":"openai"}]}"#, ["$.providers[0].id"]),
            (#"{"model_name":"n","providers":[{"id":"q","api_host":"\#(mock.url)","api_type":"openai","api_token":"sk-secret"}]}"#, ["$.providers[0].api_token"]),
            (#"{"model_name":"n","providers":[{"id":"q","api_host":"\#(mock.url)","api_type":"openai","api_key_name":"REGISTRY_UNSET_VARIABLE"}]}"#, ["$.providers[0].api_key_name"]),
            (#"{"model_name":"n","servers":["\#(mock.url)"],"fallback_model":"ghost"}"#, ["$.fallback_model"]),
            (#"{"model_name":"n","servers":["\#(mock.url)"],"fallback_model":"n"}"#, ["$.fallback_model"]),
            (#"{"model_name":"n","servers":["\#(mock.url)"],"model_name":"m"}"#, ["$.model_name"]),
        ]
        for (body, paths) in cases {
            let response = try post(body)
            #expect(response.status == 400, "\(body): \(response.text)")
            #expect(response.openAIError?["code"]?.string == "invalid_model_definition", "\(body)")
            #expect(response.openAIError?["type"]?.string == "invalid_request_error")
            #expect(try Self.problems(response) == paths, "\(body): \(response.text)")
            #expect(!response.text.contains("sk-secret"))
        }

        // Names that exist: 409, from the file or from the API.
        let fromFile = try post(#"{"model_name":"file-model","servers":["\#(mock.url)"]}"#)
        #expect(fromFile.status == 409)
        #expect(fromFile.openAIError?["code"]?.string == "model_exists")
        #expect(fromFile.openAIError?["message"]?.string?.contains("PUT") == true)
        #expect(try post(#"{"model_name":"api-model","servers":["\#(mock.url)"],"fallback_model":"backup"}"#).status == 201)
        #expect(try post(#"{"model_name":"api-model","servers":["\#(mock.url)"]}"#).status == 409)

        // Unknown models on PUT and DELETE: 404; a model that another falls back to cannot be deleted: 409.
        #expect(try admin(router, "PUT", "/admin/models/ghost", #"{"servers":["\#(mock.url)"]}"#).status == 404)
        #expect(try admin(router, "PUT", "/admin/models/ghost", "{broken").status == 404)
        #expect(try admin(router, "DELETE", "/admin/models/ghost").status == 404)
        #expect(try admin(router, "GET", "/admin/models/ghost").status == 404)
        let inUse = try admin(router, "DELETE", "/admin/models/backup")
        #expect(inUse.status == 409)
        #expect(inUse.openAIError?["code"]?.string == "model_in_use")
        // A PUT with a body naming another model, or an invalid one, is a 400.
        #expect(try admin(router, "PUT", "/admin/models/api-model", #"{"model_name":"other","servers":["\#(mock.url)"]}"#).status == 400)
        #expect(try admin(router, "POST", "/admin/models/api-model", "{}").status == 405)

        // Exactly one change was made, and the models are as before plus that one.
        let listed = try admin(router, "GET", "/admin/models").json()
        #expect(listed["version"]?.int == 1)
        #expect(listed["models"]?.array?.compactMap { $0["model_name"]?.string } == ["file-model", "backup", "api-model"])
        #expect(try chat(router, "file-model").status == 200)
        #expect(try chat(router, "api-model").status == 200)
    }

    @Test("with no admin token configured the models API is off (403 saying how to turn it on)")
    func offWithoutToken() throws {
        let router = try RouterProcess(config: nil, arguments: ["--workers", "1"])
        let response = try RawHTTPClient.exchange(port: router.port, "POST", "/admin/models", headers: [("Authorization", "Bearer x")], body: "{}")
        #expect(response.status == 403)
        #expect(response.openAIError?["message"]?.string?.contains("LLM_ROUTER_ADMIN_TOKEN") == true)
    }
}
