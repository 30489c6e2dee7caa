import Glibc
import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis
import SwitchyardRouting

/// The cluster-wide selector: every worker of every `switchyard serve` pointed at one Redis chooses providers from the
/// same in-flight counts, slots, cursors and weights, so they act as one router.
///
/// **What is shared.** For `balanced` / `least_connection`, `round_robin`, `first_available` (and llm-router's two
/// aliases), `weighted` and `dynamic_weighted`, the choice is made *and* recorded by one Lua script
/// (``CoordinationScripts/acquire``) in one round trip, on the keys of the model's hash slot: in-flight counts and
/// selections per provider, the round-robin cursor, the smooth-WRR counters, the latency averages, and one hold per
/// lease (owner token `<instance>:<pid>:<counter>`, deadline from Redis `TIME`). `random` and `real_time_metrics`
/// choose from this worker's state (the local selector's strategy) and only record the hold in Redis, so in-flight
/// counts stay exact; for a model with limits (rpm, tpm, `max_concurrency`) the script draws instead, with this
/// worker's draw and weights (`real_time_metrics`: its scores of the servers' loads; `random`: 1 each), among the
/// providers free cluster-wide, so limits hold across routers there too. A fallback model reached by a shared request
/// is chosen by the script (as `balanced` when its own strategy is a local-choice one).
///
/// **Circuits and latency.** The release script records each attempt's outcome in the model's shared circuits (a
/// failure opens the provider's circuit for a cool-down that doubles per consecutive failure; a success closes it) and,
/// for `dynamic_weighted`, in the shared latency average, so one worker's discovery steers every router. The candidates
/// passed to the acquire script also carry this worker's own circuit state.
///
/// **Waiting.** When every provider of a `first_available` model is taken, the request waits in the model's
/// cluster-wide queue (by `x-priority`, then arrival): the script that ends a hold hands the freed slot to the first
/// waiter and publishes the hand-off on the waiter's worker channel, which this selector hears on its subscriber
/// connection and turns into a grant, claiming the hold (renewing it from its claim window to a whole lease; unclaimed,
/// it comes back and its worker's other waits leave the queue). A wait ends after the queue timeout (503
/// `queue_timeout`), when the call is cancelled (the client left) or on drain; each removes the waiter with the release
/// script, which passes on a slot handed over meanwhile. When the subscriber reconnects, waiters look up whether a
/// hand-off was published while it was away.
///
/// **Holds.** Each grant is a hold with a deadline `leaseSeconds` ahead; one renewal script per model with live holds
/// runs every third of that (not per request). Every script first purges expired holds, so the holds of a router that
/// vanished free themselves within `leaseSeconds`. Release is a second script, owner-exact and idempotent. A grant that
/// arrives after its acquisition was cancelled is released at once.
///
/// **Redis down or slow.** When the client is not connected, or a script call fails (timeout, lost connection, error
/// reply), the request is served by the wrapped ``LocalProviderSelector`` (one warning per outage, counted in
/// ``statistics``); a lease granted locally is released locally. Releases that could not reach Redis are retried at the
/// next renewal tick once it is back (they are owner-exact, so a retry is harmless). As soon as scripts answer again,
/// new requests use shared state. No request fails because of Redis. Start-up never resets shared state.
///
/// Use on the loop's thread only; call ``close()`` when done.
package final class RedisProviderSelector: ProviderSelector {

    /// An acquisition waiting for the acquire script's answer, or for a hand-off in the model's queue.
    private final class Pending {
        let waiter: LeaseWaiter
        let request: LeaseRequest
        /// The owner token's counter (see ``RedisProviderSelector/ownerToken(_:)``).
        let owner: UInt64
        /// The model's prepared plan (strategy, candidates), looked up once.
        var plan: ModelPlan
        var model: ModelConfig
        var position: Int
        /// Cancelled (or refused by a drain) while the script ran: a grant is handed back at once.
        var cancelled = false
        /// Whether the request may wait in the queue (asked once the whole chain had nothing free).
        var mayWait = false
        /// Waiting in the model's queue for a hand-off.
        var queued = false
        /// Ends the wait at the queue timeout.
        var timer: TimerID?
        /// When it began to wait in the queue (loop clock).
        var queuedAt: UInt64 = 0

        init(waiter: LeaseWaiter, request: LeaseRequest, owner: UInt64, model: ModelConfig, plan: ModelPlan, position: Int) {
            self.waiter = waiter
            self.request = request
            self.owner = owner
            self.plan = plan
            self.model = model
            self.position = position
        }
    }

    /// Tokens of leases granted from shared state carry this bit; the local selector's tokens never do. So do the
    /// tickets of this selector's pending acquisitions (a ticket without it is the local selector's).
    private static let sharedBit: UInt64 = 1 << 63
    /// Most releases kept for a retry while Redis cannot be reached (the rest expire by their deadline).
    private static let maxRetainedReleases = 10_000

    /// The in-memory selector used while Redis cannot be reached, for local-choice strategies, and for circuits.
    package let local: LocalProviderSelector
    /// Counters for metrics and tests.
    package private(set) var statistics = RedisProviderSelectorStatistics()
    /// Whether requests are being served on local state because Redis could not be reached.
    package private(set) var isOnLocalState = false

    /// The selector's Redis connection (its statistics and round-trip observer feed metrics; the model registry
    /// sends its few commands on it too).
    package let client: RedisClient
    private let loop: EventLoop
    private let context: SelectorContext
    private let logger: Logger
    private var config: ModelsConfig
    private let leaseMilliseconds: Int
    /// The circuits' base and longest cool-down, milliseconds (the release script opens shared circuits with them).
    private let cooldownMilliseconds: (base: Int, max: Int)
    private let renewalInterval: UInt64
    /// `<instance id>:<pid>:`, the fixed part of every owner token.
    private let ownerPrefix: String
    /// ``ownerPrefix`` in UTF-8, for tokens written straight into script arguments.
    private let ownerPrefixBytes: [UInt8]
    private var ownerCounter: UInt64 = 0
    /// Prepared script calls by model name.
    private var scriptCalls: [String: ScriptCalls] = [:]
    /// Releases waiting for the end of this loop iteration, by model.
    private var releaseBatches: [String: ReleaseBatch] = [:]
    /// Acquisitions waiting for the end of this loop iteration, by model (sent after the releases, so that they
    /// see what those freed).
    private var acquireBatches: [String: AcquireBatchBox] = [:]
    private var batchFlush: () -> Void = {}
    /// Models acquired from since the last renewal tick: the renewal purges their expired holds even when this
    /// worker holds none (the acquire script purges only where a slot is at stake).
    private var recentModels: Set<String> = []
    /// The strategy and common-case candidates of each model, prepared once per configuration (by model name).
    private var plans: [String: ModelPlan] = [:]
    /// Leases granted from shared state, by token.
    private var shared: [UInt64: Hold] = [:]
    /// Leases granted by the local selector (local-choice strategies) whose hold was recorded in Redis, by token.
    private var recorded: [UInt64: Hold] = [:]
    /// Holds whose release (or a grant whose fate) is unknown: released again at the next renewal tick.
    private var unsettled: [Hold] = []
    private var pending: [UInt64: Pending] = [:]
    /// Tickets of the queued acquisitions, by owner token counter (hand-off messages name the owner).
    private var queuedOwners: [UInt64: UInt64] = [:]
    /// The connection that hears hand-offs (`SUBSCRIBE` to ``channel``); nil: requests never wait in a queue.
    private let subscriber: RedisClient?
    /// This worker's hand-off channel.
    private let channel: String
    /// Recent hand-off latencies (Redis time of the hand-off → grant here), microseconds, for the operator view.
    package private(set) var wakeLatencies = SampleWindow(capacity: 1024)
    private var nextTicket: UInt64 = 1
    private var nextToken: UInt64 = 1
    /// The local selector's tickets of acquisitions that began here and wait there now (Redis went away).
    private var localTickets: [UInt64: LeaseTicket] = [:]
    private var draining = false
    /// The draws of `random` and `real_time_metrics` acquisitions chosen by the script (models with limits).
    private var draws: SplitMix64
    private var renewalTimer: TimerID?
    private var closed = false

    /// A selector sharing state through `client` (started by the caller), with `local` for fallback and circuits.
    /// `instanceID` names this router in owner tokens (default: host name and parent process id).
    package init(
        context: SelectorContext, config: ModelsConfig, client: RedisClient, loop: EventLoop, logger: Logger,
        leaseSeconds: Double = 30, instanceID: String = RedisProviderSelector.defaultInstanceID(), local: LocalProviderSelector? = nil,
        subscriber: RedisClient? = nil
    ) {
        self.context = context
        self.config = config
        self.client = client
        self.loop = loop
        self.logger = logger
        self.local = local ?? LocalProviderSelector(context: context, config: config)
        let seconds = max(leaseSeconds, 0.003)
        leaseMilliseconds = Int(seconds * 1000)
        cooldownMilliseconds = (Int(self.local.circuits.baseCooldown / 1_000_000), Int(self.local.circuits.maxCooldown / 1_000_000))
        renewalInterval = MonotonicClock.nanoseconds(seconds / 3)
        ownerPrefix = Self.ownerPrefix(instanceID: instanceID, pid: context.pid)
        ownerPrefixBytes = Array(ownerPrefix.utf8)
        channel = client.keys.global("handoff:" + instanceID + ":" + String(context.pid))
        self.subscriber = subscriber
        draws = SplitMix64(seed: RandomStrategy.seed(now: context.now(), pid: context.pid) ^ 0x5EED)
        batchFlush = { [weak self] in self?.flushBatches() }
        for script in [CoordinationScripts.acquire, CoordinationScripts.release, CoordinationScripts.renew] {
            client.register(script)
            // Already connected: load now, ahead of any call. A NOSCRIPT retry would let a later call (an acquire)
            // overtake an earlier one (a release) on the connection.
            if client.isConnected { client.send(["SCRIPT", "LOAD", script.source]) { _ in } }
        }
        scheduleRenewal()
        if let subscriber {
            subscriber.subscribe(channel) { [weak self] payload in self?.handedOff(payload) }
            subscriber.onConnected = { [weak self] in self?.catchUp() }
        }
        client.onDisconnected = { [weak self] _ in self?.moveQueuedToLocal() }
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
        subscriber?.close()
        if let renewalTimer { loop.cancel(renewalTimer) }
        renewalTimer = nil
    }

    /// Whether the Redis client is connected now (with ``isOnLocalState`` false: selections use shared state).
    package var isConnected: Bool { client.isConnected }

    /// Number of leases granted and not yet released (shared and local).
    package var liveLeases: Int { shared.count + local.liveLeases }

    // MARK: acquire

    /// Cool-downs are kept by the local selector (per worker until they are shared through Redis).
    /// Cools the provider here and, for every router, in its model's shared state (fire and forget).
    package func coolDown(_ providerID: String, until: UInt64) {
        local.coolDown(providerID, until: until)
        let now = context.now()
        guard until > now, client.isConnected,
              let model = config.models.first(where: { $0.providers.contains { $0.id == providerID } }) else { return }
        let milliseconds = Int((until - now) / 1_000_000)
        client.evaluate(calls(model.name).coolDown, arguments: [providerID, max(milliseconds, 1)]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure: self.statistics.scriptFailures += 1
            case .success(let reply) where reply.errorMessage != nil:
                self.statistics.scriptFailures += 1
                self.logger.error("the cool-down script failed", [("redis.reply", .string("\(reply)"))])
            default: break
            }
        }
    }

    /// A TPM reservation settled on the real usage: for a shared lease the provider's token bucket in Redis moves
    /// by the difference (with the releases of this iteration); a local lease is settled by the local selector.
    package func settle(_ lease: ProviderLease, actualTokens: Int) {
        guard lease.token & Self.sharedBit != 0 else { return local.settle(lease, actualTokens: actualTokens) }
        guard let tpm = lease.provider.tpm, tpm > 0, lease.reservedTokens != actualTokens else { return }
        // Whole milliseconds (half a millisecond at most off per request, on a bucket a minute long).
        let shift = Int((Double(actualTokens - lease.reservedTokens) * 60_000 / Double(tpm)).rounded())
        guard shift != 0 else { return }
        scheduleFlush()
        releaseBatches[lease.model.name, default: ReleaseBatch(cooldown: cooldownMilliseconds)].settle(lease.providerID, shiftMilliseconds: shift, ownerPrefix: ownerPrefixBytes)
    }

    package func acquire(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition {
        // Context windows and cool-downs (issue 10) hold for shared choices too: ineligible providers are excluded.
        if request.tokens > 0, request.excluded.isEmpty, let refusal = ContextWindow.refusal(tokens: request.tokens, model: request.model, config: config) {
            return .refused(refusal)
        }
        let request = local.excludingIneligible(request)
        guard client.isConnected else { return acquireLocally(request, waiter: waiter, reason: "not connected to Redis") }
        let requested = plan(request.model)
        // Without limits a local choice needs no shared state; with them the script draws (see `pick`).
        if case .localChoice = requested.strategy, !requested.drawsInScript { return acquireRecorded(request, waiter: waiter) }
        guard let (model, position, candidates) = firstWithCandidates(request.model, position: 0, excluding: request.excluded, tokens: request.tokens) else {
            return .exhausted
        }
        let ticket = Self.sharedBit | nextTicket
        nextTicket &+= 1
        let entry = Pending(waiter: waiter, request: request, owner: nextOwner(), model: model,
                            plan: position == 0 ? requested : plan(model), position: position)
        pending[ticket] = entry
        evaluateAcquire(ticket, entry, candidates)
        return .pending(LeaseTicket(raw: ticket))
    }

    package func cancel(_ ticket: LeaseTicket) {
        if ticket.raw & Self.sharedBit == 0 { return local.cancel(ticket) }
        if let moved = localTickets.removeValue(forKey: ticket.raw) { return local.cancel(moved) }
        guard let entry = pending[ticket.raw] else { return }
        entry.cancelled = true
        if entry.queued {
            waitEnded(entry, "cancelled")
            leaveQueue(ticket.raw, entry)
        }
    }

    private func waitEnded(_ entry: Pending, _ outcome: String) {
        guard let report = context.onQueueWait else { return }
        let now = context.now()
        report(entry.model.name, outcome, now > entry.queuedAt ? now - entry.queuedAt : 0)
    }

    /// Serves `request` from the local selector and notes the fallback (a warning once per outage).
    private func acquireLocally(_ request: LeaseRequest, waiter: LeaseWaiter, reason: String) -> LeaseAcquisition {
        statistics.localFallbacks += 1
        if !isOnLocalState {
            isOnLocalState = true
            logger.warning("Redis unavailable; selecting providers on this worker's local state until it is back", [("reason", .string(reason))])
        }
        return local.acquire(request, waiter: waiter)
    }

    /// A local-choice strategy: the local selector chooses now; the hold is recorded in Redis (fire and forget).
    private func acquireRecorded(_ request: LeaseRequest, waiter: LeaseWaiter) -> LeaseAcquisition {
        let answer = local.acquire(request, waiter: waiter)
        guard case .granted(let lease) = answer, let index = lease.model.providers.firstIndex(where: { $0.id == lease.provider.id }) else {
            return answer
        }
        let hold = Hold(owner: nextOwner(), model: lease.model.name, providerID: lease.provider.id)
        recorded[lease.token] = hold
        let owner = hold.owner, prefix = ownerPrefixBytes
        enqueueAcquire(lease.model, .recorded(hold)) { entry in
            entry.append(prefix, owner)
            entry.append("record")
            entry.append(0)
            entry.append(1)
            entry.append(-1)
            entry.append(lease.provider.id)
            entry.append(index)
        }
        return answer
    }

    private func evaluateAcquire(_ ticket: UInt64, _ entry: Pending, _ candidates: Candidates) {
        // The common case travels as one or two values (owner token, reservation) in a call sharing the model's
        // prepared candidates: balanced, not waiting.
        if case .prepared(let plan, let tokens) = candidates, plan.sharesCandidates, !entry.mayWait {
            scheduleFlush()
            batch(for: entry.model).addShared(entry.owner, cost: tokens, plan: plan, slot: .acquisition(ticket))
            return
        }
        let prefix = ownerPrefixBytes
        let wait = entry.mayWait ? Int(context.queueTimeout / 1_000_000) : 0
        enqueueAcquire(entry.model, .acquisition(ticket)) { arguments in
            arguments.append(prefix, entry.owner)
            switch entry.plan.strategy {
            case .script(let scripted): arguments.append(scripted)
            case .localChoice:
                // With limits: the worker's draw, in the order the script adds up the free candidates' weights.
                if entry.plan.drawsInScript {
                    arguments.append("pick " + String(self.draws.nextUnit()))
                } else {
                    arguments.append("balanced")
                }
            }
            arguments.append(wait)
            arguments.append(entry.request.priority.rawValue)
            candidates.append(to: &arguments)
        }
    }

    /// Adds one acquisition to this iteration's call for `model`: `write` appends its `ARGV` (one entry of
    /// ``CoordinationScripts/acquire``) to the call's; its answer goes to `slot`.
    private func enqueueAcquire(_ model: ModelConfig, _ slot: AcquireSlot, _ write: (inout RedisEncodedArguments) -> Void) {
        scheduleFlush()
        batch(for: model).add(slot, write)
    }

    /// This iteration's acquire call for `model` (made with its header on first use).
    private func batch(for model: ModelConfig) -> AcquireBatchBox {
        if let batch = acquireBatches[model.name] { return batch }
        recentModels.insert(model.name)
        var header = RedisEncodedArguments(reservingCapacity: 512)
        header.append(leaseMilliseconds)
        header.append(channel)
        header.append(context.queueLimit)
        header.append(model.providers.count)
        let made = AcquireBatchBox(header: header, ownerPrefix: ownerPrefixBytes)
        acquireBatches[model.name] = made
        return made
    }

    /// Delivers one answer of an acquire call.
    private func answered(_ slot: AcquireSlot, _ result: Result<RedisReply, RedisError>) {
        switch slot {
        case .acquisition(let ticket):
            acquireAnswered(ticket, result)
        case .recorded(let hold):
            guard case .failure(let error) = result else { return }
            statistics.scriptFailures += 1
            // The script may have run: release it again later so the slot does not wait for the deadline.
            if error != .notConnected { retain(hold) }
        case .pump(let ticket):
            guard case .success(.array(let parts)) = result, parts.count > 1, case .integer(let next) = parts[1], next > 0,
                  let waiting = pending[ticket], waiting.queued else { return }
            schedulePump(ticket, afterMilliseconds: next)
        }
    }

    private func scheduleFlush() {
        if releaseBatches.isEmpty && acquireBatches.isEmpty { loop.afterCurrentIteration(batchFlush) }
    }

    private func acquireAnswered(_ ticket: UInt64, _ result: Result<RedisReply, RedisError>) {
        guard let entry = pending[ticket] else { return }
        switch result {
        case .success(.string(let bytes)):
            backOnSharedState()
            pending[ticket] = nil
            grantShared(entry, providerID: bytes)
        case .success(.array(let parts)) where parts.first == .string(Array("queued".utf8)):
            backOnSharedState()
            guard !entry.cancelled else {
                // Cancelled while the script ran: leave the queue again (and pass on anything handed over).
                pending[ticket] = nil
                releaseShared(Hold(owner: entry.owner, model: entry.model.name))
                return
            }
            entry.queued = true
            entry.queuedAt = context.now()
            queuedOwners[entry.owner] = ticket
            statistics.queued += 1
            let wait = context.queueTimeout
            entry.timer = loop.schedule(afterNanoseconds: wait) { [weak self] in self?.waitExpired(ticket) }
            if parts.count > 2, case .integer(let refill) = parts[2], refill > 0 { schedulePump(ticket, afterMilliseconds: refill) }
        case .success(.array(let parts)) where parts.first == .string(Array("full".utf8)):
            backOnSharedState()
            pending[ticket] = nil
            if !entry.cancelled {
                entry.waiter.leaseDenied(.queueFull(model: entry.model.name, limit: context.queueLimit, retryAfter: context.queueRetryAfter))
            }
        case .success(.null):
            backOnSharedState()
            // Nothing free in this model: the next model of the fallback chain, or exhausted.
            if !entry.cancelled, let (model, position) = fallback(of: entry.model, position: entry.position),
               let (next, nextPosition, candidates) = firstWithCandidates(model, position: position, excluding: entry.request.excluded, tokens: entry.request.tokens) {
                entry.model = next
                entry.plan = plan(next)
                entry.position = nextPosition
                evaluateAcquire(ticket, entry, candidates)
                return
            }
            // The whole chain is taken: wait in the requested model's queue when its strategy has slots.
            if !entry.cancelled, !entry.mayWait, mayWait(entry.request),
               let candidates = candidates(of: entry.request.model, excluding: entry.request.excluded, tokens: entry.request.tokens) {
                entry.mayWait = true
                entry.model = entry.request.model
                entry.plan = plan(entry.request.model)
                entry.position = 0
                evaluateAcquire(ticket, entry, candidates)
                return
            }
            pending[ticket] = nil
            if !entry.cancelled { entry.waiter.leaseDenied(nil) }
        case .success(let other):
            statistics.scriptFailures += 1
            pending[ticket] = nil
            logger.error("the acquire script failed", [("model", .string(entry.model.name)), ("redis.reply", .string("\(other)")), ("request.id", .string(entry.request.requestID))])
            fallBack(entry, ticket: ticket, reason: "the acquire script failed")
        case .failure(let error):
            statistics.scriptFailures += 1
            pending[ticket] = nil
            // Timed out or lost: the script may have run and recorded a hold (on any candidate, or a place in the
            // queue); release them once Redis answers again (only a live one counts).
            if error != .notConnected {
                retain(Hold(owner: entry.owner, model: entry.model.name))
                for provider in entry.model.providers { retain(Hold(owner: entry.owner, model: entry.model.name, providerID: provider.id)) }
            }
            fallBack(entry, ticket: ticket, reason: error.description)
        }
    }

    /// Turns the script's choice of `providerID` for `entry` (answered or handed off) into a lease for its
    /// waiter; a grant nobody wants any more goes back at once.
    private func grantShared(_ entry: Pending, providerID id: [UInt8], handedOff: Bool = false) {
        guard let provider = entry.model.providers.first(where: { $0.id.utf8.elementsEqual(id) }) else {
            // Only a foreign writer could answer with a provider the model does not have.
            let named = String(decoding: id, as: UTF8.self)
            releaseShared(Hold(owner: entry.owner, model: entry.model.name, providerID: named, handedOff: handedOff))
            logger.error("the acquire script chose a provider the model does not have", [("model", .string(entry.model.name)), ("provider.id", .string(named))])
            if !entry.cancelled { entry.waiter.leaseDenied(nil) }
            return
        }
        var hold = Hold(owner: entry.owner, model: entry.model.name, providerID: provider.id, handedOff: handedOff)
        guard !entry.cancelled else {
            statistics.lateGrantsReleased += 1
            releaseShared(hold)
            return
        }
        hold.timed = entry.plan.strategy == .script("dynamic_weighted")
        let token = Self.sharedBit | nextToken
        nextToken &+= 1
        shared[token] = hold
        statistics.sharedGrants += 1
        if handedOff {
            // Claimed: the script recorded a hand-off for its claim window only; renewed to a whole lease now.
            sendRenewal(entry.model.name, [leaseMilliseconds, hold.member(ownerPrefix)])
        }
        let handle = local.handle(for: provider, of: entry.model)
        local.usage.granted(handle)
        var lease = ProviderLease(handle: handle, token: token, chainPosition: entry.position)
        // The script charged the provider's token bucket with the request's estimate; settled on the real usage.
        if provider.tpm != nil { lease.reservedTokens = entry.request.tokens }
        entry.waiter.leaseGranted(lease)
    }

    /// Whether `request` may wait in its model's queue: waiting is on, and the model's strategy has slots.
    private func mayWait(_ request: LeaseRequest) -> Bool {
        guard subscriber != nil && context.queueTimeout > 0 && !draining else { return false }
        let plan = plan(request.model)
        return plan.strategy.limitsCapacity || plan.limited
    }

    /// A hand-off message `<owner>|<provider id>|<Redis time, µs>` from the subscriber connection.
    private func handedOff(_ payload: [UInt8]) {
        let fields = payload.split(separator: UInt8(ascii: "|"), maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return }
        let id = Array(fields[1])
        if let sent = UInt64(String(decoding: fields[2], as: UTF8.self)) {
            let now = WallClock.microseconds()
            wakeLatencies.add(now > sent ? now - sent : 0)
        }
        // Nobody waits for it here any more: the waiter left, and the release script it sent passes the slot on.
        guard let owner = ownerCounter(of: fields[0]), let ticket = queuedOwners.removeValue(forKey: owner),
              let entry = pending.removeValue(forKey: ticket) else { return }
        takeHandOff(entry, providerID: id)
    }

    /// A queued acquisition (already out of ``pending``) was handed a hold on `id`: its wait ends in a grant.
    private func takeHandOff(_ entry: Pending, providerID id: [UInt8]) {
        stopWaiting(entry)
        statistics.handOffs += 1
        waitEnded(entry, "granted")
        grantShared(entry, providerID: id, handedOff: true)
    }

    /// `entry` no longer waits for a hand-off here: out of ``queuedOwners``, its queue timer cancelled.
    private func stopWaiting(_ entry: Pending) {
        queuedOwners[entry.owner] = nil
        entry.queued = false
        if let timer = entry.timer { loop.cancel(timer) }
        entry.timer = nil
    }

    /// After the subscriber (re)connects: hand-offs published while it was away are found in the waiters hash
    /// (`=<provider id>` in place of the waiter's record). A wait whose record is gone left the queue meanwhile
    /// (a hand-off to it expired unclaimed, so its worker was taken for gone): it is asked for again.
    private func catchUp() {
        for (owner, ticket) in queuedOwners {
            guard let entry = pending[ticket] else { continue }
            let waiters = client.keys.model(entry.model.name, "waiters")
            client.send(["HGET", waiters, ownerToken(owner)]) { [weak self] result in
                guard let self, self.queuedOwners[owner] == ticket else { return }
                if case .success(.null) = result, let waiting = self.pending[ticket] {
                    self.stopWaiting(waiting)
                    guard let candidates = self.candidates(of: waiting.model, excluding: waiting.request.excluded, tokens: waiting.request.tokens) else {
                        self.pending[ticket] = nil
                        self.waitEnded(waiting, "cancelled")
                        waiting.waiter.leaseDenied(nil)
                        return
                    }
                    self.evaluateAcquire(ticket, waiting, candidates)
                    return
                }
                guard case .success(.string(let value)) = result, value.first == UInt8(ascii: "="),
                      let waiting = self.pending.removeValue(forKey: ticket) else { return }
                self.takeHandOff(waiting, providerID: Array(value.dropFirst()))
            }
        }
    }

    /// A rate limit or cool-down keeps `ticket` waiting: when it refills (computed by the script, not polled),
    /// the pump script hands what refilled to the queue's first waiters — this one or others — and says when the
    /// next refill is due, while this waiter still waits.
    private func schedulePump(_ ticket: UInt64, afterMilliseconds milliseconds: Int64) {
        loop.schedule(afterNanoseconds: UInt64(max(milliseconds, 1)) &* 1_000_000) { [weak self] in
            guard let self, let entry = self.pending[ticket], entry.queued, self.client.isConnected,
                  let candidates = self.candidates(of: entry.model, excluding: entry.request.excluded, tokens: entry.request.tokens)
            else { return }
            self.statistics.pumps += 1
            self.enqueueAcquire(entry.model, .pump(ticket)) { arguments in
                arguments.append("")
                arguments.append("pump")
                arguments.append(1)
                arguments.append(entry.request.priority.rawValue)
                candidates.append(to: &arguments)
            }
        }
    }

    /// The wait of `ticket` timed out: 503 with `Retry-After`, and out of the queue.
    private func waitExpired(_ ticket: UInt64) {
        guard let entry = pending[ticket], entry.queued else { return }
        entry.timer = nil
        waitEnded(entry, "timed_out")
        leaveQueue(ticket, entry)
        statistics.queueTimeouts += 1
        if !entry.cancelled {
            entry.cancelled = true
            let seconds = Double(context.queueTimeout) / 1e9
            entry.waiter.leaseDenied(.queueTimeout(model: entry.model.name, seconds: seconds, retryAfter: context.queueRetryAfter))
        }
    }

    /// Takes a queued acquisition out of the queue (the release script also passes on a slot handed to it meanwhile).
    private func leaveQueue(_ ticket: UInt64, _ entry: Pending) {
        pending[ticket] = nil
        stopWaiting(entry)
        releaseShared(Hold(owner: entry.owner, model: entry.model.name))
    }

    fileprivate func forgetLocalTicket(_ ticket: UInt64) {
        localTickets[ticket] = nil
    }

    /// Serves a pending acquisition from the local selector after a failed script call.
    private func fallBack(_ entry: Pending, ticket: UInt64, reason: String) {
        guard !entry.cancelled else { return }
        let relay = LocalRelay(selector: self, ticket: ticket, waiter: entry.waiter)
        switch acquireLocally(entry.request, waiter: relay, reason: reason) {
        case .granted(let lease): entry.waiter.leaseGranted(lease)
        case .pending(let moved):
            // It waits in the local queue now; the caller still holds this selector's ticket.
            localTickets[ticket] = moved
        case .exhausted: entry.waiter.leaseDenied(nil)
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
                local.circuits.recordFailure(lease.providerID, now: context.now())
            } else if outcome.isHealthy {
                local.circuits.recordSuccess(lease.providerID)
            }
            releaseShared(hold, outcome: outcome)
        } else {
            local.release(lease, outcome: outcome)
            if let hold = recorded.removeValue(forKey: lease.token) { releaseShared(hold, outcome: outcome) }
        }
    }

    /// Ends `hold` (or a wait) in Redis, recording `outcome` in the shared circuit and, when the hold is timed, in the
    /// shared latency average. Releases are fire and forget and wait for the end of the loop iteration, so that all
    /// the releases of one iteration for one model travel in one script call (an acquisition sent meanwhile takes
    /// them along first, so that it sees what they freed).
    private func releaseShared(_ hold: Hold, outcome: ProviderOutcome? = nil) {
        var health = 0, sample = 0
        var observed = "0"
        if let outcome {
            health = outcome.isUnhealthy ? 2 : outcome.isHealthy ? 1 : 0
            sample = hold.timed ? DynamicWeightedStrategy.isPenalty(outcome).map { $0 ? 2 : 1 } ?? 0 : 0
            if sample > 0 { observed = String(Double(outcome.timeToFirstByte ?? outcome.total) / 1e6) }
        }
        scheduleFlush()
        releaseBatches[hold.model, default: ReleaseBatch(cooldown: cooldownMilliseconds)].add(hold, ownerPrefix: ownerPrefixBytes, health: health, sample: sample, observed: observed)
    }

    /// Sends this iteration's batches: per model one release call, then one acquire call (so that the acquisitions
    /// see the slots the releases freed). Their commands leave in one write with the rest of the iteration's.
    private func flushBatches() {
        // Sending calls back nothing at once (a failure completes after the iteration), so the batches are read in
        // place and emptied afterwards, keeping their storage. Acquisitions a release cannot change (balanced over
        // limit-free candidates: no slot, bucket or waiter is at stake, only this iteration's counts) leave first,
        // so that their answers do not wait behind the release script; the others after the releases, so that they
        // see what those freed.
        for (model, batch) in acquireBatches where batch.unaffectedByReleases { sendAcquisitions(model, batch) }
        if !releaseBatches.isEmpty {
            for (model, batch) in releaseBatches {
                client.evaluate(calls(model).release, encoded: batch.finished(ownerPrefix: ownerPrefixBytes)) { [weak self] result in
                    guard let self, case .failure = result else { return }
                    self.statistics.scriptFailures += 1
                    for hold in batch.holds { self.retain(hold) }
                }
            }
            releaseBatches.removeAll(keepingCapacity: true)
        }
        guard !acquireBatches.isEmpty else { return }
        for (model, batch) in acquireBatches where !batch.unaffectedByReleases { sendAcquisitions(model, batch) }
        acquireBatches.removeAll(keepingCapacity: true)
    }

    private func sendAcquisitions(_ model: String, _ batch: AcquireBatchBox) {
        client.evaluate(calls(model).acquire, encoded: batch.finished()) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(.array(let answers)) where answers.count == batch.slots.count:
                for (slot, answer) in zip(batch.slots, answers) { self.answered(slot, .success(answer)) }
            case .success(let other):
                // An error reply (or a foreign answer) fails every acquisition of the call.
                if other.errorMessage == nil { self.logger.error("the acquire script answered out of shape", [("redis.reply", .string("\(other)"))]) }
                for slot in batch.slots { self.answered(slot, .success(other.errorMessage == nil ? .error("unexpected answer") : other)) }
            case .failure:
                for slot in batch.slots { self.answered(slot, result) }
            }
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
        for hold in shared.values { byModel[hold.model, default: [leaseMilliseconds]].append(hold.member(ownerPrefix)) }
        for hold in recorded.values { byModel[hold.model, default: [leaseMilliseconds]].append(hold.member(ownerPrefix)) }
        // Models used since the last tick, or waited for here, are purged of expired holds even when none of them
        // is held here (a vanished router's holds and unclaimed hand-offs then reach the waiters).
        for model in recentModels where byModel[model] == nil { byModel[model] = [leaseMilliseconds] }
        for ticket in queuedOwners.values {
            if let entry = pending[ticket], byModel[entry.model.name] == nil { byModel[entry.model.name] = [leaseMilliseconds] }
        }
        recentModels.removeAll(keepingCapacity: true)
        for (model, arguments) in byModel {
            statistics.renewals += 1
            sendRenewal(model, arguments)
        }
        let retry = unsettled
        unsettled.removeAll()
        for hold in retry { releaseShared(hold) }
    }

    /// Runs the renew script on `model`: the lease milliseconds, then the members to renew (none: a purge only).
    private func sendRenewal(_ model: String, _ arguments: [any RedisArgument]) {
        client.evaluate(calls(model).renew, arguments: arguments) { [weak self] result in
            if case .failure = result { self?.statistics.scriptFailures += 1 }
        }
    }

    // MARK: reload, drain

    package func reload(config: ModelsConfig) {
        self.config = config
        plans.removeAll()
        local.reload(config: config)
    }

    /// Queued acquisitions are refused now, and later ones do not queue. Acquisitions waiting for their script's
    /// answer, and later ones, still ask Redis: one round trip is not a wait in a queue.
    package func drain() {
        draining = true
        local.drain()
        // Waiters in the queue are refused; an acquisition waiting only for its script's answer is not a wait.
        for (ticket, entry) in pending where entry.queued && !entry.cancelled {
            waitEnded(entry, "cancelled")
            leaveQueue(ticket, entry)
            entry.cancelled = true
            entry.waiter.leaseDenied(.serviceUnavailable("The router is shutting down; retry the request."))
        }
    }

    /// Waiting for a hand-off in a model's shared queue, plus what waits in the local selector's queue (Redis away).
    package var waitingRequests: [String: Int] {
        var counts = local.waitingRequests
        for ticket in queuedOwners.values {
            guard let entry = pending[ticket], entry.queued else { continue }
            counts[entry.model.name, default: 0] += 1
        }
        return counts
    }

    /// Redis went away: queued acquisitions cannot hear a hand-off any more, so they move to the local selector
    /// (their entries in Redis are removed once it is back, or expire).
    private func moveQueuedToLocal() {
        for (owner, ticket) in queuedOwners {
            guard let entry = pending.removeValue(forKey: ticket) else { continue }
            stopWaiting(entry)
            retain(Hold(owner: entry.owner, model: entry.model.name))
            fallBack(entry, ticket: ticket, reason: "the Redis connection was lost")
        }
    }

    // MARK: candidates

    private func strategy(of model: ModelConfig) -> SharedStrategy {
        plan(model).strategy
    }

    /// The prepared strategy and common-case candidates of `model`.
    private func plan(_ model: ModelConfig) -> ModelPlan {
        // A call that started before a reload may carry the model as it was: a plan is used only for the same
        // providers and strategy.
        if let prepared = plans[model.name], prepared.matches(model) { return prepared }
        let strategy = SharedStrategy(name: model.strategy ?? context.defaultStrategy)
        let supported = model.providers.enumerated().filter { context.isSupported($0.element) }
        // The short form (id and index) when no candidate has a limit, and weights matter to nobody.
        let short = supported.allSatisfy { Self.isPlain($0.element, strategy: strategy) }
        var candidates: [any RedisArgument] = [short ? -supported.count : supported.count]
        var tokenOffsets: [Int] = []
        for (index, provider) in supported {
            if provider.tpm != nil { tokenOffsets.append(candidates.count + 7) }
            candidates += short ? [provider.id, index] : Self.candidate(provider, index: index, strategy: strategy, tier: 0, tokens: 0, weight: String(provider.weight))
        }
        let made = ModelPlan(strategy: strategy, short: short, candidates: candidates, tokenOffsets: tokenOffsets,
                             limited: model.providers.contains { $0.rpm != nil || $0.tpm != nil || $0.maxConcurrency != nil },
                             tokenLimited: model.providers.contains { $0.tpm != nil }, model: model)
        // The current configuration's model owns the cache; an older one's plan is made but not kept.
        if config.model(named: model.name).map(made.matches) ?? false { plans[model.name] = made }
        return made
    }

    /// The script arguments of `model`'s eligible providers in configuration order (their count, then eight values
    /// each, or minus their count and two values each: see ``CoordinationScripts/acquire``), or nil when none is
    /// eligible: in the common case (nothing excluded, no circuit open in this worker) the plan's prepared ones.
    private func candidates(of model: ModelConfig, excluding excluded: Set<String>, tokens: Int = 0) -> Candidates? {
        let circuits = local.circuits
        let plan = plan(model)
        let drawn = plan.drawsInScript
        if excluded.isEmpty && circuits.isEmpty && !drawn {
            return plan.hasCandidates ? .prepared(plan, reserving: plan.tokenLimited ? tokens : 0) : nil
        }
        var arguments: [any RedisArgument] = [0]
        let now = circuits.isEmpty ? 0 : context.now()
        let supported = context.isSupported
        // `random` draws uniformly; `real_time_metrics` by this worker's scores of the servers' loads.
        let weights = drawn ? local.drawWeights(for: model, where: { supported($0) && !excluded.contains($0.id) }) : nil
        for (index, provider) in model.providers.enumerated() where supported(provider) && !excluded.contains(provider.id) {
            let tier = !circuits.isEmpty && circuits.isOpen(provider.id, now: now) ? 1 : 0
            let weight = drawn ? (weights.map { String($0[index]) } ?? "1") : String(provider.weight)
            arguments += Self.candidate(provider, index: index, strategy: plan.strategy, tier: tier, tokens: tokens, weight: weight)
        }
        guard arguments.count > 1 else { return nil }
        arguments[0] = (arguments.count - 1) / 8
        var encoded = RedisEncodedArguments()
        encoded.append(arguments)
        return .written(encoded)
    }

    /// Whether `provider` needs none of the long form's values: no limit, no slots, and a weight that is 1 or
    /// does not matter to `strategy`.
    private static func isPlain(_ provider: ProviderConfig, strategy: SharedStrategy) -> Bool {
        provider.maxConcurrency == nil && provider.rpm == nil && provider.tpm == nil && !strategy.limitsCapacity
            && (provider.weight == 1 || (strategy != .script("weighted") && strategy != .script("dynamic_weighted")))
    }

    /// A candidate's eight script arguments (see ``CoordinationScripts/acquire``): its slots are `max_concurrency`,
    /// or `nworkers` under `first_available`.
    private static func candidate(_ provider: ProviderConfig, index: Int, strategy: SharedStrategy, tier: Int, tokens: Int, weight: String) -> [any RedisArgument] {
        let slots = provider.maxConcurrency ?? (strategy.limitsCapacity ? max(provider.nworkers, 1) : 0)
        let tpm = provider.tpm ?? 0
        return [provider.id, index, slots, weight, tier, provider.rpm ?? 0, tpm, tpm > 0 ? tokens : 0]
    }

    /// `model` or the first model after it in its fallback chain with eligible providers, its chain position and
    /// candidates.
    private func firstWithCandidates(_ model: ModelConfig, position: Int, excluding excluded: Set<String>, tokens: Int = 0) -> (ModelConfig, Int, Candidates)? {
        var model = model
        var position = position
        while true {
            if let found = candidates(of: model, excluding: excluded, tokens: tokens) { return (model, position, found) }
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

    /// A fresh owner token counter (the token is ``ownerPrefix`` followed by it).
    private func nextOwner() -> UInt64 {
        ownerCounter &+= 1
        return ownerCounter
    }

    /// The owner token of counter `owner`.
    private func ownerToken(_ owner: UInt64) -> String {
        ownerPrefix + String(owner)
    }

    /// The counter of this worker's owner token `token`, or nil when it is not one of this worker's.
    private func ownerCounter(of token: some Collection<UInt8>) -> UInt64? {
        guard token.starts(with: ownerPrefixBytes) else { return nil }
        var value: UInt64 = 0
        var digits = 0
        for byte in token.dropFirst(ownerPrefixBytes.count) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The prepared script calls of `model` (its four keys encoded once; see ``CoordinationScripts``).
    private func calls(_ model: String) -> ScriptCalls {
        if let prepared = scriptCalls[model] { return prepared }
        let names = client.keys
        let keys = CoordinationScripts.keySuffixes.map { names.model(model, $0) }
        let made = ScriptCalls(acquire: client.prepare(CoordinationScripts.acquire, keys: keys),
                               release: client.prepare(CoordinationScripts.release, keys: keys),
                               renew: client.prepare(CoordinationScripts.renew, keys: keys),
                               coolDown: client.prepare(CoordinationScripts.coolDown, keys: keys))
        // Bounded by the models of the configurations this worker ran (names, not requests).
        scriptCalls[model] = made
        return made
    }
}

/// The scripts of one model, prepared.
private struct ScriptCalls {
    let acquire: RedisPreparedCall
    let release: RedisPreparedCall
    let renew: RedisPreparedCall
    let coolDown: RedisPreparedCall
}

/// A hold a worker recorded in Redis: owner token and provider (nil: a place in the queue, or a hold handed to it
/// that only Redis knows of).
private struct Hold {
    /// The owner token's counter (the token is the worker's owner prefix followed by it).
    let owner: UInt64
    let model: String
    var providerID: String? = nil
    /// Granted by a hand-off from the queue (its waiter entry goes with it).
    var handedOff = false
    /// Its outcome feeds the shared latency average (`dynamic_weighted`).
    var timed = false

    /// The hold's member in the model's `leases` sorted set.
    func member(_ ownerPrefix: String) -> String { ownerPrefix + String(owner) + "|" + (providerID ?? "") }

    /// The provider argument of a release entry (see ``CoordinationScripts/release``).
    var releaseProvider: String {
        guard let providerID else { return "" }
        return handedOff ? "=" + providerID : providerID
    }
}

/// The releases of one model waiting for the end of a loop iteration.
private struct ReleaseBatch {
    var holds: [Hold] = []
    /// The circuits' cool-downs, then six script arguments per release or settlement (see
    /// ``CoordinationScripts/release``) — once the batch is no longer plain.
    private var arguments = RedisEncodedArguments(reservingCapacity: 256)
    /// Whether every entry so far is a successful attempt's release (sent as a plain batch: its members only).
    private var plain = true

    init(cooldown: (base: Int, max: Int)) {
        arguments.append(cooldown.base)
        arguments.append(cooldown.max)
    }

    /// The call's arguments. A plain batch goes grouped by provider: its id, its count of holds, their members (see
    /// ``CoordinationScripts/release``), providers in the order of their first release.
    func finished(ownerPrefix: [UInt8]) -> RedisEncodedArguments {
        guard plain else { return arguments }
        var members = arguments
        members.append("*")
        for (first, hold) in holds.enumerated() {
            // Plain entries all name a provider (see `add`); a provider's group is written at its first hold.
            guard let id = hold.providerID, !holds[..<first].contains(where: { $0.providerID == id }) else { continue }
            members.append(id)
            members.append(holds[first...].count { $0.providerID == id })
            let suffix = "|" + id
            for held in holds[first...] where held.providerID == id { members.append(ownerPrefix, held.owner, suffix: suffix) }
        }
        return members
    }

    /// Writes the plain entries so far as general ones; the batch is general from now on.
    private mutating func generalize(ownerPrefix: [UInt8], keepingLast: Bool = false) {
        guard plain else { return }
        plain = false
        for hold in holds.dropLast(keepingLast ? 1 : 0) { write(hold, ownerPrefix: ownerPrefix, health: 1, sample: 0, observed: "0") }
    }

    mutating func add(_ hold: Hold, ownerPrefix: [UInt8], health: Int, sample: Int, observed: String) {
        holds.append(hold)
        if plain && health == 1 && sample == 0 && !hold.handedOff && hold.providerID != nil { return }
        generalize(ownerPrefix: ownerPrefix, keepingLast: true)
        write(hold, ownerPrefix: ownerPrefix, health: health, sample: sample, observed: observed)
    }

    private mutating func write(_ hold: Hold, ownerPrefix: [UInt8], health: Int, sample: Int, observed: String) {
        arguments.append(ownerPrefix, hold.owner)
        arguments.append(hold.releaseProvider)
        arguments.append(health)
        arguments.append(sample)
        arguments.append(observed)
        arguments.append(0)
    }

    /// A token bucket correction without a hold (see ``CoordinationScripts/release``).
    mutating func settle(_ providerID: String, shiftMilliseconds: Int, ownerPrefix: [UInt8]) {
        generalize(ownerPrefix: ownerPrefix)
        arguments.append("")
        arguments.append(providerID)
        arguments.append(0)
        arguments.append(0)
        arguments.append(0)
        arguments.append(shiftMilliseconds)
    }
}

/// The acquisitions of one model waiting for the end of a loop iteration: one acquire call answers them all, in
/// order.
private final class AcquireBatchBox {
    /// The call's arguments: the header (lease, channel, queue bound, provider count), then each general entry's.
    private var arguments: RedisEncodedArguments
    /// While every entry shares the candidates of one plan (balanced, not waiting; see
    /// ``CoordinationScripts/acquire``): that plan, and the entries' owner counters and token reservations. An entry
    /// of another kind turns them into general entries (in order), and the batch stays general.
    private var shared: ModelPlan?
    private var sharedOwners: [UInt64] = []
    private var sharedCosts: [Int] = []
    /// Where each entry's answer goes, in order.
    private(set) var slots: [AcquireSlot] = []
    /// The worker's owner-token prefix.
    private let ownerPrefix: [UInt8]

    init(header: RedisEncodedArguments, ownerPrefix: [UInt8]) {
        arguments = header
        self.ownerPrefix = ownerPrefix
    }

    /// A balanced acquisition over `plan`'s prepared candidates, not waiting, with a reservation of `cost` tokens.
    func addShared(_ owner: UInt64, cost: Int, plan: ModelPlan, slot: AcquireSlot) {
        if slots.isEmpty { shared = plan }
        if shared === plan {
            sharedOwners.append(owner)
            sharedCosts.append(cost)
        } else {
            add(slot: nil) { arguments in Self.writeGeneral(owner, cost: cost, plan: plan, ownerPrefix: ownerPrefix, to: &arguments) }
        }
        slots.append(slot)
    }

    /// A general entry: `write` appends its `ARGV`.
    func add(_ slot: AcquireSlot, _ write: (inout RedisEncodedArguments) -> Void) {
        add(slot: slot, write)
    }

    private func add(slot: AcquireSlot?, _ write: (inout RedisEncodedArguments) -> Void) {
        if let plan = shared {
            for (owner, cost) in zip(sharedOwners, sharedCosts) {
                Self.writeGeneral(owner, cost: cost, plan: plan, ownerPrefix: ownerPrefix, to: &arguments)
            }
            sharedOwners.removeAll()
            sharedCosts.removeAll()
            shared = nil
        }
        write(&arguments)
        if let slot { slots.append(slot) }
    }

    /// Whether no release can change these acquisitions' answers: all of them balanced over limit-free candidates,
    /// not waiting (a release would only lower a count they compare).
    var unaffectedByReleases: Bool { shared?.short ?? false }

    /// The call's arguments.
    func finished() -> RedisEncodedArguments {
        guard let plan = shared else { return arguments }
        var batch = arguments
        // `*`: short-form candidates and owners; `+`: long-form candidates (limits) and owner, reservation pairs.
        let long = !plan.short
        batch.append(long ? "+" : "*")
        plan.appendCandidates(reserving: 0, to: &batch)
        for (owner, cost) in zip(sharedOwners, sharedCosts) {
            batch.append(ownerPrefix, owner)
            if long { batch.append(cost) }
        }
        return batch
    }

    /// A shared-candidate entry in the general form: the prepared candidates with the reservation in place.
    private static func writeGeneral(_ owner: UInt64, cost: Int, plan: ModelPlan, ownerPrefix: [UInt8], to arguments: inout RedisEncodedArguments) {
        arguments.append(ownerPrefix, owner)
        arguments.append("balanced")
        arguments.append(0)
        arguments.append(1)
        plan.appendCandidates(reserving: cost, to: &arguments)
    }
}

/// Who waits for one answer of an acquire call.
private enum AcquireSlot {
    /// A pending acquisition, by ticket.
    case acquisition(UInt64)
    /// A hold chosen by the local selector and recorded in Redis (only a failure matters).
    case recorded(Hold)
    /// A pump for a queued acquisition, by ticket.
    case pump(UInt64)
}

/// One acquisition's candidates: the plan's prepared ones (with the request's token reservation), or ones written
/// for this request (something excluded, a circuit open in this worker).
private enum Candidates {
    case prepared(ModelPlan, reserving: Int)
    case written(RedisEncodedArguments)

    func append(to arguments: inout RedisEncodedArguments) {
        switch self {
        case .prepared(let plan, let tokens): plan.appendCandidates(reserving: tokens, to: &arguments)
        case .written(let written): arguments.append(contentsOf: written)
        }
    }
}

/// The shared strategy and common-case candidates of one model, prepared once per configuration.
private final class ModelPlan {
    let strategy: SharedStrategy
    /// The model it was made for (its providers, slots, weights and strategy).
    private let model: ModelConfig
    /// Whether some provider is supported: there are candidates.
    let hasCandidates: Bool
    /// Whether the candidates are in the short form (no limits).
    let short: Bool
    /// Balanced: acquisitions that wait for nothing share the prepared candidates in their call.
    let sharesCandidates: Bool
    /// Whether some provider has a limit (rpm, tpm, max_concurrency): a request at it may wait.
    let limited: Bool
    /// Whether some provider has a tpm limit: candidates carry each request's reservation.
    let tokenLimited: Bool
    /// A local-choice strategy (`random`, `real_time_metrics`) over providers with limits: the acquire script draws
    /// (`pick`), by candidates written per request with this worker's weights.
    let drawsInScript: Bool
    /// Every supported provider as a tier-0 candidate, the count ahead (see ``CoordinationScripts/acquire``),
    /// encoded in pieces around the places of the reservations of tpm-limited providers (one more piece than
    /// places).
    private let pieces: [RedisEncodedArguments]

    /// A plan of `candidates` (the count first), whose values at `tokenOffsets` are reservations.
    init(strategy: SharedStrategy, short: Bool, candidates: [any RedisArgument], tokenOffsets: [Int], limited: Bool, tokenLimited: Bool, model: ModelConfig) {
        self.strategy = strategy
        self.model = model
        hasCandidates = candidates.count > 1
        self.short = short
        sharesCandidates = strategy == .script("balanced")
        self.limited = limited
        self.tokenLimited = tokenLimited
        drawsInScript = strategy == .localChoice && limited
        var pieces: [RedisEncodedArguments] = []
        var start = 0
        for end in tokenOffsets + [candidates.count] {
            var piece = RedisEncodedArguments()
            if start < end { piece.append(Array(candidates[start..<end])) }
            pieces.append(piece)
            start = end + 1
        }
        self.pieces = pieces
    }

    /// Appends the prepared candidates, with a reservation of `tokens` for the tpm-limited providers.
    func appendCandidates(reserving tokens: Int, to arguments: inout RedisEncodedArguments) {
        for (index, piece) in pieces.enumerated() {
            if index > 0 { arguments.append(tokens) }
            arguments.append(contentsOf: piece)
        }
    }

    /// Whether `other` has the providers (ids, slots, weights) and strategy this plan was made for.
    func matches(_ other: ModelConfig) -> Bool {
        guard other.providers.count == model.providers.count, other.strategy == model.strategy else { return false }
        for (mine, theirs) in zip(model.providers, other.providers)
        where mine.id != theirs.id || mine.nworkers != theirs.nworkers || mine.weight != theirs.weight
            || mine.rpm != theirs.rpm || mine.tpm != theirs.tpm || mine.maxConcurrency != theirs.maxConcurrency {
            return false
        }
        return true
    }
}

/// Relays the later answer of an acquisition that moved to the local selector's queue, forgetting the ticket
/// mapping once answered.
private final class LocalRelay: LeaseWaiter {
    weak var selector: RedisProviderSelector?
    let ticket: UInt64
    let waiter: LeaseWaiter

    init(selector: RedisProviderSelector, ticket: UInt64, waiter: LeaseWaiter) {
        self.selector = selector
        self.ticket = ticket
        self.waiter = waiter
    }

    func leaseGranted(_ lease: ProviderLease) {
        selector?.forgetLocalTicket(ticket)
        waiter.leaseGranted(lease)
    }

    func leaseDenied(_ error: RouterError?) {
        selector?.forgetLocalTicket(ticket)
        waiter.leaseDenied(error)
    }
}

extension String {
    fileprivate func replacingColons() -> String {
        String(map { $0 == ":" ? "_" : $0 })
    }
}
