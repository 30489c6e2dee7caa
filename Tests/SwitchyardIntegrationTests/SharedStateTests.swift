import Foundation
import SwitchyardTestSupport
import Testing

/// Two `switchyard serve` instances sharing one Redis act as one router.
@Suite("Shared state through Redis end to end", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct SharedStateTests {
    @Test("first_available with one slot across two instances: the provider never sees two requests at once")
    func firstAvailableAcrossInstances() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "only", arguments: ["--latency-ms", "300"])
        let config = RouterConfig.single("chat-model", providers: [mock.provider(nworkers: 1)], strategy: "first_available")
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url()]
        let routers = [
            try RouterProcess(config: config, arguments: ["--workers", "1"], environment: environment),
            try RouterProcess(config: config, arguments: ["--workers", "1"], environment: environment),
        ]
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.contains("connected to Redis") }, "\(router.logText)")
        }

        // Without a wait queue (not in this slice) a request that finds the slot taken gets 503 at once.
        let results = Results()
        let group = DispatchGroup()
        for client in 0..<12 {
            group.enter()
            let port = routers[client % 2].port
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let response = try RawHTTPClient.exchange(port: port, "POST", "/v1/chat/completions", body: RequestBody.chat())
                    results.add(status: response.status)
                } catch {
                    results.add(failure: "\(error)")
                }
            }
        }
        #expect(group.wait(timeout: .now() + 30) == .success)

        let (statuses, failures) = results.snapshot
        #expect(failures.isEmpty, "\(failures)")
        #expect(statuses.count == 12)
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 503 }, "\(statuses)")
        #expect(statuses.contains(200))
        let stats = try mock.stats()
        #expect(stats["maxInFlight"]?.int == 1, "\(stats)")
        #expect(stats["completions"]?.int == statuses.filter { $0 == 200 }.count)
        // Every choice was made on shared state: grants from Redis, no fallback to a worker's local state.
        var sharedGrants = 0
        for router in routers {
            let metrics = try router.get("/metrics").text
            #expect(metrics.contains("switchyard_selector_local_fallbacks_total 0\n"), "\(metrics)")
            for line in metrics.split(separator: "\n") where line.hasPrefix("switchyard_selector_shared_grants_total") {
                sharedGrants += Int(line.split(separator: " ").last ?? "") ?? 0
            }
        }
        #expect(sharedGrants == statuses.filter { $0 == 200 }.count)
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
