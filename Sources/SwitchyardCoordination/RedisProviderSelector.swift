import Glibc
import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis
import SwitchyardRouting

/// The cluster-wide selector: every worker of every `switchyard serve` pointed at one Redis chooses providers from
/// the same in-flight counts, slots, cursors and weights, so they act as one router.
///
/// **What is shared.** For `balanced` / `least_connection`, `round_robin`, `first_available` (and llm-router's
/// two aliases) and `weighted`, the choice is made *and* recorded by one Lua script (``CoordinationScripts/acquire``)
/// in one round trip, on the keys of the model's hash slot: in-flight counts and selections per provider, the
/// round-robin cursor, the smooth-WRR counters, and one hold per lease (owner token `<instance>:<pid>:<counter>`,
/// deadline from Redis `TIME`). `random`, `dynamic_weighted` and `real_time_metrics` choose from this worker's
/// state (the local selector's strategy) and only record the hold in Redis, so in-flight counts stay exact; their
/// choice itself (random draws, latency averages) is not shared yet. A fallback model reached by a shared request
/// is chosen by the script (as `balanced` when its own strategy is a local-choice one).
///
/// **What is not shared.** Provider circuits stay per worker (the candidates passed to the script carry each
/// one's circuit state, preferring closed ones as the in-memory selector does).
///
/// **Holds.** Each grant is a hold with a deadline `leaseSeconds` ahead; one renewal script per model with live
/// holds runs every third of that (not per request). Every script first purges expired holds, so the holds of a
/// router that vanished free themselves within `leaseSeconds`. Release is a second script, owner-exact and
/// idempotent. A grant that arrives after its acquisition was cancelled is released at once.
///
/// **Redis down or slow.** When the client is not connected, or a script call fails (timeout, lost connection,
/// error reply), the request is served by the wrapped ``LocalProviderSelector`` (one warning per outage, counted
/// in ``statistics``); a lease granted locally is released locally. Releases that could not reach Redis are
/// retried at the next renewal tick once it is back (they are owner-exact, so a retry is harmless). As soon as
/// scripts answer again, new requests use shared state. No request fails because of Redis. Start-up never resets
/// shared state.
///
/// Use on the loop's thread only; call ``close()`` when done.
package final class RedisProviderSelector: ProviderSelector {
    /// A hold this worker recorded in Redis.
    private struct Hold {
        let owner: String
        let model: String
    }

    /// An acquisition waiting for the acquire script's answer.
    private final class Pending {
        let waiter: LeaseWaiter
        let request: LeaseRequest
        let owner: String
        var model: ModelConfig
        var position: Int
        /// Cancelled (or refused by a drain) while the script ran: a grant is handed back at once.
        var cancelled = false

        init(waiter: LeaseWaiter, request: LeaseRequest, owner: String, model: ModelConfig, position: Int) {
            self.waiter = waiter
            self.request = request
            self.owner = owner
            self.model = model
            self.position = position
        }
    }

    /// Tokens of leases granted from shared state carry this bit; the local selector's tokens never do.
    private static let sharedBit: UInt64 = 1 << 63
    /// Most releases kept for a retry while Redis cannot be reached (the rest expire by their deadline).
    private static let maxRetainedReleases = 10_000

    /// The in-memory selector used while Redis cannot be reached, for local-choice strategies, and for circuits.
    package let local: LocalProviderSelector
    /// Counters for metrics and tests.
    package private(set) var statistics = RedisProviderSelectorStatistics()
    /// Whether requests are being served on local state because Redis could not be reached.
    package private(set) var isOnLocalState = false

    /// The Redis connection the selector uses (the model registry sends its few commands on it too).
    package let client: RedisClient
    private let loop: EventLoop
    private let context: SelectorContext
    private let logger: Logger
    private var config: ModelsConfig
    private let leaseMilliseconds: Int
    private let renewalInterval: UInt64
    /// `<instance id>:<pid>:`, the fixed part of every owner token.
    private let ownerPrefix: String
    private var ownerCounter: UInt64 = 0
    private var keyCache: [String: [String]] = [:]
    /// Leases granted from shared state, by token.
    private var shared: [UInt64: Hold] = [:]
    /// Leases granted by the local selector (local-choice strategies) whose hold was recorded in Redis, by token.
    private var recorded: [UInt64: Hold] = [:]
    /// Holds whose release (or a grant whose fate) is unknown: released again at the next renewal tick.
    private var unsettled: [Hold] = []
    private var pending: [UInt64: Pending] = [:]
    private var nextTicket: UInt64 = 1
    private var nextToken: UInt64 = 1
    private var renewalTimer: TimerID?
    private var closed = false

    /// A selector sharing state through `client` (started by the caller), with `local` for fallback and circuits.
    /// `instanceID` names this router in owner tokens (default: host name and parent process id).
    package init(
        context: SelectorContext, config: ModelsConfig, client: RedisClient, loop: EventLoop, logger: Logger,
        leaseSeconds: Double = 30, instanceID: String = RedisProviderSelector.defaultInstanceID(), local: LocalProviderSelector? = nil
    ) {
        self.context = context
        self.config = config
        self.client = client
        self.loop = loop
        self.logger = logger
        self.local = local ?? LocalProviderSelector(context: context, config: config)
        let seconds = max(leaseSeconds, 0.003)
        leaseMilliseconds = Int(seconds * 1000)
        renewalInterval = MonotonicClock.nanoseconds(seconds / 3)
        ownerPrefix = Self.ownerPrefix(instanceID: instanceID, pid: context.pid)
        for script in [CoordinationScripts.acquire, CoordinationScripts.release, CoordinationScripts.renew] {
            client.register(script)
            // Already connected: load now, ahead of any call. A NOSCRIPT retry would let a later call (an acquire)
            // overtake an earlier one (a release) on the connection.
            if client.isConnected { client.send(["SCRIPT", "LOAD", script.source]) { _ in } }
        }
        scheduleRenewal()
    }

    deinit {
        if let renewalTimer { loop.cancel(renewalTimer) }
    }

    /// `<host name>-<parent pid>`: one `switchyard serve` (its supervisor) on one machine; colons are replaced, as
    /// they separate the parts of an owner token. A worker started by a supervisor uses the id the supervisor
    /// hands it instead (`SWITCHYARD_WORKER_INSTANCE_ID`, the same value), so that ``HoldReaper`` finds its holds.
    package static func defaultInstanceID() -> String {
        instanceID(supervisorPID: getppid())
    }

    /// `<host name>-<supervisorPID>`, the instance id of the `switchyard serve` whose supervisor is `supervisorPID`
    /// (computed once by the supervisor and handed to its workers as `SWITCHYARD_WORKER_INSTANCE_ID`).
    package static func instanceID(supervisorPID: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let named = buffer.withUnsafeMutableBufferPointer { gethostname(UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count - 1) == 0 }
        let host = named ? String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self) : "host"
        return "\(host)-\(supervisorPID)".replacingColons()
    }

    /// `<instance id>:<pid>:`, the fixed part of the owner tokens of worker `pid` of router `instanceID`, which
    /// ``HoldReaper`` matches to end a dead worker's holds.
    package static func ownerPrefix(instanceID: String, pid: Int32) -> String {
        "\(instanceID):\(pid):"
    }

    /// Stops renewing (holds then expire by their deadline); pending acquisitions get no answer.
    package func close() {
        closed = true
        if let renewalTimer { loop.cancel(renewalTimer) }
        renewalTimer = nil
    }

    /// Whether the Redis client is connected now (with ``isOnLocalState`` false: selections use shared state).
    package var isConnected: Bool { client.isConnected }

    /// Number of leases granted and not yet released (shared and local).
    package var liveLeases: Int { shared.count + local.liveLeases }

    // MARK: acquire

    package func acquire(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition {
        guard client.isConnected else { return acquireLocally(request, reason: "not connected to Redis") }
        if case .localChoice = strategy(of: request.model) { return acquireRecorded(request, waiter: waiter) }
        guard let (model, position, candidates) = firstWithCandidates(request.model, position: 0, excluding: request.excluded) else {
            return .exhausted
        }
        let ticket = nextTicket
        nextTicket &+= 1
        let entry = Pending(waiter: waiter, request: request, owner: nextOwner(), model: model, position: position)
        pending[ticket] = entry
        evaluateAcquire(ticket, entry, candidates)
        return .pending(LeaseTicket(raw: ticket))
    }

    package func cancel(_ ticket: LeaseTicket) {
        pending[ticket.raw]?.cancelled = true
    }

    /// Serves `request` from the local selector and notes the fallback (a warning once per outage).
    private func acquireLocally(_ request: LeaseRequest, reason: String) -> LeaseAcquisition {
        statistics.localFallbacks += 1
        if !isOnLocalState {
            isOnLocalState = true
            logger.warning("Redis unavailable; selecting providers on this worker's local state until it is back", [("reason", .string(reason))])
        }
        return local.acquire(request, waiter: NoWaiter.shared)
    }

    /// A local-choice strategy: the local selector chooses now; the hold is recorded in Redis (fire and forget).
    private func acquireRecorded(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition {
        let answer = local.acquire(request, waiter: waiter)
        guard case .granted(let lease) = answer, let index = lease.model.providers.firstIndex(where: { $0.id == lease.provider.id }) else {
            return answer
        }
        let hold = Hold(owner: nextOwner(), model: lease.model.name)
        recorded[lease.token] = hold
        let provider = lease.provider
        let arguments: [any RedisArgument] = [
            leaseMilliseconds, hold.owner, "record", lease.model.providers.count,
            provider.id, index, max(provider.nworkers, 1), String(provider.weight), 0,
        ]
        client.evaluate(CoordinationScripts.acquire, keys: keys(hold.model), arguments: arguments) { [weak self] result in
            guard let self, case .failure(let error) = result else { return }
            self.statistics.scriptFailures += 1
            // The script may have run: release it again later so the slot does not wait for the deadline.
            if error != .notConnected { self.retain(hold) }
        }
        return answer
    }

    private func evaluateAcquire(_ ticket: UInt64, _ entry: Pending, _ candidates: [any RedisArgument]) {
        let name: String
        switch strategy(of: entry.model) {
        case .script(let scripted): name = scripted
        case .localChoice: name = "balanced"
        }
        let arguments: [any RedisArgument] = [leaseMilliseconds, entry.owner, name, entry.model.providers.count] + candidates
        client.evaluate(CoordinationScripts.acquire, keys: keys(entry.model.name), arguments: arguments) { [weak self] result in
            self?.acquireAnswered(ticket, result)
        }
    }

    private func acquireAnswered(_ ticket: UInt64, _ result: Result<RedisReply, RedisError>) {
        guard let entry = pending[ticket] else { return }
        switch result {
        case .success(.string(let bytes)):
            backOnSharedState()
            let id = String(decoding: bytes, as: UTF8.self)
            let hold = Hold(owner: entry.owner, model: entry.model.name)
            pending[ticket] = nil
            guard !entry.cancelled else {
                statistics.lateGrantsReleased += 1
                releaseShared(hold)
                return
            }
            guard let provider = entry.model.providers.first(where: { $0.id == id }) else {
                // Only a foreign writer could answer with a provider the model does not have.
                releaseShared(hold)
                fallBack(entry, reason: "the acquire script chose an unknown provider")
                return
            }
            let token = Self.sharedBit | nextToken
            nextToken &+= 1
            shared[token] = hold
            statistics.sharedGrants += 1
            let handle = local.handle(for: provider, of: entry.model)
            local.usage.granted(handle)
            entry.waiter.leaseGranted(ProviderLease(handle: handle, token: token, chainPosition: entry.position))
        case .success(.null):
            backOnSharedState()
            // Nothing free in this model: the next model of the fallback chain, or exhausted.
            if !entry.cancelled, let (model, position) = fallback(of: entry.model, position: entry.position),
               let (next, nextPosition, candidates) = firstWithCandidates(model, position: position, excluding: entry.request.excluded) {
                entry.model = next
                entry.position = nextPosition
                evaluateAcquire(ticket, entry, candidates)
                return
            }
            pending[ticket] = nil
            if !entry.cancelled { entry.waiter.leaseDenied(nil) }
        case .success(let other):
            statistics.scriptFailures += 1
            pending[ticket] = nil
            logger.error("the acquire script failed", [("model", .string(entry.model.name)), ("redis.reply", .string("\(other)"))])
            fallBack(entry, reason: "the acquire script failed")
        case .failure(let error):
            statistics.scriptFailures += 1
            pending[ticket] = nil
            // Timed out or lost: the script may have run and recorded a hold; release it once Redis answers again.
            if error != .notConnected { retain(Hold(owner: entry.owner, model: entry.model.name)) }
            fallBack(entry, reason: error.description)
        }
    }

    /// Serves a pending acquisition from the local selector after a failed script call.
    private func fallBack(_ entry: Pending, reason: String) {
        guard !entry.cancelled else { return }
        switch acquireLocally(entry.request, reason: reason) {
        case .granted(let lease): entry.waiter.leaseGranted(lease)
        case .exhausted, .pending: entry.waiter.leaseDenied(nil)
        case .refused(let error): entry.waiter.leaseDenied(error)
        }
    }

    private func backOnSharedState() {
        guard isOnLocalState else { return }
        isOnLocalState = false
        logger.info("Redis answers again; selecting providers on shared state", [])
    }

    // MARK: release

    package func release(_ lease: ProviderLease, outcome: ProviderOutcome) {
        if lease.token & Self.sharedBit != 0 {
            guard let hold = shared.removeValue(forKey: lease.token) else { return }
            local.usage.released(lease.handle)
            if outcome.isUnhealthy {
                local.circuits.recordFailure(lease.provider.id, now: context.now())
            } else if outcome.isHealthy {
                local.circuits.recordSuccess(lease.provider.id)
            }
            releaseShared(hold)
        } else {
            local.release(lease, outcome: outcome)
            if let hold = recorded.removeValue(forKey: lease.token) { releaseShared(hold) }
        }
    }

    private func releaseShared(_ hold: Hold) {
        client.evaluate(CoordinationScripts.release, keys: keys(hold.model, count: 3), arguments: [hold.owner]) { [weak self] result in
            guard let self, case .failure = result else { return }
            self.statistics.scriptFailures += 1
            self.retain(hold)
        }
    }

    /// Keeps `hold` to be released again at the next renewal tick (bounded; beyond it holds expire by deadline).
    private func retain(_ hold: Hold) {
        guard unsettled.count < Self.maxRetainedReleases else { return }
        unsettled.append(hold)
    }

    // MARK: renewal

    private func scheduleRenewal() {
        renewalTimer = loop.schedule(afterNanoseconds: renewalInterval) { [weak self] in
            guard let self, !self.closed else { return }
            self.renew()
            self.scheduleRenewal()
        }
    }

    /// One renewal script per model with live holds, carrying all of this worker's tokens of that model; and the
    /// releases that could not reach Redis before.
    package func renew() {
        guard client.isConnected else { return }
        var byModel: [String: [any RedisArgument]] = [:]
        for hold in shared.values { byModel[hold.model, default: [leaseMilliseconds]].append(hold.owner) }
        for hold in recorded.values { byModel[hold.model, default: [leaseMilliseconds]].append(hold.owner) }
        for (model, arguments) in byModel {
            statistics.renewals += 1
            client.evaluate(CoordinationScripts.renew, keys: keys(model, count: 3), arguments: arguments) { [weak self] result in
                if case .failure = result { self?.statistics.scriptFailures += 1 }
            }
        }
        let retry = unsettled
        unsettled.removeAll()
        for hold in retry { releaseShared(hold) }
    }

    // MARK: reload, drain

    package func reload(config: ModelsConfig) {
        self.config = config
        local.reload(config: config)
    }

    /// Pending acquisitions are refused now. Later ones still ask Redis: one round trip is not a wait in a queue.
    package func drain() {
        local.drain()
        for entry in pending.values where !entry.cancelled {
            entry.cancelled = true
            entry.waiter.leaseDenied(.serviceUnavailable("The router is shutting down; retry the request."))
        }
    }

    // MARK: candidates

    private func strategy(of model: ModelConfig) -> SharedStrategy {
        SharedStrategy(name: model.strategy ?? context.defaultStrategy)
    }

    /// The script arguments of `model`'s eligible providers in configuration order (five values each), or nil
    /// when none is eligible.
    private func candidates(of model: ModelConfig, excluding excluded: Set<String>) -> [any RedisArgument]? {
        var arguments: [any RedisArgument] = []
        let circuits = local.circuits
        let now = circuits.isEmpty ? 0 : context.now()
        for (index, provider) in model.providers.enumerated() where context.isSupported(provider) && !excluded.contains(provider.id) {
            let tier = !circuits.isEmpty && circuits.isOpen(provider.id, now: now) ? 1 : 0
            arguments += [provider.id, index, max(provider.nworkers, 1), String(provider.weight), tier] as [any RedisArgument]
        }
        return arguments.isEmpty ? nil : arguments
    }

    /// `model` or the first model after it in its fallback chain with eligible providers, its chain position and
    /// candidates.
    private func firstWithCandidates(_ model: ModelConfig, position: Int, excluding excluded: Set<String>) -> (ModelConfig, Int, [any RedisArgument])? {
        var model = model
        var position = position
        while true {
            if let found = candidates(of: model, excluding: excluded) { return (model, position, found) }
            guard let (next, nextPosition) = fallback(of: model, position: position) else { return nil }
            model = next
            position = nextPosition
        }
    }

    /// The next model of the fallback chain; the chain is bounded by the number of models, so a cycle ends.
    private func fallback(of model: ModelConfig, position: Int) -> (ModelConfig, Int)? {
        guard let name = model.fallbackModel, position < config.models.count, let next = config.model(named: name) else { return nil }
        return (next, position + 1)
    }

    // MARK: names

    private func nextOwner() -> String {
        ownerCounter &+= 1
        return ownerPrefix + String(ownerCounter)
    }

    /// The script keys of `model` (see ``CoordinationScripts``): all five, or the first `count`.
    private func keys(_ model: String, count: Int = 5) -> [any RedisArgument] {
        let all: [String]
        if let cached = keyCache[model] {
            all = cached
        } else {
            let names = client.keys
            all = ["holds", "holders", "inflight", "selections", "cursor"].map { names.model(model, $0) }
            keyCache[model] = all
        }
        return Array(all.prefix(count))
    }
}

/// The waiter handed to the local selector, which always answers synchronously.
private final class NoWaiter: LeaseWaiter, Sendable {
    static let shared = NoWaiter()
    func leaseGranted(_ lease: ProviderLease) {}
    func leaseDenied(_ error: RouterError?) {}
}

extension String {
    fileprivate func replacingColons() -> String {
        String(map { $0 == ":" ? "_" : $0 })
    }
}
