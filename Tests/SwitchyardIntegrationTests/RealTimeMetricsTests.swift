import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

extension MockUpstream {
    /// `POST /mock/load`: what the mock's `/metrics` reports from now on.
    fileprivate func setLoad(_ json: String) throws {
        #expect(try RawHTTPClient.exchange(port: port, "POST", "/mock/load", body: json).status == 200)
    }

    /// `GET /metrics` requests the mock has answered since start or the last reset.
    fileprivate func scrapes() throws -> Int {
        try stats()["metricsRequests"]?.int ?? -1
    }

    fileprivate func reset() throws {
        #expect(try RawHTTPClient.exchange(port: port, "POST", "/mock/reset", body: "{}").status == 200)
    }
}

/// Config files of the routers started by these tests (a worker restarted later reads its file again).
nonisolated(unsafe) private let configDirectory = try! TemporaryDirectory(prefix: "switchyard-rtm")

/// A router serving `chat-model` from `mocks` with `real_time_metrics`, scraped every `interval` seconds (LLMStream's
/// config format, which carries `metrics_update_interval`).
private func router(_ mocks: [MockUpstream], interval: Double, workers: Int, environment: [String: String]) throws -> RouterProcess {
    let directory = configDirectory
    let servers = mocks.map { "\"\($0.url)\"" }.joined(separator: ",")
    let json = #"{"models": {"chat-model": {"servers": [\#(servers)], "strategy": "real_time_metrics"}}, "metrics_update_interval": \#(interval)}"#
    let path = try directory.write(json, to: "llmstream-\(UUID().uuidString).json")
    let router = try RouterProcess(config: nil, arguments: ["--config", path, "--workers", String(workers), "--admin-token", "admin-secret"],
                                   environment: environment)
    return router
}

/// The `/admin/state` provider entries of `chat-model` from whichever worker answers.
private func providers(_ router: RouterProcess) throws -> [TestJSON] {
    let response = try RawHTTPClient.exchange(port: router.port, "GET", "/admin/state", headers: [("Authorization", "Bearer admin-secret")])
    return try response.json()["models"]?[0]?["providers"]?.array ?? []
}

/// Whether `count` answers in a row (from any workers) show a fresh scrape of the provider at `url` with `running`.
private func everyWorkerSees(_ router: RouterProcess, _ mock: MockUpstream, running: Int, count: Int = 8) -> Bool {
    for _ in 0..<count {
        guard let entries = try? providers(router),
              let entry = entries.first(where: { $0["id"]?.string?.hasSuffix(":\(mock.port)") == true }),
              entry["last_scrape"]?["fresh"] == .bool(true), entry["last_scrape"]?["running"]?.int == running else { return false }
    }
    return true
}

/// Sends `count` chat requests one after the other; every one must succeed.
private func send(_ count: Int, to router: RouterProcess) throws {
    for _ in 0..<count {
        #expect(try router.post("/v1/chat/completions", RequestBody.chat()).status == 200)
    }
}

