import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

/// Without a configured Redis, the workers of one `serve` act as one router through a private redis-server.
@Suite("One instance without Redis: a private redis-server", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct PrivateRedisTests {
    @Test("two workers, no Redis configured: one first_available slot is shared by both workers, then the private server is gone with the router")
    func workersShareOneSlot() throws {
        let mock = try MockUpstream(id: "only", arguments: ["--latency-ms", "30"])
        let config = RouterConfig.single("chat-model", providers: [mock.provider(nworkers: 1)], strategy: "first_available")
        let router = try RouterProcess(config: config, arguments: ["--workers", "2"])
        #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 5 }, "\(router.logText)")
        let line = try #require(router.logText.split(separator: "\n").first { $0.contains("running a private redis-server") })
        let socket = try #require(line.split(separator: " ").first { $0.hasPrefix("socket=") }).dropFirst("socket=".count)
        let directory = (String(socket) as NSString).deletingLastPathComponent
        #expect(FileManager.default.fileExists(atPath: String(socket)))

        let statuses = Statuses()
        let group = DispatchGroup()
        let port = router.port
        for _ in 0..<16 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let status = try? RawHTTPClient(port: port, timeout: 20).exchangeStatus(body: RequestBody.chat())
                statuses.add(status ?? -1)
            }
        }
        #expect(group.wait(timeout: .now() + 40) == .success)
        #expect(statuses.all.count == 16 && statuses.all.allSatisfy { $0 == 200 }, "\(statuses.all)")
        let stats = try mock.stats()
        #expect(stats["maxInFlight"]?.int == 1, "both workers shared the one slot: \(stats)")

        router.process.signal(SIGTERM)
        #expect(router.process.waitForExit(timeout: 15) != nil)
        #expect(!FileManager.default.fileExists(atPath: directory), "the private directory is removed")
    }

    @Test("a supervisor killed with SIGKILL takes its private redis-server with it")
    func noOrphanRedis() throws {
        let mock = try MockUpstream(id: "only")
        let router = try RouterProcess(config: RouterConfig.single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "2"])
        #expect(Deadline.poll(seconds: 10) { router.logText.contains("running a private redis-server") }, "\(router.logText)")
        let redis = try #require(ProcessTable.children(of: router.process.pid).first { (ProcessTable.commandLine(of: $0) ?? "").contains("redis-server") },
                                 "the private redis-server is a child of the supervisor")
        router.process.signal(SIGKILL)
        #expect(Deadline.poll(seconds: 5) { !ProcessTable.isRunning(redis) }, "redis-server \(redis) outlived its router")
    }

    @Test("LLM_ROUTER_LOCAL_REDIS=off keeps each worker on its own state and says so")
    func off() throws {
        let mock = try MockUpstream(id: "only")
        let config = RouterConfig.single("chat-model", providers: [mock.provider()])
        let router = try RouterProcess(config: config, arguments: ["--workers", "2"], environment: ["LLM_ROUTER_LOCAL_REDIS": "off"])
        #expect(try router.post("/v1/chat/completions", RequestBody.chat()).status == 200)
        #expect(router.logText.contains("LLM_ROUTER_LOCAL_REDIS=off"), "\(router.logText)")
        #expect(!router.logText.contains("private redis-server"))
    }
}

private final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ value: Int) { lock.withLock { values.append(value) } }
    var all: [Int] { lock.withLock { values } }
}

extension RawHTTPClient {
    /// Sends one chat request on this connection and returns the response status.
    fileprivate func exchangeStatus(body: String) throws -> Int {
        try send(RawHTTPClient.request("POST", "/v1/chat/completions", body: body))
        return try readResponse().status
    }
}
