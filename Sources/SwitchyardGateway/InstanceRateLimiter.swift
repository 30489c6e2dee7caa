import SwitchyardIO
import Synchronization

/// Client-key rate limits for one instance: the generic cell rate algorithm (GCRA) on one word per key in the
/// instance's ``SharedCounters`` (a global word, not a worker's cell), updated with compare-and-swap, so every
/// worker enforces the same budget without locks or system calls beyond reading the clock.
///
/// The word holds the key's theoretical arrival time (TAT, `CLOCK_MONOTONIC` nanoseconds, one clock for every
/// process of the machine). With `rpm` requests per minute the emission interval is T = 60 s / rpm and the burst
/// tolerance τ = 60 s − T: a key may send `rpm` requests at once, then one every T; a request that would push the
/// TAT more than τ ahead of now is refused, with the time until it would fit as `Retry-After`.
final class InstanceRateLimiter: ClientRateLimiter {
    private static let family: UInt8 = 200
    private static let minute: UInt64 = 60_000_000_000
    private let region: SharedCounters
    private let clock: () -> UInt64
    private var words: [String: Int] = [:]

    /// Limits counted in `region`, timed by `clock` (monotonic nanoseconds).
    init(region: SharedCounters, clock: @escaping () -> UInt64 = MonotonicClock.now) {
        self.region = region
        self.clock = clock
    }

    func admit(keyID: String, rpm: Int) -> RateDecision {
        guard rpm > 0 else { return .admitted }
        let offset: Int
        if let known = words[keyID] {
            offset = known
        } else if let made = region.series(family: Self.family, labels: Array(keyID.utf8), kind: .global, words: 1) {
            words[keyID] = made
            offset = made
        } else {
            return .admitted  // no room for another key's state: fail open rather than refuse every request
        }
        let word = region.globalWord(offset)
        let interval = Self.minute / UInt64(rpm)
        let tolerance = Self.minute - interval
        let now = clock()
        var old = word.pointee.load(ordering: .relaxed)
        while true {
            let tat = max(old, now)
            if tat - now > tolerance {
                let wait = tat - tolerance - now
                return .limited(retryAfter: max(1, Int((wait + 999_999_999) / 1_000_000_000)))
            }
            let (exchanged, current) = word.pointee.compareExchange(expected: old, desired: tat + interval, ordering: .relaxed)
            if exchanged { return .admitted }
            old = current
        }
    }
}
