/// A per-minute rate limit as hosted APIs enforce it: a bucket of `limit` units that allows a burst of `limit` and
/// refills continuously at `limit`/60 per second. Kept as GCRA (the generic cell rate algorithm): one number, the
/// theoretical arrival time `tat`, instead of a level and a timestamp; `tat - now` is the part of the bucket in use.
/// A pure value: time is passed in (monotonic nanoseconds), so it is tested with a manual clock.
package struct RateBucket: Sendable, Equatable {
    /// Units per minute (the burst size too).
    package let limit: Int
    /// Nanoseconds one unit takes to refill.
    private let interval: Double
    /// Nanoseconds of refill the full bucket holds (60 s).
    private static let window: Double = 60_000_000_000
    /// The time at which the bucket would be full again; at or before `now` it is full.
    private var tat: Double = 0

    /// A full bucket of `limit` units per minute (`limit >= 1`).
    package init(perMinute limit: Int) {
        self.limit = max(limit, 1)
        self.interval = Self.window / Double(self.limit)
    }

    /// A request larger than the whole bucket is charged as a full bucket: it waits for a full bucket and empties
    /// it, instead of never fitting.
    private func charged(_ cost: Int) -> Double { Double(min(max(cost, 0), limit)) * interval }

    /// The earliest time at or after `now` at which `cost` units fit (`now` when they fit now).
    package func availableAt(cost: Int, now: UInt64) -> UInt64 {
        let current = Double(now)
        let after = max(tat, current) + charged(cost)
        let excess = after - current - Self.window
        return excess <= 0 ? now : now &+ UInt64(excess.rounded(.up))
    }

    /// Whether `cost` units fit at `now`.
    package func admits(cost: Int, now: UInt64) -> Bool { availableAt(cost: cost, now: now) == now }

    /// Takes `cost` units if they fit at `now`; returns whether it did.
    @discardableResult
    package mutating func take(cost: Int, now: UInt64) -> Bool {
        guard admits(cost: cost, now: now) else { return false }
        tat = max(tat, Double(now)) + charged(cost)
        return true
    }

    /// Corrects an earlier `take(cost: reserved)` once the real cost is known: charges the difference, or refunds it
    /// (never beyond a full bucket). A refund makes room at once; an extra charge may leave the bucket over-drawn,
    /// which then delays the next admissions as the real usage requires.
    package mutating func settle(reserved: Int, actual: Int, now: UInt64) {
        let difference = Double(max(actual, 0) - min(max(reserved, 0), limit)) * interval
        tat = max(tat + difference, Double(now))
    }

    /// Units free at `now` (rounded down).
    package func available(now: UInt64) -> Int {
        let used = max(tat - Double(now), 0)
        return max(0, Int(((Self.window - used) / interval).rounded(.down)))
    }
}
