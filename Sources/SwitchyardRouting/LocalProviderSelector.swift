import SwitchyardCore

/// The in-memory selector: the strategy's choice within one worker, the `fallback_model` chain, and passive
/// provider circuits (providers that just failed are skipped unless every remaining one has failed). Grants
/// synchronously and allocates nothing per request once its tables have grown.
///
/// **Waiting.** When every eligible provider of a request's chain is full (a strategy with slots, such as
/// `first_available`) and the context allows waiting (``SelectorContext/queueTimeout`` and timers), the request
/// waits in this worker's queue — by priority, then first come first served — and each release hands the freed
/// capacity to the first waiter it suits. The grant reaches the waiter after the current loop iteration; a wait
/// ends with 503 `queue_timeout` (with `Retry-After`) after the queue timeout, and a cancelled wait leaves the
/// queue at once. This queue is per worker: the Redis selector keeps the cluster-wide one and uses this one only
/// while Redis cannot be reached.
package final class LocalProviderSelector: ProviderSelector {
    /// A request waiting for capacity.
    private final class Waiting {
        let ticket: UInt64
        let request: LeaseRequest
        let waiter: LeaseWaiter
        var cancelTimer: (() -> Void)?
        /// Cancelled after its grant was made but before it was delivered: the grant is released instead.
        var cancelled = false

        init(ticket: UInt64, request: LeaseRequest, waiter: LeaseWaiter) {
            self.ticket = ticket
            self.request = request
            self.waiter = waiter
        }
    }

    private let context: SelectorContext
    private var config: ModelsConfig
    private var strategies: [String: ProviderStrategy] = [:]
    /// Passive health per provider id, fed by every release.
    package let circuits: ProviderCircuits
    /// This worker's lease counts per model and provider (also fed by a wrapping Redis selector's shared grants).
    package let usage = ProviderUsage()
    private var live: Set<UInt64> = []
    /// One handle per provider id, rebuilt on reload; leases refer to these.
    private var handles: [String: ProviderHandle] = [:]
    private var nextToken: UInt64 = 1
    /// Requests waiting for capacity, by priority then arrival.
    private var queue: [Waiting] = []
    /// Granted waiters whose grant is still being delivered (after the current loop iteration).
    private var delivering: [UInt64: Waiting] = [:]
    private var nextTicket: UInt64 = 1
    private var draining = false

    /// A selector over `config`. Strategy names without an implementation use ``StrategyCatalog/fallback``.
    package init(context: SelectorContext, config: ModelsConfig, circuits: ProviderCircuits = ProviderCircuits()) {
        self.context = context
        self.config = config
        self.circuits = circuits
        self.handles = Self.makeHandles(config)
    }

    private static func makeHandles(_ config: ModelsConfig) -> [String: ProviderHandle] {
        var table: [String: ProviderHandle] = [:]
        for model in config.models {
            for provider in model.providers where table[provider.id] == nil {
                table[provider.id] = ProviderHandle(provider: provider, model: model)
            }
        }
        return table
    }

    /// The prepared handle of `provider` in `model`; a model from an older configuration (a call that started
    /// before a reload) gets a fresh one. Selectors that wrap this one (Redis) grant leases on the same handles.
    package func handle(for provider: ProviderConfig, of model: ModelConfig) -> ProviderHandle {
        if let prepared = handles[provider.id], prepared.model.name == model.name { return prepared }
        return ProviderHandle(provider: provider, model: model)
    }

    /// Strategy names in use by `config` (or by default) that this build does not implement; they use
    /// ``StrategyCatalog/fallback``.
    package static func unimplementedStrategies(in config: ModelsConfig, defaultStrategy: String) -> [String] {
        var names = Set(config.models.compactMap(\.strategy))
        names.insert(defaultStrategy)
        return names.filter { !StrategyCatalog.implemented.contains($0) }.sorted()
    }

    /// Number of leases granted and not yet released.
    package var liveLeases: Int { live.count }

    /// The strategy of models without their own `strategy` (looked up once, not hashed per request).
    private lazy var defaultStrategy: ProviderStrategy = strategy(named: context.defaultStrategy)

    private func strategy(for model: ModelConfig) -> ProviderStrategy {
        guard let name = model.strategy else { return defaultStrategy }
        return strategy(named: name)
    }

    private func strategy(named name: String) -> ProviderStrategy {
        if let existing = strategies[name] { return existing }
        let made = StrategyCatalog.make(name, context: context)
        // Corrected between scrapes by this worker's leases.
        (made as? RealTimeMetricsStrategy)?.usage = usage
        strategies[name] = made
        return made
    }

    package func acquire(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition {
        if let lease = grant(request) { return .granted(lease) }
        guard context.queueTimeout > 0, let timers = context.timers, canWait(request) else { return .exhausted }
        if draining { return .refused(.serviceUnavailable("The router is shutting down; retry the request.")) }
        guard waitingCount(request.model.name) < context.queueLimit else {
            return .refused(.queueFull(model: request.model.name, limit: context.queueLimit, retryAfter: context.queueRetryAfter))
        }
        let entry = Waiting(ticket: nextTicket, request: request, waiter: waiter)
        nextTicket &+= 1
        // By priority, first come first served within one.
        let position = queue.lastIndex { $0.request.priority <= request.priority }.map { $0 + 1 } ?? 0
        queue.insert(entry, at: position)
        let ticket = entry.ticket
        entry.cancelTimer = timers.schedule(context.queueTimeout) { [weak self] in self?.waitExpired(ticket) }
        return .pending(LeaseTicket(raw: ticket))
    }

    /// A lease for `request` now (the model, then its fallback chain), or nil when every provider is taken.
    private func grant(_ request: LeaseRequest) -> ProviderLease? {
        var model = request.model
        var position = 0
        while true {
            if let provider = pick(from: model, excluding: request.excluded) {
                let token = nextToken
                nextToken &+= 1
                live.insert(token)
                let handle = handle(for: provider, of: model)
                usage.granted(handle)
                return ProviderLease(handle: handle, token: token, chainPosition: position)
            }
            // The chain is bounded by the number of models, so a cycle in `fallback_model` cannot loop forever.
            guard let name = model.fallbackModel, position < config.models.count, let next = config.model(named: name) else {
                return nil
            }
            position += 1
            model = next
        }
    }

    /// Whether `request` would get a provider once capacity frees up: some model of its chain has a strategy with
    /// slots and an eligible provider (otherwise waiting cannot help).
    private func canWait(_ request: LeaseRequest) -> Bool {
        var model = request.model
        var position = 0
        while true {
            if strategy(for: model).limitsCapacity,
               model.providers.contains(where: { context.isSupported($0) && !request.excluded.contains($0.id) }) {
                return true
            }
            guard let name = model.fallbackModel, position < config.models.count, let next = config.model(named: name) else { return false }
            position += 1
            model = next
        }
    }

    /// Requests waiting for `model`.
    package func waitingCount(_ model: String) -> Int {
        var count = 0
        for entry in queue where entry.request.model.name == model { count += 1 }
        return count
    }

    /// Requests waiting in this worker's queue, all models.
    package var waitingTotal: Int { queue.count }

    /// Hands freed capacity to the first waiter it suits (one grant per call: one release frees one slot).
    private func serveWaiting() {
        guard !queue.isEmpty, let timers = context.timers else { return }
        for index in queue.indices {
            let entry = queue[index]
            // The model as configured now (a reload may have changed its providers or slots).
            var request = entry.request
            if let current = config.model(named: request.model.name) { request.model = current }
            guard let lease = grant(request) else { continue }
            queue.remove(at: index)
            entry.cancelTimer?()
            entry.cancelTimer = nil
            delivering[entry.ticket] = entry
            // Delivered after this iteration: the release that freed the slot is still running in a caller.
            timers.soon { [weak self] in
                guard let self else { return }
                self.delivering[entry.ticket] = nil
                if entry.cancelled {
                    self.release(lease, outcome: ProviderOutcome(.cancelled))
                } else {
                    entry.waiter.leaseGranted(lease)
                }
            }
            return
        }
    }

    private func waitExpired(_ ticket: UInt64) {
        guard let index = queue.firstIndex(where: { $0.ticket == ticket }) else { return }
        let entry = queue.remove(at: index)
        entry.cancelTimer = nil
        let seconds = Double(context.queueTimeout) / 1e9
        entry.waiter.leaseDenied(.queueTimeout(model: entry.request.model.name, seconds: seconds, retryAfter: context.queueRetryAfter))
    }

    /// The strategy's choice among eligible providers of `model`, preferring those whose circuit is closed.
    private func pick(from model: ModelConfig, excluding excluded: Set<String>) -> ProviderConfig? {
        let strategy = strategy(for: model)
        let supported = context.isSupported
        if !circuits.isEmpty {
            let now = context.now()
            if let chosen = strategy.select(for: model, where: { provider in
                supported(provider) && !excluded.contains(provider.id) && !circuits.isOpen(provider.id, now: now)
            }) { return chosen }
        }
        if excluded.isEmpty {
            return strategy.select(for: model, where: { supported($0) })
        }
        return strategy.select(for: model, where: { supported($0) && !excluded.contains($0.id) })
    }

    package func cancel(_ ticket: LeaseTicket) {
        if let entry = delivering[ticket.raw] {
            entry.cancelled = true
            return
        }
        guard let index = queue.firstIndex(where: { $0.ticket == ticket.raw }) else { return }
        let entry = queue.remove(at: index)
        entry.cancelTimer?()
        entry.cancelTimer = nil
    }

    package func release(_ lease: ProviderLease, outcome: ProviderOutcome) {
        guard live.remove(lease.token) != nil else { return }
        usage.released(lease.handle)
        if outcome.isUnhealthy {
            circuits.recordFailure(lease.provider.id, now: context.now())
        } else if outcome.isHealthy {
            circuits.recordSuccess(lease.provider.id)
        }
        strategy(for: lease.model).release(lease.provider, of: lease.model, outcome: outcome)
        serveWaiting()
    }

    package func reload(config: ModelsConfig) {
        self.config = config
        handles = Self.makeHandles(config)
        // More slots, or other providers, may suit the waiters now.
        for _ in queue.indices { serveWaiting() }
    }

    /// The state of every configured model and provider, in configuration order, as this worker sees it: lease
    /// counts from ``usage``, the strategy's latency score (`dynamic_weighted`) and slot use (`first_available`,
    /// counted as this worker's leases on the provider), and circuits. For the operator view; allocates freely.
    package func snapshot() -> [ModelStateSnapshot] {
        let now = context.now()
        return config.models.map { model in
            let strategy = strategy(for: model)
            let dynamic = strategy as? DynamicWeightedStrategy
            let slotted = strategy is FirstAvailableStrategy
            return ModelStateSnapshot(name: model.name, strategy: strategy.name, providers: model.providers.map { provider in
                let inFlight = usage.inFlight(provider.id, of: model.name)
                return ProviderStateSnapshot(
                    id: provider.id, inFlight: inFlight, selections: usage.selections(provider.id, of: model.name),
                    latencyScore: dynamic?.score(provider.id, of: model.name), slotsHeld: slotted ? inFlight : nil,
                    slots: max(provider.nworkers, 1), circuitOpen: circuits.isOpen(provider.id, now: now))
            })
        }
    }

    /// Waiting requests are refused now, and so is every later one that would wait.
    package func drain() {
        draining = true
        let refused = queue
        queue.removeAll()
        for entry in refused {
            entry.cancelTimer?()
            entry.cancelTimer = nil
            entry.waiter.leaseDenied(.serviceUnavailable("The router is shutting down; retry the request."))
        }
    }
}
