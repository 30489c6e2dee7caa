import SwitchyardCore

/// What a call asks a selector for: a provider of `model` or, once its providers are used up, of its
/// `fallback_model` chain; never one in `excluded`; before `deadline` (loop-clock nanoseconds).
package struct LeaseRequest {
    /// The model the client asked for.
    package var model: ModelConfig
    /// Provider ids already tried by this call.
    package var excluded: Set<String>
    /// Monotonic deadline for a grant that has to wait (queue, Redis round trip).
    package var deadline: UInt64
    /// For logs.
    package var requestID: String
    /// Place in a wait queue: waiters of a higher priority are served first, FIFO within one priority.
    package var priority: LeasePriority
    /// Estimated tokens the request needs: prompt estimate plus `max_tokens` (or the configured default), see
    /// ``TokenEstimate``. Providers whose `context_length` is smaller are not eligible, and it is the request's TPM
    /// reservation. 0 = not estimated (no provider has a window or TPM limit): no check, no reservation.
    package var tokens: Int

    /// A request for a lease.
    package init(model: ModelConfig, excluded: Set<String> = [], deadline: UInt64, requestID: String = "", priority: LeasePriority = .normal, tokens: Int = 0) {
        self.model = model
        self.excluded = excluded
        self.deadline = deadline
        self.requestID = requestID
        self.priority = priority
        self.tokens = tokens
    }
}

/// A request's place in its model's wait queue (the client's `x-priority: high | normal | low`).
package enum LeasePriority: Int, Sendable, Comparable {
    case high = 0
    case normal = 1
    case low = 2

    /// `high`, `normal` or `low` (any case); nil for anything else.
    package init?(header: String) {
        switch header.trimmingASCIIWhitespace().lowercased() {
        case "high": self = .high
        case "normal": self = .normal
        case "low": self = .low
        default: return nil
        }
    }

    package static func < (lhs: LeasePriority, rhs: LeasePriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Identifies a pending acquisition so it can be cancelled.
package struct LeaseTicket: Hashable, Sendable {
    package var raw: UInt64
    package init(raw: UInt64) { self.raw = raw }
}

/// The immediate answer to ``ProviderSelector/acquire(_:waiter:)``.
package enum LeaseAcquisition {
    /// Granted now (the in-memory path always answers synchronously).
    case granted(ProviderLease)
    /// No provider of the model or its fallback chain is eligible: the caller decides what to tell the client.
    case exhausted
    /// The answer comes later through the waiter (unless cancelled with the ticket first).
    case pending(LeaseTicket)
    /// Refused with an error for the client (e.g. the worker is draining and cannot wait).
    case refused(RouterError)
}

/// Receives the later answer of a pending acquisition, on the loop thread.
package protocol LeaseWaiter: AnyObject {
    /// The pending acquisition was granted.
    func leaseGranted(_ lease: ProviderLease)
    /// The pending acquisition ended without a lease (deadline, drain, exhausted); `nil` means exhausted.
    func leaseDenied(_ error: RouterError?)
}

/// Chooses providers for calls: a strategy, the fallback chain, provider circuits and (later) cluster-wide
/// state behind one lease interface. One per worker, used on its loop thread.
package protocol ProviderSelector: AnyObject {
    /// Asks for a lease; `waiter` hears about pending answers only.
    func acquire(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition
    /// Gives up a pending acquisition; its waiter hears nothing more. Unknown tickets are ignored.
    func cancel(_ ticket: LeaseTicket)
    /// Ends a lease. Idempotent and owner-exact: only the first release of a live token counts.
    func release(_ lease: ProviderLease, outcome: ProviderOutcome)
    /// Swaps in a new models configuration (new fallback chains and strategies); leases in flight stay valid.
    func reload(config: ModelsConfig)
    /// The worker is draining: pending acquisitions are refused now, and so is every later one that would wait.
    func drain()
    /// The provider asked for a pause (429, or 503 with `Retry-After`): no lease on it before `until` (loop-clock
    /// nanoseconds). A later, longer cool-down extends it; a shorter one does not shorten it.
    func coolDown(_ providerID: String, until: UInt64)
    /// The real token use of `lease`'s request is known (the response's `usage`): its TPM reservation
    /// (``ProviderLease/reservedTokens``) is corrected to it. Call before or after release, at most once.
    func settle(_ lease: ProviderLease, actualTokens: Int)
    /// Requests of this worker waiting in a queue for a provider now, by model name (models without any left out).
    var waitingRequests: [String: Int] { get }
}

extension ProviderSelector {
    /// Selectors without local admission state ignore cool-downs.
    package func coolDown(_ providerID: String, until: UInt64) {}
    /// Selectors without local admission state have nothing to settle.
    package func settle(_ lease: ProviderLease, actualTokens: Int) {}
}

/// What a selector implementation receives from the worker that builds it.
package struct SelectorContext {
    /// The loop clock (monotonic nanoseconds).
    package var now: () -> UInt64
    /// Worker id within its instance (for owner ids in shared state).
    package var workerID: Int
    /// Process id of the worker.
    package var pid: Int32
    /// Process-wide strategy name (`LLM_ROUTER_BALANCE_STRATEGY` / `--strategy`).
    package var defaultStrategy: String
    /// Whether the router can talk to a provider at all (an adapter exists for its `api_type`).
    package var isSupported: (ProviderConfig) -> Bool
    /// How long a request may wait in its model's queue when every provider is full (nanoseconds); 0 = never
    /// wait (answer `exhausted` at once). Waiting needs ``timers``.
    package var queueTimeout: UInt64 = 0
    /// Most requests waiting in one model's queue; one more is refused with 429 `queue_full`.
    package var queueLimit: Int = 1000
    /// Timers for waits; nil: the selector never waits.
    package var timers: SelectorTimers?
    /// Hears how each wait in a queue ended: model, outcome (`granted`, `timed_out`, `cancelled`), nanoseconds.
    package var onQueueWait: ((String, String, UInt64) -> Void)?
    /// The model servers' scraped loads, which `real_time_metrics` chooses from (filled by the metrics service).
    package var serverLoads = ServerLoadBoard()

    /// A context.
    package init(now: @escaping () -> UInt64, workerID: Int, pid: Int32, defaultStrategy: String, isSupported: @escaping (ProviderConfig) -> Bool) {
        self.now = now
        self.workerID = workerID
        self.pid = pid
        self.defaultStrategy = defaultStrategy
        self.isSupported = isSupported
    }

    /// The `Retry-After` seconds suggested to a client whose wait timed out or found the queue full: a twelfth of
    /// the queue timeout, 1 to 30 s (5 s for the default 60 s).
    package var queueRetryAfter: Int {
        let seconds = Double(queueTimeout) / 1e9 / 12
        return Int(min(max(seconds.rounded(.up), 1), 30))
    }
}

/// The worker loop's timers, as a selector sees them (closures keep this module free of the event loop).
package struct SelectorTimers {
    /// Runs the body once after the given nanoseconds; returns a function that cancels it (harmless after it ran).
    package var schedule: (UInt64, @escaping () -> Void) -> () -> Void
    /// Runs the body after the current loop iteration (never re-entrantly from inside a callback).
    package var soon: (@escaping () -> Void) -> Void

    /// Timers from two closures.
    package init(schedule: @escaping (UInt64, @escaping () -> Void) -> () -> Void, soon: @escaping (@escaping () -> Void) -> Void) {
        self.schedule = schedule
        self.soon = soon
    }
}
