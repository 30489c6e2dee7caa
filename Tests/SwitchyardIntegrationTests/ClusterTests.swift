import Foundation
import Glibc
import SwitchyardTestSupport
import Testing

/// `switchyard serve --workers N` as a whole: the supervisor, its worker processes and their shared sockets,
/// observed from outside (HTTP, signals, the process table). Every test starts its own cluster, so they run
/// in parallel.
@Suite("A supervised cluster of workers", .timeLimit(.minutes(1)))
struct ClusterTests {
    @Test("serve --workers 4 runs four worker processes, and new connections reach every one of them")
    func connectionsSpreadOverEveryWorker() throws {
        let cluster = try Cluster(workers: 4)
        let workers = cluster.workerPIDs

        var answers: [WorkerHealth] = []
        for _ in 0..<200 { answers.append(try cluster.probe()) }

        #expect(workers.count == 4, "children of the supervisor: \(workers)")
        // The kernel hashes each connection over the 4 SO_REUSEPORT sockets; missing a worker in 200
        // connections has probability ≈ 4 · (3/4)^200.
        #expect(Set(answers.map(\.id)) == [1, 2, 3, 4])
        #expect(Set(answers.map(\.pid)) == Set(workers), "answering pids vs. children of the supervisor")
        #expect(answers.allSatisfy { $0.generation == 1 })
    }

    @Test("a SIGKILLed worker is replaced in its slot under steady load, failing at most the requests it held")
    func killedWorkerIsRespawnedUnderLoad() throws {
        let cluster = try Cluster(workers: 3)
        let load = cluster.steadyLoad()
        load.start()
        defer { load.stop() }
        try #require(load.waitForSuccesses(atLeast: 40, seconds: 15), "no steady load: \(load.tally)")
        let victim = try cluster.probe(until: "a worker holding load connections") {
            load.tally.connectionsByWorker[$0.pid, default: 0] > 0
        }

        let before = load.tally
        let openOnVictim = before.connectionsByWorker[victim.pid, default: 0]
        kill(victim.pid, SIGKILL)

        let replacement = try cluster.probe(until: "a new pid in slot \(victim.id)") {
            $0.id == victim.id && $0.pid != victim.pid
        }
        let continued = load.waitForSuccesses(atLeast: before.successes + 40, seconds: 15)
        let restored = Deadline.poll(seconds: 10) {
            let workers = cluster.workerPIDs
            return workers.count == 3 && !workers.contains(victim.pid) && workers.contains(replacement.pid)
        }
        let tally = load.stop()

        #expect(!ProcessTable.isRunning(victim.pid))
        #expect(continued, "successes stopped after the kill: before \(before.successes), now \(tally)")
        #expect(restored, "children of the supervisor: \(cluster.workerPIDs)")
        // Only requests in flight on the killed worker's connections may fail; queued connections wait in
        // the slot's socket (held by the supervisor) for the replacement.
        #expect(tally.failures <= openOnVictim, "\(openOnVictim) load connections were on pid \(victim.pid): \(tally)")
        #expect(tally.failures <= load.clients)
        #expect(cluster.supervisor.isRunning)
        #expect(cluster.logText.contains("worker died; respawning worker.id=\(victim.id)"), "\(cluster.logText)")
    }

    @Test("SIGHUP under steady load moves every worker to generation 2 without failing a request")
    func reloadUnderLoadFailsNothing() throws {
        let cluster = try Cluster(workers: 3)
        let load = cluster.steadyLoad()
        load.start()
        defer { load.stop() }
        try #require(load.waitForSuccesses(atLeast: 40, seconds: 15), "no steady load: \(load.tally)")
        let previous = cluster.workerPIDs

        cluster.supervisor.signal(SIGHUP)

        let drained = Deadline.poll(seconds: 20) { previous.allSatisfy { !ProcessTable.isRunning($0) } }
        #expect(drained, "generation 1 still running: \(previous.filter(ProcessTable.isRunning))\n\(cluster.logText)")
        let answers = try cluster.probeUntilEverySlotAnswers(slots: 3)
        let afterReload = load.tally.successes
        let continued = load.waitForSuccesses(atLeast: afterReload + 40, seconds: 15)
        let tally = load.stop()

        #expect(answers.allSatisfy { $0.generation == 2 }, "\(answers.filter { $0.generation != 2 })")
        #expect(Set(answers.map(\.pid)).isDisjoint(with: previous))
        #expect(continued, "no successes after the reload: \(tally)")
        #expect(tally.failures == 0, "\(tally)")
        #expect(cluster.supervisor.isRunning)
        #expect(cluster.workerPIDs.count == 3, "children of the supervisor: \(cluster.workerPIDs)")
        #expect(cluster.logText.contains("reload complete"))
    }

