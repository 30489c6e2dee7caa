import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

/// A worker killed with `kill -9` cannot release its shared holds; its supervisor frees them when it reaps it.
@Suite("Holds of a dead worker", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct DeadWorkerHoldsTests {
    @Test("the holds of a worker killed with kill -9 are freed at once by its supervisor")
    func killedWorkerHoldsAreFreed() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let mock = try MockUpstream(id: "only")
        defer { mock.stop() }
        let config = RouterConfig.single("chat-model", providers: [mock.provider(nworkers: 1)], strategy: "first_available")
        // A lease far longer than the test: without the supervisor's help the slot stays taken for a minute.
        // A short queue timeout: a request that finds the slot taken waits half a second, then gets 503.
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url(), "LLM_ROUTER_LEASE_SECONDS": "60", "LLM_ROUTER_QUEUE_TIMEOUT": "0.5"]
        let router = try RouterProcess(config: config, arguments: ["--workers", "1"], environment: environment)
        defer { router.stop() }
        // The worker's client and the supervisor's.
        #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count > 2 }, "\(router.logText)")
        let workers = ProcessTable.workers(of: router.process.pid)
        try #require(workers.count == 1, "\(workers)")
        defer { ProcessTable.killLeftovers(ProcessTable.workers(of: router.process.pid)) }

        // A slow request takes the only slot.
        let slow = try router.connect(timeout: 30)
        defer { slow.close() }
        try slow.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat(mock: #"{"latency_ms":20000}"#)))
        let holds = "switchyard:{chat-model}:leases"
        #expect(Deadline.poll(seconds: 10) { redisCLI(redis, "ZCARD", holds) == "1" }, "the slow request holds no slot")
        let refused = try RawHTTPClient.exchange(port: router.port, "POST", "/v1/chat/completions", body: RequestBody.chat())
        #expect(refused.status == 503)
        #expect(refused.text.contains("queue_timeout"), "\(refused.text)")
        #expect(refused.header("Retry-After") == "1", "\(refused.text)")
        #expect(redisCLI(redis, "ZCARD", "switchyard:{chat-model}:waitq") == "0", "the timed-out wait left the queue")

        kill(workers[0], SIGKILL)
        #expect(Deadline.poll(seconds: 10) { redisCLI(redis, "ZCARD", holds) == "0" }, "holds left: \(redisCLI(redis, "ZRANGE", holds, "0", "-1"))")
        #expect(redisCLI(redis, "HGET", "switchyard:{chat-model}:state", "f:only") == "0")

        // The respawned worker finds the slot free (the connection waits in the slot's socket until it accepts).
        let client = try router.connect(timeout: 15)
        defer { client.close() }
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        let response = try client.readResponse()
        #expect(response.status == 200, "\(response.text)\n\(router.logText)")
        #expect(router.logText.contains("released the holds of a dead worker"), "\(router.logText)")
    }
}

/// The output of `redis-cli -p <port> <arguments>`, trimmed.
private func redisCLI(_ redis: RedisServer, _ arguments: String...) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
    process.arguments = ["-p", String(redis.port)] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return "redis-cli: \(error)"
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