@Suite("real_time_metrics end to end", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(2)))
struct RealTimeMetricsTests {
    @Test("a loaded server gets (nearly) no requests and an idle one all of them; when the loads swap, so do the choices",
          arguments: ["shared", "local"])
    func followsTheLoad(mode: String) throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let a = try MockUpstream(id: "a")
        let b = try MockUpstream(id: "b")
        try a.setLoad(#"{"waiting": 30, "running": 64, "cache": 0.95}"#)
        let environment = mode == "shared" ? ["LLM_ROUTER_REDIS_URL": redis.url()] : ["LLM_ROUTER_LOCAL_REDIS": "off"]
        let router = try router([a, b], interval: 0.3, workers: 2, environment: environment)
        defer { router.stop() }
        #expect(Deadline.poll(seconds: 15) { everyWorkerSees(router, a, running: 64) }, "\(router.logText)")

        try send(60, to: router)
        let toA = try a.stats()["completions"]?.int ?? -1
        let toB = try b.stats()["completions"]?.int ?? -1
        #expect(toA + toB == 60)
        // A's share is the 2 % floor: a trickle, never all.
        #expect(toA <= 6, "loaded a got \(toA), idle b \(toB)")

        try a.setLoad(#"{"waiting": 0, "running": 0, "cache": 0}"#)
        try b.setLoad(#"{"waiting": 30, "running": 64, "cache": 0.95}"#)
        #expect(Deadline.poll(seconds: 15) { everyWorkerSees(router, b, running: 64) && everyWorkerSees(router, a, running: 0) })
        try a.reset()
        try b.reset()
        try send(60, to: router)
        #expect(try b.stats()["completions"]?.int ?? 99 <= 6)
        #expect(try a.stats()["completions"]?.int ?? 0 >= 54)
        if mode == "shared" {
            let stored = try redis.command(["HGET", "switchyard:{chat-model}:rtm", "chat-model@127.0.0.1:\(b.port)"])
            #expect(stored.hasPrefix("30,64,0.95,"), "\(stored)")
        }
    }

    @Test("a server whose /metrics fails shows a failed scrape and counts as average; requests still reach it")
    func failedScrape() throws {
        let a = try MockUpstream(id: "a")
        let b = try MockUpstream(id: "b")
        try a.setLoad(#"{"status": 503}"#)
        try b.setLoad(#"{"waiting": 0, "running": 4, "cache": 0}"#)
        let router = try router([a, b], interval: 0.2, workers: 1, environment: ["LLM_ROUTER_LOCAL_REDIS": "off"])
        defer { router.stop() }
        func scrape(of mock: MockUpstream) -> TestJSON? {
            (try? providers(router))?.first { $0["id"]?.string?.hasSuffix(":\(mock.port)") == true }?["last_scrape"]
        }
        #expect(Deadline.poll(seconds: 10) { scrape(of: a)?["ok"] == .bool(false) && scrape(of: b)?["ok"] == .bool(true) })
        #expect(scrape(of: a)?["fresh"] == .bool(false))
        #expect(scrape(of: a)?["running"] == nil)
        #expect(scrape(of: b)?["running"]?.int == 4)
        // a scores the average of the scraped ones (b's 0.5), so both get a fair share.
        try send(40, to: router)
        #expect(try a.stats()["completions"]?.int ?? 0 >= 8)
        #expect(try b.stats()["completions"]?.int ?? 0 >= 8)
    }

    @Test("two instances sharing one Redis have one scraper between them; when it is killed the other takes over")
    func oneScraperPerCluster() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let a = try MockUpstream(id: "a")
        let b = try MockUpstream(id: "b")
        let interval = 0.25
        let environment = ["LLM_ROUTER_REDIS_URL": redis.url()]
        let routers = try (0..<2).map { _ in try router([a, b], interval: interval, workers: 2, environment: environment) }
        let allPIDs = routers.flatMap { [$0.process.pid] + ProcessTable.children(of: $0.process.pid) }
        defer {
            for router in routers { router.stop() }
            ProcessTable.killLeftovers(allPIDs)
        }
        for router in routers {
            #expect(Deadline.poll(seconds: 10) { router.logText.components(separatedBy: "connected to Redis").count >= 3 }, "\(router.logText)")
        }
        let key = "switchyard:rtm:scraper"
        #expect(Deadline.poll(seconds: 10) { ((try? redis.command(["GET", key])) ?? "").contains(":") })

        /// Scrapes of `mock` over `seconds`, against the count one scraper would make.
        func scrapes(of mock: MockUpstream, over seconds: Double) throws -> (seen: Int, single: Double) {
            try mock.reset()
            let start = Date()
            Thread.sleep(forTimeInterval: seconds)
            let seen = try mock.scrapes()
            return (seen, Date().timeIntervalSince(start) / interval)
        }
        // Four workers: one scrape per interval, not four.
        var counted = try scrapes(of: a, over: 2.5)
        #expect(counted.seen >= 3 && Double(counted.seen) <= counted.single * 1.5 + 2, "\(counted) scrapes of a")
        counted = try scrapes(of: b, over: 1)
        #expect(Double(counted.seen) <= counted.single * 1.5 + 2, "\(counted) scrapes of b")

        let owner = try redis.command(["GET", key])
        let holder = try #require(routers.firstIndex { owner.contains("-\($0.process.pid):") }, "\(owner)")
        let survivor = routers[1 - holder]
        // kill -9 the scraping instance, supervisor and workers, so nobody hands the lease over.
        let victims = [routers[holder].process.pid] + ProcessTable.children(of: routers[holder].process.pid)
        for pid in victims { kill(pid, SIGKILL) }
        #expect(Deadline.poll(seconds: 5) { ((try? redis.command(["GET", key])) ?? "").contains("-\(survivor.process.pid):") },
                "the lease moves to the surviving instance within a few intervals")
        counted = try scrapes(of: a, over: 1.5)
        #expect(counted.seen >= 2 && Double(counted.seen) <= counted.single * 1.5 + 2, "\(counted) scrapes after the take-over")
        #expect(try survivor.post("/v1/chat/completions", RequestBody.chat()).status == 200)
    }
}
