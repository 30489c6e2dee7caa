import SwitchyardCore

/// This worker's latest view of its model servers' loads (``ServerLoad``), per model and provider: written by the
/// metrics scraper or by the reader of the shared copy in Redis, read by the `real_time_metrics` strategy on the
/// request path (local memory only) and by `GET /admin/state`. One per worker, on its loop thread.
package final class ServerLoadBoard {
    /// The latest scrape of one provider.
    package struct Reading: Sendable, Equatable {
        /// The load; nil when the scrape failed (unreachable, an error status, not a metrics page).
        package var load: ServerLoad?
        /// When the scraper took it: wall clock, milliseconds since the Unix epoch (for its age in the operator view).
        package var scrapedAtMilliseconds: UInt64
        /// When this worker first saw this scrape: loop clock, nanoseconds (for staleness, immune to clock skew).
        package var receivedAt: UInt64
        /// How long after `receivedAt` it is still fresh (nanoseconds): its model's limit when it was recorded.
        package var staleAfter: UInt64
    }

    private var readings: [String: [String: Reading]] = [:]
    /// Bumped whenever a reading changes, so a strategy refreshes what it cached only then.
    package private(set) var generation: UInt64 = 1
    /// A reading older than this (loop nanoseconds since it was received) is stale: its server counts as average.
    /// The metrics service sets it per model (three of the model's scrape intervals and a scrape timeout).
    package var staleAfter: [String: UInt64] = [:]
    /// The limit of a model without its own in ``staleAfter``.
    package var defaultStaleAfter: UInt64 = 35_000_000_000

    /// An empty board.
    package init() {}

    /// Records the scrape of `provider` of `model` taken at `scrapedAtMilliseconds`, received at loop time `now`.
    /// The same scrape seen again (read back from Redis) changes nothing, so its age keeps counting.
    package func record(model: String, provider: String, load: ServerLoad?, scrapedAtMilliseconds: UInt64, now: UInt64) {
        if let existing = readings[model]?[provider], existing.scrapedAtMilliseconds == scrapedAtMilliseconds, existing.load == load { return }
        // An older scrape than the one held (a slow reply overtaken by a newer one) is ignored.
        if let existing = readings[model]?[provider], existing.scrapedAtMilliseconds > scrapedAtMilliseconds { return }
        readings[model, default: [:]][provider] = Reading(
            load: load, scrapedAtMilliseconds: scrapedAtMilliseconds, receivedAt: now, staleAfter: staleAfter[model] ?? defaultStaleAfter)
        generation &+= 1
    }

    /// The latest reading of `provider` of `model`, nil before the first.
    package func reading(model: String, provider: String) -> Reading? {
        readings[model]?[provider]
    }

    /// The load of the reading, when it is a successful scrape received less than its `staleAfter` before `now`.
    package func freshLoad(_ reading: Reading, now: UInt64) -> ServerLoad? {
        guard let load = reading.load, now &- reading.receivedAt <= reading.staleAfter || reading.receivedAt > now else { return nil }
        return load
    }

    /// Forgets models that are no longer configured (after a reload).
    package func retain(models: Set<String>) {
        let before = readings.count
        readings = readings.filter { models.contains($0.key) }
        if readings.count != before { generation &+= 1 }
    }
}
