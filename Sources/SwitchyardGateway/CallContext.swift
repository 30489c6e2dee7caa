import SwitchyardCore
import SwitchyardIO
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
    /// Observes each attempt's end: provider id and outcome label (metrics).
    var onAttemptEnded: ((String, String) -> Void)?
    /// Calls in progress, reached by ``drain()``.
    private(set) var inFlight: [ObjectIdentifier: UpstreamCall] = [:]
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
    func runtime(for provider: ProviderConfig) -> ProviderRuntime {
        if let existing = runtimes[provider.id] { return existing }
        let made = ProviderRuntime(provider: provider)
        runtimes[provider.id] = made
        return made
    }

    /// Rebuilds the runtimes for `config`.
    func prepare(_ config: ModelsConfig) {
        var table: [String: ProviderRuntime] = [:]
        for provider in config.allProviders where table[provider.id] == nil {
            table[provider.id] = ProviderRuntime(provider: provider)
        }
        runtimes = table
    }

    func register(_ call: UpstreamCall) { inFlight[ObjectIdentifier(call)] = call }
    func unregister(_ call: UpstreamCall) { inFlight.removeValue(forKey: ObjectIdentifier(call)) }

    /// The worker is draining: every call still waiting for a provider is refused now, as is every later wait;
    /// calls already talking to a provider finish (or are cut when the drain deadline closes their clients).
    func drain() {
        draining = true
        selector.drain()
        for call in Array(inFlight.values) { call.drain() }
    }
}
