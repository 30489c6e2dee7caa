/// How an attempt on a leased provider ended, reported on release; timings are nanoseconds on the loop clock.
package struct ProviderOutcome: Sendable, Equatable {
    /// What happened, as far as the provider's health and scores are concerned.
    package enum Kind: Sendable, Equatable {
        /// The provider answered with a response of its own (any status, see ``status``).
        case completed
        /// The provider could not be reached, timed out or broke mid-way.
        case failed
        /// The attempt was abandoned by us (client gone, another call won, drain): says nothing about the provider.
        case cancelled
    }

    package var kind: Kind
    /// The provider's HTTP status, 0 when it sent none.
    package var status: Int
    /// Time from the start of the attempt to the provider's first response byte; nil when none arrived.
    package var timeToFirstByte: UInt64?
    /// Time from the start of the attempt to its end.
    package var total: UInt64

    /// An outcome.
    package init(_ kind: Kind, status: Int = 0, timeToFirstByte: UInt64? = nil, total: UInt64 = 0) {
        self.kind = kind
        self.status = status
        self.timeToFirstByte = timeToFirstByte
        self.total = total
    }

    /// Whether the provider showed itself unhealthy (unreachable, timed out, 502/503): its circuit opens.
    package var isUnhealthy: Bool {
        kind == .failed || (kind == .completed && (status == 502 || status == 503))
    }

    /// Whether the provider showed itself healthy: an answer of its own below 500, other than 429.
    package var isHealthy: Bool {
        kind == .completed && status != 0 && status < 500 && status != 429
    }
}
