import SwitchyardCore

/// The in-memory selector: the strategy's choice within one worker, the `fallback_model` chain, and passive
/// provider circuits (providers that just failed are skipped unless every remaining one has failed). Grants
/// synchronously and allocates nothing per request once its tables have grown.
package final class LocalProviderSelector: ProviderSelector {
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
        strategies[name] = made
        return made
    }

    package func acquire(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition {
        var model = request.model
        var position = 0
        while true {
            if let provider = pick(from: model, excluding: request.excluded) {
                let token = nextToken
                nextToken &+= 1
                live.insert(token)
                let handle = handle(for: provider, of: model)
                usage.granted(handle)
                return .granted(ProviderLease(handle: handle, token: token, chainPosition: position))
            }
            // The chain is bounded by the number of models, so a cycle in `fallback_model` cannot loop forever.
            guard let name = model.fallbackModel, position < config.models.count, let next = config.model(named: name) else {
                return .exhausted
            }
            position += 1
            model = next
        }
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

    package func cancel(_ ticket: LeaseTicket) {}

    package func release(_ lease: ProviderLease, outcome: ProviderOutcome) {
        guard live.remove(lease.token) != nil else { return }
        usage.released(lease.handle)
        if outcome.isUnhealthy {
            circuits.recordFailure(lease.provider.id, now: context.now())
        } else if outcome.isHealthy {
            circuits.recordSuccess(lease.provider.id)
        }
        strategy(for: lease.model).release(lease.provider, of: lease.model, outcome: outcome)
    }

    package func reload(config: ModelsConfig) {
        self.config = config
        handles = Self.makeHandles(config)
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

    /// Nothing waits here (every answer is synchronous), so there is nothing to refuse.
    package func drain() {}
}
