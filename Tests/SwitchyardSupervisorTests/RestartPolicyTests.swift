import Testing
@testable import SwitchyardSupervisor

@Suite("Restart policy")
struct RestartPolicyTests {
    @Test("a worker that exits with the fatal-configuration code is never respawned")
    func fatalConfigurationIsNotRespawned() {
        var policy = RestartPolicy()
        let decision = policy.workerDied(slot: 1, exit: .exited(2), uptime: 0.1, now: 100)
        guard case .doNotRespawn = decision else {
            Issue.record("expected doNotRespawn, got \(decision)")
            return
        }
    }

    @Test("consecutive quick deaths of one slot back off exponentially up to the cap")
    func backOffGrowsAndIsCapped() {
        var policy = RestartPolicy(baseDelay: 0.1, maxDelay: 1, stableAfter: 10, crashLoopDeaths: 100, crashLoopWindow: 30)
        var delays: [Double] = []
        for i in 0..<6 {
            if case .respawn(let delay) = policy.workerDied(slot: 1, exit: .signaled(9), uptime: 0.5, now: Double(i)) {
                delays.append(delay)
            }
        }
        #expect(delays.count == 6)
        #expect(delays[0] == 0.1)
        #expect(delays[1] == 0.2)
        #expect(delays[2] == 0.4)
        #expect(delays[3] == 0.8)
        #expect(delays[4] == 1)
        #expect(delays[5] == 1)
    }

    @Test("a worker that stayed up long enough restarts with the base delay again")
    func stableWorkerResetsBackOff() {
        var policy = RestartPolicy(baseDelay: 0.1, maxDelay: 10, stableAfter: 5, crashLoopDeaths: 100, crashLoopWindow: 30)
        _ = policy.workerDied(slot: 1, exit: .exited(1), uptime: 0.1, now: 0)
        _ = policy.workerDied(slot: 1, exit: .exited(1), uptime: 0.1, now: 1)
        let decision = policy.workerDied(slot: 1, exit: .exited(1), uptime: 60, now: 100)
        #expect(decision == .respawn(afterSeconds: 0.1))
    }

    @Test("back-off is tracked per slot")
    func slotsAreIndependent() {
        var policy = RestartPolicy(baseDelay: 0.1, maxDelay: 10, stableAfter: 5, crashLoopDeaths: 100, crashLoopWindow: 30)
        _ = policy.workerDied(slot: 1, exit: .exited(1), uptime: 0.1, now: 0)
        _ = policy.workerDied(slot: 1, exit: .exited(1), uptime: 0.1, now: 1)
        #expect(policy.workerDied(slot: 2, exit: .exited(1), uptime: 0.1, now: 2) == .respawn(afterSeconds: 0.1))
    }

    @Test("K deaths within T seconds stop the cluster, but the same deaths spread out do not")
    func crashLoopStopsTheCluster() {
        var policy = RestartPolicy(baseDelay: 0.1, maxDelay: 10, stableAfter: 5, crashLoopDeaths: 3, crashLoopWindow: 10)
        #expect(policy.workerDied(slot: 1, exit: .signaled(11), uptime: 0.1, now: 0) != .stopCluster(reason: ""))
        _ = policy.workerDied(slot: 2, exit: .signaled(11), uptime: 0.1, now: 1)
        guard case .stopCluster = policy.workerDied(slot: 3, exit: .signaled(11), uptime: 0.1, now: 2) else {
            Issue.record("three deaths in 2 s should be a crash loop")
            return
        }
        var spread = RestartPolicy(baseDelay: 0.1, maxDelay: 10, stableAfter: 5, crashLoopDeaths: 3, crashLoopWindow: 10)
        for t in [0.0, 20, 40, 60] {
            guard case .respawn = spread.workerDied(slot: 1, exit: .signaled(11), uptime: 20, now: t) else {
                Issue.record("deaths 20 s apart are not a crash loop")
                return
            }
        }
    }
}
