import SwitchyardRedis

/// Elects one worker of the whole cluster for a job — the `/metrics` scraper of `real_time_metrics`
/// (`<prefix>rtm:scraper`), the health prober (`<prefix>health:prober`): a lease on a key holding the owner's id.
///
/// - Taking it: `SET <key> <owner> NX PX <ms>` — only when nobody holds it.
/// - Keeping it: its holder renews it every scrape interval with ``renewScript`` (compare-and-`PEXPIRE`, so a
///   holder that lost it — it expired, another took it — cannot extend someone else's lease); the lease lasts
///   about three intervals, so a holder that died (`kill -9`, a machine gone) is replaced within that.
/// - Leaving it: ``resign()`` deletes it only when it still names this owner (a graceful stop hands it over at once).
///
/// A call that fails on the wire (timeout, lost connection) changes nothing: a holder renews again at its next
/// step, a follower tries again. The key belongs to no model (no hash tag): each command touches only it.
package final class LeaseElection {
    /// Extends the lease when it still names the caller: `KEYS[1]` the lease, `ARGV[1]` the owner, `ARGV[2]` ms.
    package static let renewScript = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """)
    /// Deletes the lease when it still names the caller: `KEYS[1]` the lease, `ARGV[1]` the owner.
    package static let resignScript = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)

    /// The lease key, e.g. `<prefix>rtm:scraper`.
    package let key: String
    /// This worker's id in the lease (`<instance id>:<pid>`).
    package let owner: String
    /// Whether this worker held the lease at its last answered step.
    package private(set) var isLeader = false
    private let client: RedisClient

    /// An election through `client` for `owner`, on the lease `<prefix><name>` (`rtm:scraper` for the metrics
    /// scraper, `health:prober` for the health prober).
    package init(client: RedisClient, owner: String, name: String = "rtm:scraper") {
        self.client = client
        self.owner = owner
        key = client.keys.global(name)
        client.register(Self.renewScript)
        client.register(Self.resignScript)
    }

    /// Renews the lease (holder) or tries to take it (follower), for `leaseMilliseconds`; `completion` hears
    /// whether this worker holds it now (false also when Redis did not answer).
    package func step(leaseMilliseconds: Int, completion: @escaping (Bool) -> Void) {
        guard isLeader else { return take(leaseMilliseconds, completion) }
        client.evaluate(Self.renewScript, keys: [key], arguments: [owner, max(leaseMilliseconds, 1)]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(.integer(1)):
                completion(true)
            case .success:
                // Lost it (it expired, or another worker holds it): try to take it like any follower.
                self.isLeader = false
                self.take(leaseMilliseconds, completion)
            case .failure:
                completion(false)
            }
        }
    }

    private func take(_ leaseMilliseconds: Int, _ completion: @escaping (Bool) -> Void) {
        client.send(["SET", key, owner, "NX", "PX", max(leaseMilliseconds, 1)]) { [weak self] result in
            guard let self else { return }
            if case .success(.status(let status)) = result, status == "OK" { self.isLeader = true }
            completion(self.isLeader)
        }
    }

    /// Gives the lease up (when this worker holds it), so another worker takes over at its next step.
    package func resign() {
        guard isLeader else { return }
        isLeader = false
        client.evaluate(Self.resignScript, keys: [key], arguments: [owner]) { _ in }
    }
}
