import Glibc
import SwitchyardCore
import SwitchyardRouting

/// What this worker knows about each provider's health, for `GET /health/{model}` and `GET /health/all`: healthy
/// or not, since when (wall clock), the last error, fed by every attempt's end and by the active probes. The
/// circuit state comes from the selector's ``ProviderCircuits`` when the report is made.
final class ProviderHealthBoard {
    struct Entry {
        var healthy = true
        /// Unix seconds of the last change between healthy and unhealthy (the worker's start at first).
        var since: Int
        var lastError: String?
        /// Unix seconds of the last observation, 0 = none yet.
        var lastChecked = 0
    }

    private(set) var entries: [String: Entry] = [:]
    /// Providers currently unhealthy: while none is, a successful attempt needs no bookkeeping (the hot path).
    private var unhealthyCount = 0
    private let started: Int
    private let wallClock: () -> Int

    init(wallClock: @escaping () -> Int = { time(nil) }) {
        self.wallClock = wallClock
        self.started = wallClock()
    }

    /// The entry of `provider` (healthy since the worker started when nothing was observed).
    func entry(_ provider: String) -> Entry {
        entries[provider] ?? Entry(since: started)
    }

    /// The provider answered as a healthy server would.
    func recordSuccess(_ provider: String) {
        let now = wallClock()
        var entry = self.entry(provider)
        if !entry.healthy {
            entry.since = now
            unhealthyCount -= 1
        }
        entry.healthy = true
        entry.lastChecked = now
        entries[provider] = entry
    }

    /// The provider failed (unreachable, timed out, 5xx) with `error`.
    func recordFailure(_ provider: String, error: String) {
        let now = wallClock()
        var entry = self.entry(provider)
        if entry.healthy {
            entry.since = now
            unhealthyCount += 1
        }
        entry.healthy = false
        entry.lastError = error
        entry.lastChecked = now
        entries[provider] = entry
    }

    /// Feeds an attempt's end label (``UpstreamCall``'s: `ok`, `status_N`, `connect`, `timeout`, …). Answers
    /// below 500 count as healthy, 5xx and transport failures as unhealthy; our own endings (cancelled, budget,
    /// abandoned) say nothing about the provider. Successes only matter to an unhealthy provider (`last_checked`
    /// is kept by probes and failures), so while every provider is healthy a success costs one comparison.
    func recordAttempt(_ provider: String, label: String) {
        if label == "ok" {
            if unhealthyCount > 0 { recordSuccess(provider) }
            return
        }
        if label.hasPrefix("status_"), let status = Int(label.dropFirst(7)) {
            if status >= 500 {
                recordFailure(provider, error: "answered \(status)")
            } else if status != 429, unhealthyCount > 0 {
                recordSuccess(provider)
            }
            return
        }
        switch label {
        case "connect", "timeout", "tls", "protocolError": recordFailure(provider, error: label == "connect" ? "unreachable" : label)
        default: break
        }
    }

    /// Forgets providers that are no longer configured.
    func retain(_ ids: Set<String>) {
        entries = entries.filter { ids.contains($0.key) }
        unhealthyCount = entries.values.filter { !$0.healthy }.count
    }
}
