/// Decides whether this worker runs the active health probes, so that a cluster probes each provider once per
/// interval instead of once per worker. Asked at the start of every probe round.
package protocol ProbeElection: AnyObject {
    /// Whether this worker should probe in the round starting at `now` (loop-clock nanoseconds).
    func isProber(now: UInt64) -> Bool
}

/// One prober per instance without Redis: the worker with id 1 (every instance has one; a replacement worker
/// takes the same id). A cluster-wide election (a Redis lease) replaces it when Redis is configured.
package final class LocalProbeElection: ProbeElection {
    private let workerID: Int

    /// The election as seen by worker `workerID`.
    package init(workerID: Int) {
        self.workerID = workerID
    }

    package func isProber(now: UInt64) -> Bool { workerID == 1 }
}
