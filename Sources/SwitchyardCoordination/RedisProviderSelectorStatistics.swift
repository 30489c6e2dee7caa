/// Counters of a ``RedisProviderSelector``, for metrics and tests.
package struct RedisProviderSelectorStatistics: Sendable, Equatable {
    /// Leases granted by the acquire script (shared state).
    package var sharedGrants = 0
    /// Acquisitions served by the local selector because Redis was not connected or a script call failed.
    package var localFallbacks = 0
    /// Script calls that failed (not connected, timed out, connection lost, error reply).
    package var scriptFailures = 0
    /// Renewal script calls sent (one per model with live holds per interval).
    package var renewals = 0
    /// Holds released at once because their grant arrived after the acquisition was cancelled.
    package var lateGrantsReleased = 0

    /// Acquisitions that waited in a model's cluster-wide queue.
    package var queued = 0
    /// Queued acquisitions granted by a hand-off.
    package var handOffs = 0
    /// Pump script calls sent when a rate limit was due to refill for a waiter.
    package var pumps = 0
    /// Queued acquisitions that gave up at the queue timeout.
    package var queueTimeouts = 0

    /// All zero.
    package init() {}
}