    /// The deterministic core of the reload-under-load test: a draining worker lets idle keep-alive connections
    /// linger for 1 s, answering any request with `Connection: close` (README, Design), so a completion arriving
    /// then must be served. Before bd73181 it was refused with 503 `shutting_down`.
    @Test("during a reload, a completion on a kept-alive connection of the old generation is served with Connection: close")
    func lingeringConnectionIsServedDuringReload() throws {
        let cluster = try Cluster(workers: 2)
        let client = try cluster.router.connect()
        try client.send(RawHTTPClient.request("GET", "/health"))
        let worker = try WorkerHealth(client.readResponse())
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        #expect(try client.readResponse().status == 200)

        cluster.supervisor.signal(SIGHUP)
        let draining = Deadline.poll(seconds: 15) {
            cluster.logText.split(separator: "\n").contains {
                $0.contains("graceful stop requested") && $0.contains("worker.id=\(worker.id) generation=1")
            }
        }
        try #require(draining, "\(worker) never started draining\n\(cluster.logText)")
        try #require(!client.peerHasClosed, "the idle connection closed before the test reused it (it lingers 1 s)")
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        let response = try client.readResponse()

        #expect(response.status == 200, "\(response.text)")
        #expect(response.header("Connection")?.lowercased() == "close")
    }

    @Test("SIGHUP with a broken models file is rejected and the cluster keeps generation 1; after a fix it reloads", arguments: BrokenConfig.allCases)
    func rejectedReloadKeepsServing(broken: BrokenConfig) throws {
        let cluster = try Cluster(workers: 2)
        let original = cluster.workerPIDs
        let configPath = cluster.router.directory.file("models.json")
        let validConfig = try String(contentsOfFile: configPath, encoding: .utf8)
        try broken.apply(to: cluster.router.directory)

        cluster.supervisor.signal(SIGHUP)

        let rejected = Deadline.poll(seconds: 5) { cluster.logText.contains("reload rejected") }
        #expect(rejected, "\(cluster.logText)")
        // A reload wrongly accepted would show up as generation 2 within a second; watch for two.
        var answers: [WorkerHealth] = []
        let watch = Deadline(seconds: 2)
        while !watch.hasPassed {
            answers.append(try cluster.probe())
            usleep(20_000)
        }
        #expect(answers.allSatisfy { $0.generation == 1 }, "\(answers.filter { $0.generation != 1 })")
        #expect(cluster.workerPIDs == original, "the workers were replaced")
        #expect(cluster.supervisor.isRunning)

        try cluster.router.directory.write(validConfig, to: "models.json")
        cluster.supervisor.signal(SIGHUP)

        let drained = Deadline.poll(seconds: 15) { original.allSatisfy { !ProcessTable.isRunning($0) } }
        #expect(drained, "generation 1 still running\n\(cluster.logText)")
        let reloaded = try cluster.probeUntilEverySlotAnswers(slots: 2)
        #expect(reloaded.allSatisfy { $0.generation == 2 }, "\(reloaded)")
        let chat = try cluster.router.post("/v1/chat/completions", RequestBody.chat())
        #expect(chat.status == 200, "\(chat.text)")
    }

    @Test("a worker respawned after the models file was broken runs generation 1's configuration, and 20 new connections are all served", arguments: BrokenConfig.allCases)
    func respawnRunsTheGenerationsConfiguration(broken: BrokenConfig) throws {
        let cluster = try Cluster(workers: 2)
        let victim = try cluster.probe()
        try broken.apply(to: cluster.router.directory)

        kill(victim.pid, SIGKILL)
        // Connections hashed to the victim's slot wait in its socket for the replacement; none may hang.
        let survey = ConnectionSurvey.run(port: cluster.port)

        #expect(survey.failures.isEmpty, "\(survey)\n\(cluster.logText)")
        #expect(survey.served.contains { $0.id == victim.id && $0.pid != victim.pid }, "no replacement served: \(survey)")
        #expect(survey.served.allSatisfy { $0.generation == 1 })
        #expect(cluster.supervisor.isRunning)
        #expect(!cluster.logText.contains("worker will not be restarted"), "\(cluster.logText)")
    }

