import SwitchyardCore

/// One provider's admission state on this worker: its rpm and tpm buckets, its in-flight count against
/// `max_concurrency`, and a cool-down a provider asked for (429/503 with `Retry-After`). A pure value: time is
/// passed in. The local selector keeps one per limited or cooled provider; a cluster (Redis) keeps the same rules
/// in its script.
package struct ProviderAdmission: Sendable, Equatable {
    package var requests: RateBucket?
    package var tokens: RateBucket?
    package var maxConcurrency: Int?
    package private(set) var inFlight = 0
    /// No grant before this time (monotonic nanoseconds); 0 = not cooling.
    package var coolUntil: UInt64 = 0

    /// Whether the provider has a limit of its own (rpm, tpm, max_concurrency), beyond a cool-down.
    package var hasLimits: Bool { requests != nil || tokens != nil || maxConcurrency != nil }

    /// The state for `provider`'s configured limits, all unused.
    package init(_ provider: ProviderConfig) {
        requests = provider.rpm.map { RateBucket(perMinute: $0) }
        tokens = provider.tpm.map { RateBucket(perMinute: $0) }
        maxConcurrency = provider.maxConcurrency
    }

    /// Takes over `previous`'s in-flight count and cool-down, and its buckets where the limit is the same.
    package mutating func carry(from previous: ProviderAdmission) {
        inFlight = previous.inFlight
        coolUntil = previous.coolUntil
        if let old = previous.requests, requests?.limit == old.limit { requests = old }
        if let old = previous.tokens, tokens?.limit == old.limit { tokens = old }
    }

    /// Why a request cannot be admitted now, and when it could be.
    package enum Verdict: Sendable, Equatable {
        /// Admitted now.
        case admitted
        /// Capacity returns at this time (a bucket refills or the cool-down ends), if nothing else changes.
        case retryAt(UInt64)
        /// At the concurrency cap: capacity returns on a release, not at a known time.
        case atConcurrency
    }

    /// Whether a request of `tokens` tokens (0 = not estimated) can be admitted at `now`.
    package func check(tokens cost: Int, now: UInt64) -> Verdict {
        if let maxConcurrency, inFlight >= maxConcurrency { return .atConcurrency }
        var at = coolUntil > now ? coolUntil : now
        if let requests { at = max(at, requests.availableAt(cost: 1, now: now)) }
        if let tokens, cost > 0 { at = max(at, tokens.availableAt(cost: cost, now: now)) }
        return at == now ? .admitted : .retryAt(at)
    }

    /// Admits a request: one request, `tokens` tokens, one in flight. Call after ``check(tokens:now:)`` said admitted.
    package mutating func admit(tokens cost: Int, now: UInt64) {
        requests?.take(cost: 1, now: now)
        if cost > 0 { tokens?.take(cost: cost, now: now) }
        inFlight += 1
    }

    /// A lease admitted here ended.
    package mutating func released() {
        if inFlight > 0 { inFlight -= 1 }
    }

    /// The real token use of a request that reserved `reserved` is known.
    package mutating func settle(reserved: Int, actual: Int, now: UInt64) {
        tokens?.settle(reserved: reserved, actual: actual, now: now)
    }
}
