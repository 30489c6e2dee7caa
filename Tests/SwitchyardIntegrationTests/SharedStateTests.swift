import Foundation
import SwitchyardTestSupport
import Testing

/// Two `switchyard serve` instances sharing one Redis act as one router.
@Suite("Shared state through Redis end to end", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct SharedStateTests {
    @Test("first_available with one slot, two instances of two workers, 40 concurrent clients: all served through the cluster-wide queue, never two at once")
    func firstAvailableAcrossInstances() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "only", arguments: ["--latency-ms", "40"])
        let config = RouterConfig.single("chat-model", providers: [mock.provider(nworkers: 1)], strategy: "first_available")
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url()]
        let routers = try (0..<2).map { _ in try RouterProcess(config: config, arguments: ["--workers", "2"], environment: environment) }
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 5 }, "\(router.logText)")
        }

        let results = Results()
        let group = DispatchGroup()
        for client in 0..<40 {
            group.enter()
            let port = routers[client % 2].port
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let connection = try RawHTTPClient(port: port, timeout: 30)
                    try connection.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
                    results.add(status: try connection.readResponse().status)
                } catch {
                    results.add(failure: "\(error)")
                }
            }
        }
        #expect(group.wait(timeout: .now() + 45) == .success)

        let (statuses, failures) = results.snapshot
        #expect(failures.isEmpty, "\(failures)")
        #expect(statuses.count == 40)
        #expect(statuses.allSatisfy { $0 == 200 }, "every request waited its turn instead of failing: \(statuses)")
        let stats = try mock.stats()
        #expect(stats["maxInFlight"]?.int == 1, "\(stats)")
        #expect(stats["completions"]?.int == 40)
        // Every choice was made on shared state: grants from Redis, no fallback to a worker's local state.
        for router in routers {
            let metrics = try router.get("/metrics").text
            #expect(metrics.contains("switchyard_selector_local_fallbacks_total 0\n"), "\(metrics)")
        }
    }

    @Test("a client that disconnects while queued leaves the queue and never reaches the provider")
    func disconnectWhileQueued() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "only", arguments: ["--latency-ms", "600"])
        let config = RouterConfig.single("chat-model", providers: [mock.provider(nworkers: 1)], strategy: "first_available")
        let router = try RouterProcess(config: config, arguments: ["--workers", "1"], environment: ["LLM_ROUTER_REDIS_URL": redis.url()])
        #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 3 }, "\(router.logText)")
        let holder = try RawHTTPClient(port: router.port, timeout: 10)
        try holder.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        #expect(Deadline.poll(seconds: 5) { (try? mock.stats()["inFlight"]?.int) == 1 })
        let leaving = try RawHTTPClient(port: router.port, timeout: 10)
        try leaving.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        let queueKey = "switchyard:{chat-model}:waitq"
        #expect(Deadline.poll(seconds: 5) { (try? redis.command(["ZCARD", queueKey])) == "1" }, "the second request waits in the queue")
        leaving.close()
        #expect(Deadline.poll(seconds: 5) { (try? redis.command(["ZCARD", queueKey])) == "0" }, "and leaves it when its client goes")
        #expect(try holder.readResponse().status == 200)
        Thread.sleep(forTimeInterval: 0.3)
        let stats = try mock.stats()
        #expect(stats["completions"]?.int == 1, "the departed client's request never reached the provider: \(stats)")
        #expect(try redis.command(["HGET", "switchyard:{chat-model}:state", "f:only"]) == "0")
    }

    @Test("balanced over two providers across two instances: their in-flight counts stay within one of each other")
    func balancedAcrossInstances() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mocks = try ["a", "b"].map { try MockUpstream(id: $0, arguments: ["--latency-ms", "1500"]) }
        let config = RouterConfig.single("chat-model", providers: mocks.map { $0.provider() }, strategy: "balanced")
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url()]
        let routers = try (0..<2).map { _ in try RouterProcess(config: config, arguments: ["--workers", "1"], environment: environment) }
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.contains("connected to Redis") }, "\(router.logText)")
        }
        // Ten requests, five through each instance, all in flight together. Each instance on its own would split
        // its five 3:2 towards the same first provider, 6:4 in all.
        let results = Results()
        let group = DispatchGroup()
        for client in 0..<10 {
            group.enter()
            let port = routers[client % 2].port
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let connection = try RawHTTPClient(port: port, timeout: 30)
                    try connection.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
                    results.add(status: try connection.readResponse().status)
                } catch {
                    results.add(failure: "\(error)")
                }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(results.snapshot.0.allSatisfy { $0 == 200 } && results.snapshot.0.count == 10, "\(results.snapshot)")
        let peaks = try mocks.map { try $0.stats()["maxInFlight"]?.int ?? -1 }
        #expect(abs(peaks[0] - peaks[1]) <= 1 && peaks[0] + peaks[1] == 10, "peak in-flight per provider: \(peaks)")
    }
}

/// Answers collected from the client threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int] = []
    private var failures: [String] = []

    func add(status: Int) { lock.withLock { statuses.append(status) } }
    func add(failure: String) { lock.withLock { failures.append(failure) } }
    var snapshot: ([Int], [String]) { lock.withLock { (statuses, failures) } }
}
