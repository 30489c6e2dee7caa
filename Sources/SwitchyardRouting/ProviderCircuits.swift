/// Passive health per provider: after a failure (connection refused, 502/503…) the provider's circuit opens for a
/// cool-down — 2 s, doubling with each consecutive failure up to 30 s — and selection skips it unless every
/// candidate is open. One success closes it. In-process state (the Redis coordinator shares it later).
package final class ProviderCircuits {
    private struct Entry {
        var openUntil: UInt64
        var consecutiveFailures: Int
    }

    package let baseCooldown: UInt64
    package let maxCooldown: UInt64
    private var entries: [String: Entry] = [:]

    /// Cool-downs in nanoseconds.
    package init(baseCooldown: UInt64 = 2_000_000_000, maxCooldown: UInt64 = 30_000_000_000) {
        self.baseCooldown = baseCooldown
        self.maxCooldown = maxCooldown
    }

    /// Whether no circuit has recorded a failure (the fast path skips all checks).
    package var isEmpty: Bool { entries.isEmpty }

    /// Whether `provider` should be skipped at time `now`.
    package func isOpen(_ provider: String, now: UInt64) -> Bool {
        guard let entry = entries[provider] else { return false }
        return now < entry.openUntil
    }

    /// A circuit's state, for health reports.
    package enum State: String, Sendable {
        /// No recent failure: traffic flows.
        case closed
        /// Failed recently: skipped until its cool-down ends.
        case open
        /// The cool-down ended after a failure: the next request (or probe) decides.
        case halfOpen = "half_open"
    }

    /// The state of `provider`'s circuit at `now`.
    package func state(_ provider: String, now: UInt64) -> State {
        guard let entry = entries[provider] else { return .closed }
        return now < entry.openUntil ? .open : .halfOpen
    }

    /// Records a failure: opens the circuit for the next cool-down.
    package func recordFailure(_ provider: String, now: UInt64) {
        var entry = entries[provider] ?? Entry(openUntil: 0, consecutiveFailures: 0)
        entry.consecutiveFailures += 1
        var cooldown = baseCooldown
        for _ in 1..<entry.consecutiveFailures where cooldown < maxCooldown { cooldown *= 2 }
        entry.openUntil = now &+ min(cooldown, maxCooldown)
        entries[provider] = entry
    }

    /// Records a success: closes the circuit and forgets past failures.
    package func recordSuccess(_ provider: String) {
        if !entries.isEmpty { entries.removeValue(forKey: provider) }
    }
}
