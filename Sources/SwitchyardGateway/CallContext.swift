import SwitchyardCore
import SwitchyardIO
import SwitchyardProviders
import SwitchyardRouting

/// What every ``UpstreamCall`` of a worker shares: scheduler, upstream client, selector, provider runtimes,
/// logger, the request budget and the registry of calls in flight (for drain). One per worker.
final class CallContext {
    let scheduler: CallScheduler
    let upstream: UpstreamStarter
    let selector: ProviderSelector
    let logger: Logger
    /// Time from a complete request to the first byte of its answer, across every attempt and failover
    /// (`LLM_ROUTER_TIMEOUT`), in nanoseconds.
    let budget: UInt64
    /// Worker-wide cap on bytes held for clients, shared with the HTTP server's connection input.
    let memory: ByteBudget
    /// Prepared provider runtimes by id, replaced on reload.
    var runtimes: [String: ProviderRuntime] = [:]
    /// Watches calls and attempts (metrics).
    var observer: CallObserver?
    /// Per-provider health as seen by this worker's attempts (`GET /health/{model}`).
    var health: ProviderHealthBoard?
    /// Most attempts of one call across its fallback chain (`LLM_ROUTER_MAX_ATTEMPTS`).
    var maxAttempts = 4
    /// Reply tokens assumed for a request without `max_tokens` (`LLM_ROUTER_DEFAULT_MAX_TOKENS`).
    var defaultMaxTokens = 256
    /// Whether the configuration needs a token estimate per request (windows, TPM limits or prices exist).
    private(set) var estimatesTokens = false
    /// Calls in progress, reached by ``drain()``: an intrusive doubly linked list through the calls themselves
    /// (no hashing or allocation per request).
    private var firstCall: UpstreamCall?
    /// Number of calls in progress.
    private(set) var inFlightCount = 0
    private(set) var draining = false

    init(scheduler: CallScheduler, upstream: UpstreamStarter, selector: ProviderSelector, logger: Logger, budget: UInt64, memory: ByteBudget = ByteBudget(limit: 0)) {
        self.memory = memory
        self.scheduler = scheduler
        self.upstream = upstream
        self.selector = selector
        self.logger = logger
        self.budget = budget
    }

    /// The prepared runtime of `provider`. Ids are unique per configuration and the table is rebuilt on reload,
    /// so the id alone identifies it (a call that started before a reload may fail over to the new one).
    /// The runtime of the leased provider, kept on its handle after the first lookup.
    func runtime(for lease: ProviderLease) -> ProviderRuntime {
        if let attached = lease.handle.attachment { return unsafeDowncast(attached, to: ProviderRuntime.self) }
        let found = runtime(for: lease.provider)
        lease.handle.attachment = found
        return found
    }

    func runtime(for provider: ProviderConfig) -> ProviderRuntime {
        if let existing = runtimes[provider.id] { return existing }
        let made = ProviderRuntime(provider: provider)
        runtimes[provider.id] = made
        return made
    }

    /// Rebuilds the runtimes for `config`.
    func prepare(_ config: ModelsConfig) {
        estimatesTokens = config.usesTokenLimits
        var table: [String: ProviderRuntime] = [:]
        for provider in config.allProviders where table[provider.id] == nil {
            table[provider.id] = ProviderRuntime(provider: provider)
        }
        runtimes = table
    }

    /// Calls in progress, oldest last.
    var inFlight: [UpstreamCall] {
        var result: [UpstreamCall] = []
        var cursor = firstCall
        while let call = cursor {
            result.append(call)
            cursor = call.nextInFlight
        }
        return result
    }

    func register(_ call: UpstreamCall) {
        call.nextInFlight = firstCall
        firstCall?.previousInFlight = call
        firstCall = call
        inFlightCount += 1
        observer?.callsInFlight(1)
    }

    func unregister(_ call: UpstreamCall) {
        let next = call.nextInFlight
        if let previous = call.previousInFlight {
            previous.nextInFlight = next
        } else if firstCall === call {
            firstCall = next
        } else {
            return  // not registered
        }
        next?.previousInFlight = call.previousInFlight
        call.nextInFlight = nil
        call.previousInFlight = nil
        inFlightCount -= 1
        observer?.callsInFlight(-1)
    }

    /// The worker is draining: every call still waiting for a provider is refused now, as is every later wait;
    /// calls already talking to a provider finish (or are cut when the drain deadline closes their clients).
    func drain() {
        draining = true
        // The selector refuses the waits; a call waiting only for a Redis round trip, and every other, runs on.
        selector.drain()
    }
}
