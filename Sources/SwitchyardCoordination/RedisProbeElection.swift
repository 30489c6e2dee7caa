import SwitchyardRedis
import SwitchyardRouting

/// One health prober for the whole cluster: the worker holding the lease `<prefix>health:prober` (taken and kept
/// like the metrics scraper's, see ``LeaseElection``; it lasts three probe intervals, so a prober that died is
/// replaced within them). Each round's answer comes from the step of the round before (a round never waits for
/// Redis). While Redis cannot be reached, worker 1 of each instance probes (``LocalProbeElection``), so a provider
/// is never left unprobed.
package final class RedisProbeElection: ProbeElection {
    private let election: LeaseElection
    private let client: RedisClient
    private let leaseMilliseconds: Int
    private let fallback: LocalProbeElection

    /// An election through `client` for worker `workerID` (`owner` = `<instance id>:<pid>`), probing every
    /// `intervalSeconds`.
    package init(client: RedisClient, owner: String, workerID: Int, intervalSeconds: Double) {
        self.client = client
        election = LeaseElection(client: client, owner: owner, name: "health:prober")
        leaseMilliseconds = max(Int(intervalSeconds * 3000), 1)
        fallback = LocalProbeElection(workerID: workerID)
    }

    package func isProber(now: UInt64) -> Bool {
        guard client.isConnected else { return fallback.isProber(now: now) }
        let holds = election.isLeader
        election.step(leaseMilliseconds: leaseMilliseconds) { _ in }
        return holds
    }
}
