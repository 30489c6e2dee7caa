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
        /// When it began to wait (loop clock).
        var since: UInt64 = 0
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
    /// Admission state (rpm, tpm, max_concurrency, cool-down) of the providers that have any, by id; empty when no
    /// provider is limited or cooling, which keeps selection on its fast path.
    private var admissions: [String: ProviderAdmission] = [:]
    /// When the latest cool-down held by an admission that exists only for it (a provider without limits) ends:
    /// then such admissions are dropped, so that one 429 does not keep every later request off the path without
    /// admissions for the worker's lifetime. 0: none.
    private var coolOnlyUntil: UInt64 = 0
    /// Requests waiting for capacity, by priority then arrival.
    private var queue: [Waiting] = []
    /// Granted waiters whose grant is still being delivered (after the current loop iteration).
    private var delivering: [UInt64: Waiting] = [:]
    private var nextTicket: UInt64 = 1
    private var draining = false
    /// The timer that wakes the queue when a rate limit refills (see ``scheduleRefillWake()``), and when it fires.
    private var cancelRefill: (() -> Void)?
    private var refillAt = UInt64.max

    /// A selector over `config`. Strategy names without an implementation use ``StrategyCatalog/fallback``.
    package init(context: SelectorContext, config: ModelsConfig, circuits: ProviderCircuits = ProviderCircuits()) {
        self.context = context
        self.config = config
        self.circuits = circuits
        self.handles = Self.makeHandles(config)
        self.admissions = Self.makeAdmissions(config, carrying: [:])
    }

    /// Admission state for every limited provider of `config`; a provider already known keeps its in-flight count,
    /// its cool-down, and its buckets when their limits did not change.
    private static func makeAdmissions(_ config: ModelsConfig, carrying old: [String: ProviderAdmission]) -> [String: ProviderAdmission] {
        var table: [String: ProviderAdmission] = [:]
        for provider in config.allProviders where table[provider.id] == nil {
            let previous = old[provider.id]
            guard provider.hasRateLimits || previous != nil else { continue }
            var fresh = ProviderAdmission(provider)
            if let previous { fresh.carry(from: previous) }
            table[provider.id] = fresh
        }
        return table
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

    /// The weights `model`'s own strategy draws by, per provider in configuration order (0 where `eligible` says
    /// no), when it is a weighted draw (`real_time_metrics`); nil for a uniform one or when none is eligible.
    package func drawWeights(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> [Double]? {
        (strategy(for: model) as? RealTimeMetricsStrategy)?.weights(for: model, where: eligible)
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
        if request.tokens > 0, request.excluded.isEmpty, let refusal = ContextWindow.refusal(tokens: request.tokens, model: request.model, config: config) {
            return .refused(refusal)
        }
        if let lease = grant(request) { return .granted(lease) }
        guard context.queueTimeout > 0, let timers = context.timers, canWait(request) else { return .exhausted }
        if draining { return .refused(.serviceUnavailable("The router is shutting down; retry the request.")) }
        guard waitingCount(request.model.name) < context.queueLimit else {
            return .refused(.queueFull(model: request.model.name, limit: context.queueLimit, retryAfter: context.queueRetryAfter))
        }
        let entry = Waiting(ticket: nextTicket, request: request, waiter: waiter)
        entry.since = context.now()
        nextTicket &+= 1
        // By priority, first come first served within one.
        let position = queue.lastIndex { $0.request.priority <= request.priority }.map { $0 + 1 } ?? 0
        queue.insert(entry, at: position)
        let ticket = entry.ticket
        entry.cancelTimer = timers.schedule(context.queueTimeout) { [weak self] in self?.waitExpired(ticket) }
        scheduleRefillWake()
        return .pending(LeaseTicket(raw: ticket))
    }

    /// Wakes the queue when a rate limit (rpm, tpm) or a cool-down lets a waiter in: at the earliest such time any
    /// waiter could be admitted, computed from the buckets, not polled. Releases wake it by themselves.
    private func scheduleRefillWake() {
        guard let timers = context.timers, !queue.isEmpty, !admissions.isEmpty else { return }
        var earliest = UInt64.max
        for entry in queue {
            if let time = nextCapacity(for: entry.request), time < earliest { earliest = time }
        }
        guard earliest != .max, earliest < refillAt else { return }
        cancelRefill?()
        refillAt = earliest
        let now = context.now()
        // At least a millisecond: a waiter that would be admitted "now" but was not (another rule) must not spin.
        let delay = max(earliest > now ? earliest - now : 0, 1_000_000)
        cancelRefill = timers.schedule(delay) { [weak self] in
            guard let self else { return }
            self.cancelRefill = nil
            self.refillAt = .max
            while self.serveWaiting() {}
            self.scheduleRefillWake()
        }
    }

    /// A lease for `request` now (the model, then its fallback chain), or nil when every provider is taken.
    private func grant(_ request: LeaseRequest) -> ProviderLease? {
        var model = request.model
        var position = 0
        while true {
            if let provider = pick(from: model, request) {
                let token = nextToken
                nextToken &+= 1
                live.insert(token)
                let handle = handle(for: provider, of: model)
                usage.granted(handle)
                var lease = ProviderLease(handle: handle, token: token, chainPosition: position)
                // One lookup: the optional chain admits and says whether the provider has limits at all.
                if !admissions.isEmpty, admissions[provider.id]?.admit(tokens: request.tokens, now: context.now()) != nil {
                    lease.admitted = true
                    lease.reservedTokens = request.tokens
                }
                return lease
            }
            // The chain is bounded by the number of models, so a cycle in `fallback_model` cannot loop forever.
            guard let name = model.fallbackModel, position < config.models.count, let next = config.model(named: name) else {
                return nil
            }
            position += 1
            model = next
        }
    }

    /// Whether `request` would get a provider once capacity frees up: some model of its chain has an eligible
    /// provider under a strategy with slots, or one with limits (rpm, tpm, max_concurrency, a cool-down) that a
    /// release or a refill lifts; otherwise waiting cannot help.
    private func canWait(_ request: LeaseRequest) -> Bool {
        var model = request.model
        var position = 0
        while true {
            let slotted = strategy(for: model).limitsCapacity
            if model.providers.contains(where: {
                context.isSupported($0) && !request.excluded.contains($0.id) && ContextWindow.fits(request.tokens, $0) && (slotted || admissions[$0.id] != nil)
            }) {
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

    package var waitingRequests: [String: Int] {
        var counts: [String: Int] = [:]
        for entry in queue { counts[entry.request.model.name, default: 0] += 1 }
        return counts
    }

    /// Hands freed capacity to the first waiter it suits (one grant per call: one release frees one slot); true when
    /// a waiter was served.
    @discardableResult
    private func serveWaiting() -> Bool {
        guard !queue.isEmpty, let timers = context.timers else { return false }
        for index in queue.indices {
            let entry = queue[index]
            // The model as configured now (a reload may have changed its providers or slots).
            var request = entry.request
            if let current = config.model(named: request.model.name) { request.model = current }
            guard let lease = grant(request) else { continue }
            queue.remove(at: index)
            entry.cancelTimer?()
            entry.cancelTimer = nil
            waitEnded(entry, "granted")
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
            return true
        }
        return false
    }

    private func waitExpired(_ ticket: UInt64) {
        guard let index = queue.firstIndex(where: { $0.ticket == ticket }) else { return }
        let entry = queue.remove(at: index)
        entry.cancelTimer = nil
        waitEnded(entry, "timed_out")
        let seconds = Double(context.queueTimeout) / 1e9
        entry.waiter.leaseDenied(.queueTimeout(model: entry.request.model.name, seconds: seconds, retryAfter: context.queueRetryAfter))
    }

    /// The strategy's choice among eligible providers of `model`, preferring those whose circuit is closed.
    /// Eligible: supported, not excluded, large enough a context window and (when limited) admitted now.
    private func pick(from model: ModelConfig, _ request: LeaseRequest) -> ProviderConfig? {
        let excluded = request.excluded
        let strategy = strategy(for: model)
        let supported = context.isSupported
        if request.tokens > 0 || !admissions.isEmpty {
            // Limits and windows are hard: unlike open circuits, they are never overridden when nothing else is left.
            let now = context.now()
            if coolOnlyUntil != 0 && now >= coolOnlyUntil { dropEndedCoolDowns(now: now) }
            let tokens = request.tokens
            let admits: (ProviderConfig) -> Bool = { provider in
                supported(provider) && !excluded.contains(provider.id) && ContextWindow.fits(tokens, provider)
                    && (self.admissions[provider.id]?.check(tokens: tokens, now: now) ?? .admitted) == .admitted
            }
            if !circuits.isEmpty, let chosen = strategy.select(for: model, where: { admits($0) && !self.circuits.isOpen($0.id, now: now) }) {
                return chosen
            }
            return strategy.select(for: model, where: admits)
        }
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
        waitEnded(entry, "cancelled")
    }

    private func waitEnded(_ entry: Waiting, _ outcome: String) {
        guard let report = context.onQueueWait else { return }
        let now = context.now()
        report(entry.request.model.name, outcome, now > entry.since ? now - entry.since : 0)
    }

    package func release(_ lease: ProviderLease, outcome: ProviderOutcome) {
        guard live.remove(lease.token) != nil else { return }
        usage.released(lease.handle)
        if lease.admitted { admissions[lease.providerID]?.released() }
        if outcome.isUnhealthy {
            circuits.recordFailure(lease.providerID, now: context.now())
        } else if outcome.isHealthy {
            circuits.recordSuccess(lease.providerID)
        }
        strategy(for: lease.model).release(lease.provider, of: lease.model, outcome: outcome)
        serveWaiting()
    }

    package func reload(config: ModelsConfig) {
        self.config = config
        handles = Self.makeHandles(config)
        admissions = Self.makeAdmissions(config, carrying: admissions)
        // More slots, or other providers, may suit the waiters now.
        for _ in queue.indices { serveWaiting() }
    }

    package func coolDown(_ providerID: String, until: UInt64) {
        if admissions[providerID] == nil {
            guard let provider = handles[providerID]?.provider else { return }
            admissions[providerID] = ProviderAdmission(provider)
        }
        admissions[providerID]!.coolUntil = max(admissions[providerID]!.coolUntil, until)
        if !admissions[providerID]!.hasLimits { coolOnlyUntil = max(coolOnlyUntil, until) }
    }

    /// Drops the admissions that existed only for a cool-down that has ended, with nothing in flight through them.
    private func dropEndedCoolDowns(now: UInt64) {
        var waiting = false
        for (id, admission) in admissions where !admission.hasLimits {
            if admission.coolUntil <= now && admission.inFlight == 0 {
                admissions[id] = nil
            } else {
                waiting = true
            }
        }
        // One still cooling or in flight: look again at the next request that passes here.
        coolOnlyUntil = waiting ? now : 0
    }

    package func settle(_ lease: ProviderLease, actualTokens: Int) {
        guard lease.admitted, lease.reservedTokens > 0 else { return }
        admissions[lease.providerID]?.settle(reserved: lease.reservedTokens, actual: actualTokens, now: context.now())
    }

    /// When capacity for `request` returns, for a caller that found every eligible provider at a limit (the wait
    /// queue wakes then): the earliest time a provider of the model or its fallback chain that is not excluded,
    /// supported and large enough would admit it — `now` when one admits it already — or nil when only a release
    /// can help (every such provider is at its concurrency cap) or none exists.
    package func nextCapacity(for request: LeaseRequest) -> UInt64? {
        let now = context.now()
        var earliest: UInt64?
        var model: ModelConfig? = request.model
        var steps = 0
        while let current = model, steps <= config.models.count {
            for provider in current.providers where context.isSupported(provider) && !request.excluded.contains(provider.id)
                && ContextWindow.fits(request.tokens, provider) {
                switch admissions[provider.id]?.check(tokens: request.tokens, now: now) ?? .admitted {
                case .admitted: return now
                case .retryAt(let time): earliest = min(earliest ?? time, time)
                case .atConcurrency: break
                }
            }
            steps += 1
            model = current.fallbackModel.flatMap { config.model(named: $0) }
        }
        return earliest
    }

    /// `request` with the providers of its chain that cannot take it added to `excluded`: a context window too small
    /// for its tokens, or a cool-down in progress. For selectors that choose elsewhere (the Redis script), so that
    /// these rules hold there too; `request` itself when nothing applies (no allocation on the plain path).
    package func excludingIneligible(_ request: LeaseRequest) -> LeaseRequest {
        guard request.tokens > 0 || !admissions.isEmpty else { return request }
        let now = context.now()
        var filtered = request
        var model: ModelConfig? = request.model
        var steps = 0
        while let current = model, steps <= config.models.count {
            for provider in current.providers where !ContextWindow.fits(request.tokens, provider) || (admissions[provider.id]?.coolUntil ?? 0) > now {
                filtered.excluded.insert(provider.id)
            }
            steps += 1
            model = current.fallbackModel.flatMap { config.model(named: $0) }
        }
        return filtered
    }

    /// The admission state of `providerID` (limits, in-flight count, cool-down), nil when it has none.
    package func admission(of providerID: String) -> ProviderAdmission? {
        admissions[providerID]
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
            waitEnded(entry, "cancelled")
            entry.waiter.leaseDenied(.serviceUnavailable("The router is shutting down; retry the request."))
        }
    }
}
