import Glibc
import SwitchyardTestSupport
import Testing

/// The supervisor's restart policy with real processes: the fatal-configuration exit code is never respawned,
/// a slot left without a worker stops taking connections, and a crash loop stops the cluster with a clear message.
///
/// Workers run the configuration their generation validated, so an edited models file cannot make a respawn
/// fail; these tests make respawns fail by swapping the binary the supervisor starts workers from.
@Suite("The supervisor's restart policy", .timeLimit(.minutes(1)))
struct ClusterRestartPolicyTests {
    @Test("a worker that exits with the fatal-configuration code 2 is not respawned, and the cluster exits 2")
    func fatalConfigurationIsNotRespawned() throws {
        let mock = try MockUpstream(id: "a")
        let binary = try SwappableBinary()
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"], executable: binary.path)
        let supervisor = router.process.pid
        let first = try #require(ProcessTable.workers(of: supervisor).first)
        // The next worker to start exits 2.
        try binary.replace(withScript: "exit 2")
        kill(first, SIGKILL)

        let exitCode = router.process.waitForExit(timeout: 20)
        #expect(exitCode == 2)
        #expect(router.logText.contains("worker will not be restarted"))
        #expect(router.logText.contains("fatal-configuration code 2"))
        let respawns = router.logText.components(separatedBy: "worker started").count - 1
        #expect(respawns == 2, "one initial worker and one respawn that failed, then nothing: \(respawns)")
    }

    @Test("a slot left without a worker stops taking connections: the other worker serves all 20, and SIGHUP fills the slot again", arguments: LostWorker.allCases)
    func slotWithoutWorkerIsClosed(lost: LostWorker) throws {
        let mock = try MockUpstream(id: "a")
        let binary = try SwappableBinary()
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "2"], executable: binary.path)
        let victim = try WorkerHealth.probe(port: router.port)
        try lost.apply(to: binary)

        kill(victim.pid, SIGKILL)
        // Errors are written at once: wait for the line logged after the socket is closed.
        let given = Deadline.poll(seconds: 10) { router.logText.contains(lost.logLine) && router.logText.contains("listening socket closed") }
        let survey = ConnectionSurvey.run(port: router.port)

        #expect(given, "the supervisor never gave up on slot \(victim.id)\n\(router.logText)")
        #expect(survey.failures.isEmpty, "\(survey)\n\(router.logText)")
        #expect(survey.served.allSatisfy { $0.id != victim.id }, "\(survey)")
        #expect(router.process.isRunning)

        try binary.restore()
        router.process.signal(SIGHUP)
        let reloaded = Deadline.poll(seconds: 15) { router.logText.contains("reload complete") }
        #expect(reloaded, "\(router.logText)")
        var slots: Set<Int> = []
        let everySlot = try Deadline.poll(seconds: 15, interval: 0.01) {
            let answer = try WorkerHealth.probe(port: router.port)
            if answer.generation == 2 { slots.insert(answer.id) }
            return slots == [1, 2]
        }
        #expect(everySlot, "generation 2 answered from slots \(slots)\n\(router.logText)")
    }

    @Test("workers dying over and over stop the cluster as a crash loop")
    func crashLoopStopsTheCluster() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "2"])
        let supervisor = router.process.pid
        var killed = Set<Int32>()
        // Kill whatever worker is alive, alternating slots, until the supervisor gives up (10 deaths in 30 s).
        let stopped = Deadline.poll(seconds: 40, interval: 0.02) {
            for pid in ProcessTable.workers(of: supervisor) where !killed.contains(pid) {
                kill(pid, SIGKILL)
                killed.insert(pid)
            }
            return !router.process.isRunning
        }
        #expect(stopped)
        #expect(router.process.waitForExit(timeout: 10) == 1)
        #expect(router.logText.contains("stopping the cluster: crash loop"))
        #expect(killed.count >= 10)
        ProcessTable.killLeftovers(Array(killed))
    }
}

/// Why the replacement of a killed worker never serves, for the slot-closing test.
enum LostWorker: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The replacement starts and exits with the fatal-configuration code 2.
    case exitsFatally
    /// The replacement cannot be started at all (the binary is gone).
    case cannotStart

    /// Swaps `binary` so the next worker fails this way.
    func apply(to binary: SwappableBinary) throws {
        switch self {
        case .exitsFatally: try binary.replace(withScript: "exit 2")
        case .cannotStart: binary.remove()
        }
    }

    /// What the supervisor logs when it has given up on the slot.
    var logLine: String {
        switch self {
        case .exitsFatally: "worker will not be restarted"
        case .cannotStart: "cannot start a worker"
        }
    }

    var testDescription: String { rawValue }
}
