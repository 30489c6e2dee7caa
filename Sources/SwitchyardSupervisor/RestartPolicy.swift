import SwitchyardCore

/// How a worker process ended.
package enum WorkerExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    package var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal): return "signal \(signal)"
        }
    }
}

/// When to respawn a worker that died, as a pure value type (unit-tested without processes).
///
/// - Exit code 2 means "fatal configuration": never respawned (nginx does the same for its fatal code).
/// - Otherwise the slot is respawned after an exponential back-off (`baseDelay × 2^(n-1)`, capped at `maxDelay`),
///   where `n` counts consecutive deaths of the slot; a worker that stayed up `stableAfter` seconds resets `n`.
/// - `crashLoopDeaths` deaths (of any slot) within `crashLoopWindow` seconds is a crash loop: stop the cluster.
package struct RestartPolicy: Sendable {
    /// What to do about one death.
    package enum Decision: Sendable, Equatable {
        case respawn(afterSeconds: Double)
        case doNotRespawn(reason: String)
        case stopCluster(reason: String)
    }

    package var baseDelay: Double
    package var maxDelay: Double
    package var stableAfter: Double
    package var crashLoopDeaths: Int
    package var crashLoopWindow: Double
    private var recentDeaths: [Double] = []
    private var consecutive: [Int: Int] = [:]

    package init(baseDelay: Double = 0.1, maxDelay: Double = 10, stableAfter: Double = 10, crashLoopDeaths: Int = 10, crashLoopWindow: Double = 30) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.stableAfter = stableAfter
        self.crashLoopDeaths = crashLoopDeaths
        self.crashLoopWindow = crashLoopWindow
    }

    /// Records that the worker in `slot` died after `uptime` seconds, at time `now` (seconds, monotonic).
    package mutating func workerDied(slot: Int, exit: WorkerExit, uptime: Double, now: Double) -> Decision {
        if exit == .exited(ProcessExitCode.fatalConfiguration) {
            return .doNotRespawn(reason: "worker exited with the fatal-configuration code \(ProcessExitCode.fatalConfiguration)")
        }
        recentDeaths.append(now)
        recentDeaths.removeAll { now - $0 > crashLoopWindow }
        if recentDeaths.count >= crashLoopDeaths {
            return .stopCluster(reason: "crash loop: \(recentDeaths.count) worker deaths within \(Int(crashLoopWindow)) s")
        }
        let count = uptime >= stableAfter ? 1 : consecutive[slot, default: 0] + 1
        consecutive[slot] = count
        var delay = baseDelay
        for _ in 1..<count where delay < maxDelay { delay *= 2 }
        return .respawn(afterSeconds: min(delay, maxDelay))
    }
}