    @Test("a valid edit of the models file reaches no respawned worker until SIGHUP, which applies it to every worker")
    func editedModelsFileWaitsForReload() throws {
        let cluster = try Cluster(workers: 2)
        let victim = try cluster.probe()
        try cluster.router.directory.write(RouterConfig.single("renamed-model", providers: [cluster.mock.provider()]).json, to: "models.json")

        kill(victim.pid, SIGKILL)
        let survey = ConnectionSurvey.run(port: cluster.port, model: "chat-model")

        #expect(survey.failures.isEmpty, "\(survey)\n\(cluster.logText)")
        #expect(survey.served.contains { $0.id == victim.id && $0.pid != victim.pid }, "no replacement served: \(survey)")

        let previous = cluster.workerPIDs
        cluster.supervisor.signal(SIGHUP)
        let drained = Deadline.poll(seconds: 20) { previous.allSatisfy { !ProcessTable.isRunning($0) } }
        try #require(drained, "generation 1 still running\n\(cluster.logText)")
        let after = ConnectionSurvey.run(port: cluster.port, connections: 10, model: "renamed-model")

        #expect(after.failures.isEmpty, "\(after)")
        #expect(after.served.allSatisfy { $0.generation == 2 }, "\(after)")
    }

    @Test("SIGQUIT lets an in-flight stream finish with [DONE], then the supervisor exits 0 and no worker remains")
    func quitDrainsStreamThenExits() throws {
        let cluster = try Cluster(workers: 2)
        let workers = cluster.workerPIDs
        defer { ProcessTable.killLeftovers(workers) }
        let client = try cluster.router.connect(timeout: 10)
        // 40 tokens × 50 ms ≈ 2 s of stream left after the signal.
        try client.send(RawHTTPClient.request(
            "POST", "/v1/chat/completions",
            body: RequestBody.chat(stream: true, mock: #"{"tokens":40,"token_delay_ms":50}"#)))
        try client.readUntil("\"content\":\"[a] ")

        cluster.supervisor.signal(SIGQUIT)
        let response = try client.readResponse()
        let status = cluster.supervisor.waitForExit(timeout: 15)

        #expect(response.status == 200)
        let payloads = SSE.dataPayloads(response.text)
        #expect(payloads.last == "[DONE]", "stream ended with: \(payloads.suffix(2))")
        #expect(try SSE.jsonEvents(response.text).count == 42)  // role + 40 tokens + finish
        #expect(status == 0, "\(cluster.logText)")
        let gone = Deadline.poll(seconds: 5) { workers.allSatisfy { !ProcessTable.isRunning($0) } }
        #expect(gone, "workers still running: \(workers.filter(ProcessTable.isRunning))")
    }

    @Test("SIGTERM stops the supervisor and every worker within seconds, even with a long stream in flight")
    func termStopsTheCluster() throws {
        let cluster = try Cluster(workers: 2)
        let workers = cluster.workerPIDs
        defer { ProcessTable.killLeftovers(workers) }
        let client = try cluster.router.connect()
        // A stream that would run for a minute: TERM must not wait for it.
        try client.send(RawHTTPClient.request(
            "POST", "/v1/chat/completions",
            body: RequestBody.chat(stream: true, mock: #"{"tokens":600,"token_delay_ms":100}"#)))
        try client.readUntil("\"content\":\"[a] ")

        cluster.supervisor.signal(SIGTERM)
        // The stream's connection must stay open until the cluster is gone (ARC may end `client` at its last use).
        let status = withExtendedLifetime(client) { cluster.supervisor.waitForExit(timeout: 10) }

        #expect(status != nil, "supervisor still running 10 s after SIGTERM")
        #expect(status == 0, "\(cluster.logText)")
        let gone = Deadline.poll(seconds: 5) { workers.allSatisfy { !ProcessTable.isRunning($0) } }
        #expect(gone, "workers still running: \(workers.filter(ProcessTable.isRunning))")
    }

    @Test("when the supervisor is SIGKILLed, every worker notices and exits: no orphans")
    func killedSupervisorLeavesNoOrphans() throws {
        let cluster = try Cluster(workers: 3)
        let workers = cluster.workerPIDs
        // If the workers outlive the test, they must not outlive the test run.
        defer { ProcessTable.killLeftovers(workers) }
        try #require(workers.count == 3, "children of the supervisor: \(workers)")
        // An idle kept-alive connection must not keep its worker alive either.
        let idle = try cluster.router.connect()
        try idle.send(RawHTTPClient.request("GET", "/health"))
        #expect(try idle.readResponse().status == 200)

        cluster.supervisor.signal(SIGKILL)

        let gone = withExtendedLifetime(idle) {
            Deadline.poll(seconds: 15) { workers.allSatisfy { !ProcessTable.isRunning($0) } }
        }
        #expect(gone, "workers still running 15 s after the supervisor died: \(workers.filter(ProcessTable.isRunning))")
    }

    @Test("a new connection after SIGQUIT is refused or answered, never left hanging")
    func connectionDuringDrainNeverHangs() throws {
        let cluster = try Cluster(workers: 2)
        let workers = cluster.workerPIDs
        defer { ProcessTable.killLeftovers(workers) }
        // Keep the cluster draining for ≈ 2 s with a stream in flight.
        let stream = try cluster.router.connect(timeout: 10)
        try stream.send(RawHTTPClient.request(
            "POST", "/v1/chat/completions",
            body: RequestBody.chat(stream: true, mock: #"{"tokens":40,"token_delay_ms":50}"#)))
        try stream.readUntil("\"content\":\"[a] ")

        cluster.supervisor.signal(SIGQUIT)
        var outcomes: [DrainProbe: Int] = [:]
        var hangs: [String] = []
        let window = Deadline(seconds: 1.5)
        while !window.hasPassed && cluster.supervisor.isRunning {
            let (outcome, detail) = DrainProbe.attempt(port: cluster.port)
            outcomes[outcome, default: 0] += 1
            if outcome == .hung { hangs.append(detail) }
            usleep(10_000)
        }
        let response = try stream.readResponse()
        let status = cluster.supervisor.waitForExit(timeout: 15)

        #expect(hangs.isEmpty, "outcomes \(outcomes); \(hangs.prefix(3))")
        #expect(outcomes.values.reduce(0, +) > 0)
        #expect(SSE.dataPayloads(response.text).last == "[DONE]")
        #expect(status == 0, "\(cluster.logText)")
    }
}

/// A models file made invalid in one way, for the rejected-reload test.
enum BrokenConfig: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// Not JSON at all.
    case syntax
    /// Valid JSON, but a model without providers.
    case noProviders
    /// The file was removed.
    case missing

    /// Replaces (or removes) `models.json` in `directory`.
    func apply(to directory: TemporaryDirectory) throws {
        switch self {
        case .syntax:
            try directory.write(#"{"group": {"chat-model": "#, to: "models.json")
        case .noProviders:
            try directory.write(#"{"group":{"chat-model":{"providers":[]}},"active_models":{"group":["chat-model"]}}"#, to: "models.json")
        case .missing:
            unlink(directory.file("models.json"))
        }
    }

    var testDescription: String { rawValue }
}

/// What happened to one new connection while the cluster drains.
enum DrainProbe: Hashable {
    /// connect(2) failed (ECONNREFUSED): nothing listens any more.
    case refused
    /// A complete response came back.
    case answered
    /// Accepted by the kernel, then closed or reset without a response (a closing listener resets its queue).
    case closed
    /// Neither an answer nor a close within the client timeout.
    case hung

    /// One `GET /health` on a new connection with a 3 s timeout.
    static func attempt(port: Int) -> (DrainProbe, String) {
        let client: RawHTTPClient
        do {
            client = try RawHTTPClient(port: port, timeout: 3)
        } catch {
            return (.refused, "\(error)")
        }
        do {
            try client.send(RawHTTPClient.request("GET", "/health"))
            _ = try client.readResponse()
            return (.answered, "")
        } catch {
            let detail = "\(error)"
            return (detail.contains("timed out") ? .hung : .closed, detail)
        }
    }
}

/// A `serve --workers N` cluster in front of one mock upstream (id `a`), model `chat-model`.
private struct Cluster {
    let mock: MockUpstream
    let router: RouterProcess

    init(workers: Int) throws {
        mock = try MockUpstream(id: "a")
        router = try RouterProcess(
            config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", String(workers)])
    }

    var port: Int { router.port }
    var supervisor: ManagedProcess { router.process }
    var logText: String { router.logText }

    /// The supervisor's running children.
    var workerPIDs: [Int32] { ProcessTable.workers(of: router.process.pid) }

    /// `GET /health` on a new connection.
    func probe() throws -> WorkerHealth { try WorkerHealth.probe(port: port) }

    /// Probes new connections until one answer satisfies `condition` (within 15 s) and returns it.
    func probe(until what: String, _ condition: (WorkerHealth) -> Bool) throws -> WorkerHealth {
        var found: WorkerHealth?
        var seen: Set<WorkerHealth> = []
        _ = try Deadline.poll(seconds: 15, interval: 0.01) {
            let answer = try probe()
            seen.insert(answer)
            if condition(answer) { found = answer }
            return found != nil
        }
        guard let found else { throw TestSupportError("no \(what) within 15 s; answers: \(seen)\n\(logText)") }
        return found
    }

    /// Probes new connections until every slot 1…`slots` has answered (within 15 s); returns every answer.
    func probeUntilEverySlotAnswers(slots: Int) throws -> [WorkerHealth] {
        var answers: [WorkerHealth] = []
        let complete = try Deadline.poll(seconds: 15, interval: 0.01) {
            answers.append(try probe())
            return Set(answers.map(\.id)) == Set(1...slots)
        }
        guard complete else { throw TestSupportError("not every slot answered within 15 s: \(Set(answers))") }
        return answers
    }

    /// Four keep-alive clients sending non-streamed chat completions (not started).
    func steadyLoad() -> LoadGenerator {
        LoadGenerator(port: port, clients: 4, request: RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
    }
}
