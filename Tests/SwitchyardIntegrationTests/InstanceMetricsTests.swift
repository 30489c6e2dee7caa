import Foundation
import SwitchyardTestSupport
import Testing

@Suite("One /metrics per instance", .timeLimit(.minutes(2)))
struct InstanceMetricsTests {
    /// The value of the sample `line` (name and labels exactly as rendered), or nil when absent.
    static func value(_ scrape: String, _ series: String) -> Double? {
        for line in scrape.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Runs Debian's `promtool check metrics` on `text`: its exit status and what it said.
    static func promtool(_ text: String) throws -> (status: Int32, output: String) {
        let path = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let executable = try #require(path, "promtool is missing: scripts/install-deps.sh installs Debian's prometheus package")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let said = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: said, as: UTF8.self))
    }

    @Test("after traffic spread over three workers, any worker's scrape sums the instance and passes promtool")
    func oneScrapeIsTheInstance() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "3"])
        let sent = 60
        var servedBy: Set<String> = []
        for index in 0..<sent {
            let response = try router.post("/v1/chat/completions", RequestBody.chat(stream: index % 4 == 0))
            #expect(response.status == 200)
            // A generated request id names its worker: w<worker>-<pid>-<n>.
            if let id = response.header("X-Request-Id"), let worker = id.split(separator: "-").first { servedBy.insert(String(worker)) }
        }
        #expect(servedBy.count >= 2, "the kernel spread \(sent) connections over \(servedBy)")

        var scrapedBy: Set<String> = []
        for _ in 0..<12 {
            let scrape = try router.get("/metrics")
            #expect(scrape.status == 200)
            if let id = scrape.header("X-Request-Id"), let worker = id.split(separator: "-").first { scrapedBy.insert(String(worker)) }
            let text = scrape.text
            let requests = Self.value(text, #"switchyard_http_requests_total{route="chat_completions",model="chat-model",provider="a",status="200"}"#)
            #expect(requests == Double(sent), "\(text)")
            #expect(Self.value(text, #"switchyard_upstream_attempts_total{provider="a",outcome="ok"}"#) == Double(sent))
            #expect(Self.value(text, #"switchyard_request_duration_seconds_count{route="chat_completions"}"#) == Double(sent))
            #expect(Self.value(text, #"switchyard_time_to_first_token_seconds_count{model="chat-model"}"#) == Double(sent / 4))
            #expect(Self.value(text, "switchyard_workers") == 3)
            #expect(Self.value(text, "switchyard_requests_in_flight") == 0)
            #expect(Self.value(text, #"switchyard_provider_in_flight{provider="a"}"#) == 0)
            // Each family exactly once.
            let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
            #expect(Set(types).count == types.count, "a family is repeated")
            let checked = try Self.promtool(text)
            #expect(checked.status == 0, "promtool: \(checked.output)")
        }
        #expect(scrapedBy.count >= 2, "scrapes were answered by \(scrapedBy)")
    }

    @Test("a worker killed with kill -9 leaves its counts in the sum and takes its in-flight counts with it")
    func deadWorkerKeepsCounters() throws {
        let mock = try MockUpstream(id: "a", arguments: ["--latency-ms", "3000"])
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"])
        // One request stuck upstream: the gauge shows it.
        let client = try router.connect()
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        let worker = try WorkerHealth.probe(port: router.port)
        let deadline = Date().addingTimeInterval(5)
        while Self.value(try router.get("/metrics").text, "switchyard_requests_in_flight") != 1 && Date() < deadline { usleep(50_000) }
        #expect(Self.value(try router.get("/metrics").text, "switchyard_requests_in_flight") == 1)
        let before = Self.value(try router.get("/metrics").text, #"switchyard_http_requests_total{route="metrics",status="200"}"#) ?? 0
        #expect(before >= 1)
        kill(worker.pid, SIGKILL)
        // The respawned worker reads the sum: the dead one's counters stay, its gauge is gone.
        let respawned = Date().addingTimeInterval(10)
        var after = ""
        while Date() < respawned {
            if let health = try? WorkerHealth.probe(port: router.port), health.pid != worker.pid, let text = try? router.get("/metrics").text {
                after = text
                break
            }
            usleep(100_000)
        }
        #expect(Self.value(after, "switchyard_requests_in_flight") == 0, "\(after)")
        #expect((Self.value(after, #"switchyard_http_requests_total{route="metrics",status="200"}"#) ?? 0) >= before)
        #expect(Self.value(after, "switchyard_workers") == 1)
    }

    @Test("LLM_ROUTER_USE_PROMETHEUS=false takes /metrics away")
    func prometheusSwitch() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"],
                                       environment: ["LLM_ROUTER_USE_PROMETHEUS": "false"])
        #expect(try router.get("/metrics").status == 404)
        #expect(try router.get("/health").status == 200)
    }

    /// One request holds the only slot of a slow provider and two more wait for it: while they wait, a scrape says
    /// two are waiting; once all three are answered, zero.
    private func queueGauge(environment: [String: String], ready: (RouterProcess) -> Bool) throws {
        let slow = try MockUpstream(id: "a", arguments: ["--latency-ms", "1500"])
        let router = try RouterProcess(
            config: .single("chat-model", providers: [slow.provider(nworkers: 1)], strategy: "first_available"),
            arguments: ["--workers", "1"], environment: environment)
        #expect(Deadline.poll(seconds: 10) { ready(router) }, "\(router.logText)")
        let series = #"switchyard_queue_waiting{model="chat-model"}"#
        let holder = try router.connect(timeout: 10)
        try holder.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        #expect(Deadline.poll(seconds: 5) { (try? slow.stats()["inFlight"]?.int) == 1 })
        let waiters = try (0..<2).map { _ in try router.connect(timeout: 10) }
        for waiter in waiters { try waiter.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat())) }
        var scrape = ""
        #expect(Deadline.poll(seconds: 5) {
            scrape = (try? router.get("/metrics").text) ?? ""
            return Self.value(scrape, series) == 2
        }, "\(scrape)")
        #expect(scrape.contains("# TYPE switchyard_queue_waiting gauge"))
        for client in [holder] + waiters { #expect(try client.readResponse().status == 200) }
        #expect(Self.value(try router.get("/metrics").text, series) == 0)
    }

    @Test("switchyard_queue_waiting counts the requests waiting for a slot, and drops back to zero")
    func queueGaugeLocal() throws {
        try queueGauge(environment: [:]) { _ in true }
    }

    @Test("switchyard_queue_waiting counts the requests waiting in the shared queue of Redis",
          .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
    func queueGaugeShared() throws {
        let redis = try RedisServer()
        try queueGauge(environment: ["LLM_ROUTER_REDIS_URL": redis.url()]) { router in
            router.logText.components(separatedBy: "connected to Redis").count >= 3
        }
    }
}
