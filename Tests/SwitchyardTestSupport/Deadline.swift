import Foundation

/// A point in time after which a wait gives up, so that no test can hang CI.
package struct Deadline: Sendable {
    private let end: ContinuousClock.Instant

    /// A deadline `seconds` from now.
    package init(seconds: Double) {
        end = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    }

    /// Whether the deadline has passed.
    package var hasPassed: Bool { ContinuousClock.now >= end }

    /// Calls `condition` every `interval` seconds until it returns true (→ true) or `seconds` pass (→ false).
    package static func poll(seconds: Double, interval: Double = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Deadline(seconds: seconds)
        while true {
            if try condition() { return true }
            if deadline.hasPassed { return false }
            usleep(useconds_t(interval * 1_000_000))
        }
    }
}
