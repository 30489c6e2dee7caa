import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardProviders
import SwitchyardRouting
import SwitchyardUpstream

/// One upstream call, independent of any client connection: acquire a lease → attempt → fail over → release,
/// delivering to a ``CallSink``. One budget (``CallContext/budget``) bounds the time to the first byte of the
/// answer across every attempt; after it the upstream client's chunk timeout governs. ``cancel()`` (the client
/// went away, or a group of calls was abandoned) ends it at once and releases whatever it holds.
final class UpstreamCall: UpstreamResponseHandler, LeaseWaiter {
    private enum Phase {
        case idle
        /// Waiting for a lease (a pending acquisition).
        case acquiring(LeaseTicket)
        /// An attempt is in flight; nothing has been delivered yet.
        case attempting
        /// A provider's retryable error is being collected while we decide whether another provider exists.
        case collectingFailure
        /// Relaying a stream to the sink.
        case streaming
        /// Collecting a whole answer.
        case buffering
        case done
    }

    /// Whether `status` means "this provider cannot serve now" (429, any 5xx) rather than "the request is wrong"
    /// (other 4xx, which go to the client at once: another provider would refuse it too).
    static func failsOver(_ status: Int) -> Bool { status == 429 || (500...599).contains(status) }
    /// Cool-down of a provider that answered 429 without `Retry-After`, nanoseconds.
    static let defaultCoolDown: UInt64 = 1_000_000_000
    /// Largest whole answer collected for one call.
    static let maxBufferedBody = 64 * 1024 * 1024
    /// Largest provider error body kept while deciding to fail over (the rest is dropped).
    static let maxFailureBody = 64 * 1024

    private let context: CallContext
    /// Links of ``CallContext``'s in-flight list (the list owns the next call; the back link does not own).
    var nextInFlight: UpstreamCall?
    unowned(unsafe) var previousInFlight: UpstreamCall?
    private let request: CallRequest
    /// Held until the call ends (then let go, breaking the sink ↔ call cycle).
    private var sink: CallSink?
    private var phase = Phase.idle
    private var lease: ProviderLease?
    private var transfer: UpstreamTransfer?
    private var transcoder: ResponseTranscoder?
    /// Providers tried before the current one (filled only on failover, so a first attempt allocates no set).
    private var attempted: Set<String> = []
    private var attempts = 0
    private var attemptStarted: UInt64 = 0
    private var firstByteAt: UInt64?
    private var head: UpstreamResponseHead?
    /// The head's content type, looked up once.
    private var contentType: String?
    private var buffer: [UInt8] = []
    /// Bytes of ``buffer`` reserved from ``CallContext/memory``.
    private var reserved = 0
    /// Reused for every transcoded piece of a stream.
    private var streamBuffer: [UInt8] = []
    /// When the answer's first byte is due (monotonic; 0 = no budget).
    private var deadline: UInt64 = 0
    /// The budget timer of a pending acquisition.
    private var budgetTimer: TimerID?
    /// The best answer so far from a provider that failed in a retryable way: relayed if no other provider is left.
    private var heldFailure: (status: Int, headers: HTTPHeaders, body: [UInt8])?
    /// The router error of the last failed attempt (unreachable, timed out, …).
    private var lastError: RouterError?
    private var lastProviderID = ""
    /// The model (of the fallback chain) of the last attempt.
    private var lastModelName = ""
    private var streamBroken = false
    /// Estimated tokens the request needs (prompt + max_tokens) and its prompt alone; 0 when not estimated.
    private var tokens = 0
    private var promptTokens = 0
    /// Each retry as `provider:reason` (allocated only on failover).
    private var retries: [String] = []
    /// Why the last attempt failed, for the retry record.
    private var lastFailure = ""
    /// The last settled attempt with a TPM reservation (the answering one when the call succeeds).
    private var answeredLease: ProviderLease?
    /// When ``start()`` ran (monotonic), for the time to the first streamed bytes.
    private var startedAt: UInt64 = 0
    /// Whether the stream's first bytes were relayed.
    private var relayedFirstBytes = false
    /// Time spent in upstream attempts so far, and when the current one began, read from the clock itself (the
    /// loop's time is fixed per iteration, too coarse for the router's own share of a request).
    private var upstreamNanoseconds: UInt64 = 0
    private var attemptStartedExactly: UInt64 = 0

    init(context: CallContext, request: CallRequest, sink: CallSink) {
        self.context = context
        self.request = request
        self.sink = sink
    }

    /// Whether the call has ended.
    var isDone: Bool { if case .done = phase { return true } else { return false } }

    /// Starts the call; the sink hears about it later (or at once for synchronous errors).
    func start() {
        context.register(self)
        startedAt = context.scheduler.now
        // The budget is a deadline, not a timer per call: each attempt carries it to the upstream client, whose
        // periodic sweep ends a transfer still without a first byte at that time; only a wait for a lease (rare)
        // schedules a timer of its own.
        if context.budget > 0 { deadline = context.scheduler.now &+ context.budget }
        if context.estimatesTokens {
            promptTokens = TokenEstimate.promptTokens(scan: request.scan)
            let reply = request.body.withUnsafeBytes { TokenEstimate.maxTokens(body: $0, scan: request.scan) } ?? context.defaultMaxTokens
            // Embeddings produce no reply tokens.
            tokens = promptTokens + (request.endpoint == .embeddings ? 0 : reply)
        }
        acquireNext()
    }

    /// Resumes a stream the sink paused.
    func resume() { transfer?.resume() }

    /// Ends the call now: the upstream transfer is aborted, a pending acquisition withdrawn, the lease released
    /// as cancelled. The sink gets only ``CallSink/callDidEnd(_:)``.
    func cancel() {
        guard !isDone else { return }
        if case .acquiring(let ticket) = phase { context.selector.cancel(ticket) }
        abortTransfer()
        settleAttempt(ProviderOutcome(.cancelled, status: head?.status ?? 0, timeToFirstByte: timeToFirstByte, total: elapsed), label: "cancelled")
        end(status: 499, errorCode: "client_closed")
    }

    // MARK: selection

    private func acquireNext() {
        guard attempts < context.maxAttempts else { return giveUp() }
        // Out of time: a provider's own retryable answer, if one was held, says more than a bare 504.
        if budgetSpent { return heldFailure != nil ? giveUp() : budgetExpired() }
        if attempts > 0 {
            attempted.insert(lastProviderID)
            retries.append("\(lastProviderID):\(lastFailure)")
            context.observer?.retried(provider: lastProviderID, reason: lastFailure)
        }
        let ask = LeaseRequest(model: request.model, excluded: attempted, deadline: deadline == 0 ? UInt64.max : deadline, requestID: request.requestID,
                               priority: request.priority, tokens: tokens)
        switch context.selector.acquire(ask, waiter: self) {
        case .granted(let granted): begin(granted)
        case .pending(let ticket):
            phase = .acquiring(ticket)
            if deadline != 0 {
                let wait = deadline > context.scheduler.now ? deadline - context.scheduler.now : 0
                // Unowned, not weak (a weak reference costs a side-table allocation): the timer is cancelled in
                // `commit()`, which every ending runs, and the in-flight list keeps the call alive until then.
                budgetTimer = context.scheduler.schedule(afterNanoseconds: wait) { [unowned self] in self.budgetExpired() }
            }
        case .exhausted: giveUp()
        case .refused(let error): fail(error)
        }
    }

    func leaseGranted(_ granted: ProviderLease) {
        guard case .acquiring = phase else {
            // Granted after we stopped waiting: hand it straight back.
            context.selector.release(granted, outcome: ProviderOutcome(.cancelled))
            return
        }
        cancelBudgetTimer()
        begin(granted)
    }

    func leaseDenied(_ error: RouterError?) {
        guard case .acquiring = phase else { return }
        if let error { fail(error) } else { giveUp() }
    }

    private func begin(_ granted: ProviderLease) {
        let runtime = context.runtime(for: granted)
        // Logged and counted once per model change (the previous attempt's lease is settled by now).
        if granted.chainPosition > 0 && granted.model.name != (lastModelName.isEmpty ? request.model.name : lastModelName) {
            context.logger.info("falling back to another model", [
                ("model", .string(request.model.name)), ("fallback_model", .string(granted.model.name)), ("request.id", .string(request.requestID)),
            ])
            context.observer?.fellBack(model: request.model.name, to: granted.model.name)
        }
        attempts += 1
        context.observer?.attemptStarted(provider: granted.providerID, model: granted.model, retry: attempts > 1)
        lease = granted
        lastProviderID = granted.providerID
        phase = .attempting
        head = nil
        contentType = nil
        firstByteAt = nil
        buffer.removeAll()
        lastModelName = granted.model.name
        var upstreamRequest: UpstreamRequest
        do {
            (upstreamRequest, transcoder) = try runtime.prepare(request)
        } catch {
            // The provider's dialect cannot express the request (a 400 naming the field); `end` releases the lease.
            return fail(error)
        }
        attemptStarted = context.scheduler.now
        attemptStartedExactly = MonotonicClock.now()
        upstreamRequest.firstByteDeadline = deadline
        transfer = context.upstream.start(upstreamRequest, handler: self)
    }

    /// No provider is left: relay the held provider failure, or the last router error, or say none was available.
    private func giveUp() {
        if let held = heldFailure {
            heldFailure = nil
            deliverWhole(status: held.status, headers: held.headers, body: held.body, mapped: true)
            return
        }
        if let lastError { return fail(lastError) }
        let unsupported = context.runtimes.isEmpty ? nil : firstUnsupportedProvider()
        fail(unsupported.map { .unsupportedProvider($0.apiType.rawValue) } ?? .noProvider(request.clientModel))
    }

    /// A provider of the requested model's chain that no adapter serves (explains a 501 instead of a 503).
    private func firstUnsupportedProvider() -> ProviderConfig? {
        for provider in request.model.providers where !context.runtime(for: provider).supported { return provider }
        return nil
    }

    // MARK: upstream events

    func upstreamDidReceiveHead(_ received: UpstreamResponseHead) {
        guard case .attempting = phase else { return }
        head = received
        contentType = received.contentType
        firstByteAt = context.scheduler.now
        if Self.failsOver(received.status) {
            coolDownIfAsked(received)
            // Keep (a bounded part of) its answer while the next provider is sought: if none is left, the client
            // gets this provider's own status and error, not a different one.
            phase = .collectingFailure
            return
        }
        commit()
        switch transcoder!.delivery(status: received.status, contentType: contentType, clientWantsStream: request.stream) {
        case .stream(let contentType):
            phase = .streaming
            var headers = RelayedHeaders.from(received)
            headers.add(name: "Content-Type", value: contentType)
            sink?.callDidStartStream(status: received.status, headers: headers)
        case .buffer:
            phase = .buffering
        }
    }

    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch phase {
        case .streaming:
            guard let sink else { return true }
            if !relayedFirstBytes {
                relayedFirstBytes = true
                context.observer?.firstBytes(model: request.clientModel, nanoseconds: context.scheduler.now &- startedAt)
            }
            streamBuffer.removeAll(keepingCapacity: true)
            if transcoder!.transcode(bytes, into: &streamBuffer) {
                return streamBuffer.isEmpty ? true : streamBuffer.withUnsafeBytes { sink.callDidReceive($0) }
            }
            return sink.callDidReceive(bytes)
        case .buffering:
            if buffer.count + bytes.count > Self.maxBufferedBody {
                abortTransfer()
                settleAttempt(ProviderOutcome(.failed, status: head?.status ?? 0, timeToFirstByte: timeToFirstByte, total: elapsed), label: "too_large")
                fail(.upstreamFailed("the provider's response is larger than \(Self.maxBufferedBody) bytes"))
                return false
            }
            guard context.memory.reserve(bytes.count) else {
                abortTransfer()
                settleAttempt(ProviderOutcome(.cancelled, status: head?.status ?? 0, timeToFirstByte: timeToFirstByte, total: elapsed), label: "memory")
                fail(RouterError(status: 503, message: "The router is holding too much buffered data right now; retry shortly.", code: "router_overloaded"))
                return false
            }
            reserved += bytes.count
            buffer.append(contentsOf: bytes)
            return true
        case .collectingFailure:
            let room = Self.maxFailureBody - buffer.count
            if room > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes.prefix(room))) }
            return true
        default:
            return true
        }
    }

    func upstreamDidFinish(error: UpstreamError?) {
        transfer = nil
        switch phase {
        case .attempting, .collectingFailure, .buffering, .streaming: break
        default: return
        }
        if let error { return attemptFailed(error) }
        let status = head?.status ?? 0
        let outcome = ProviderOutcome(.completed, status: status, timeToFirstByte: timeToFirstByte, total: elapsed)
        switch phase {
        case .collectingFailure:
            lastFailure = "status_\(status)"
            settleAttempt(outcome, label: lastFailure)
            heldFailure = (status, RelayedHeaders.from(head), transcoder?.mapError(status: status, body: buffer) ?? buffer)
            buffer = []
            context.logger.warning("provider answered with a retryable status; trying another", [
                ("provider.id", .string(lastProviderID)), ("status", .int(status)), ("request.id", .string(request.requestID)),
            ])
            acquireNext()
        case .streaming:
            settleAttempt(outcome, label: "ok")
            streamBuffer.removeAll(keepingCapacity: true)
            transcoder!.finish(into: &streamBuffer)
            if !streamBuffer.isEmpty { _ = streamBuffer.withUnsafeBytes { sink?.callDidReceive($0) } }
            sink?.callDidFinishStream(error: nil)
            end(status: status, errorCode: nil)
        case .buffering:
            settleAttempt(outcome, label: (200..<300).contains(status) ? "ok" : "status_\(status)")
            let headers = RelayedHeaders.from(head)
            deliverWhole(status: status, headers: headers, body: buffer)
        default:
            break
        }
    }

    /// A 429, or a 503 with `Retry-After`: the provider asked for a pause, so no call gets a lease on it until the
    /// time it named (RFC 9110 §10.2.3: seconds or an HTTP date; capped at ``RetryAfter/maxSeconds``); a 429 without
    /// one pauses it for ``defaultCoolDown``.
    private func coolDownIfAsked(_ received: UpstreamResponseHead) {
        guard received.status == 429 || received.status == 503 else { return }
        var asked: Double?
        received.forEachField { name, value in
            if asked == nil, RelayedHeaders.isRetryAfter(name) { asked = RetryAfter.seconds(value) }
        }
        let pause: UInt64
        if let asked { pause = UInt64(asked * 1e9) } else if received.status == 429 { pause = Self.defaultCoolDown } else { return }
        guard pause > 0 else { return }
        context.selector.coolDown(lastProviderID, until: context.scheduler.now &+ pause)
        context.observer?.cooledDown(provider: lastProviderID, seconds: Double(pause) / 1e9)
    }

    /// The current attempt failed at the transport level (unreachable, timed out, broke).
    private func attemptFailed(_ error: UpstreamError) {
        let routerError: RouterError
        switch error.kind {
        case .timeout: routerError = .upstreamTimeout(error.message)
        case .connect: routerError = .upstreamUnreachable(error.message)
        case .tls, .protocolError, .cancelled: routerError = .upstreamFailed(error.message)
        }
        let wasStreaming: Bool
        if case .streaming = phase { wasStreaming = true } else { wasStreaming = false }
        // A timeout at the request's own deadline says the budget ran out, not that this provider is unhealthy
        // (an earlier attempt may have used most of it): no circuit failure for it.
        let outOfBudget = error.kind == .timeout && budgetSpent
        settleAttempt(ProviderOutcome(outOfBudget ? .cancelled : .failed, status: head?.status ?? 0, timeToFirstByte: timeToFirstByte, total: elapsed),
                      label: outOfBudget ? "budget" : error.kind.rawValue)
        if wasStreaming {
            // Headers are out: the sink reports it in-band and ends the stream as broken.
            streamBroken = true
            sink?.callDidFinishStream(error: routerError)
            end(status: head?.status ?? 200, errorCode: "stream_interrupted")
            return
        }
        if case .buffering = phase {
            // Committed to this provider's answer (no failover after the first byte was accepted).
            return fail(routerError)
        }
        lastError = routerError
        lastFailure = error.kind.rawValue
        if budgetSpent { return heldFailure != nil ? giveUp() : budgetExpired() }
        context.logger.warning("provider failed; trying another", [
            ("provider.id", .string(lastProviderID)), ("error", .string(error.message)), ("request.id", .string(request.requestID)),
        ])
        buffer.removeAll()
        acquireNext()
    }

    // MARK: budget

    /// Whether the request's budget has run out (it is only checked before an answer is committed).
    private var budgetSpent: Bool { deadline != 0 && context.scheduler.now >= deadline }

    /// An answer is about to be delivered: the request budget no longer applies (the chunk timeout does).
    private func commit() {
        deadline = 0
        cancelBudgetTimer()
    }

    private func cancelBudgetTimer() {
        if let timer = budgetTimer {
            context.scheduler.cancel(timer)
            budgetTimer = nil
        }
    }

    /// The budget ran out before an answer was committed: 504 naming the budget and the attempts made.
    private func budgetExpired() {
        budgetTimer = nil
        switch phase {
        case .idle, .acquiring, .attempting, .collectingFailure:
            if case .acquiring(let ticket) = phase { context.selector.cancel(ticket) }
            let waited = attempts
            abortTransfer()
            settleAttempt(ProviderOutcome(.cancelled, status: 0, timeToFirstByte: nil, total: elapsed), label: "budget")
            let seconds = Double(context.budget) / 1e9
            fail(RouterError(status: 504, message: "No provider answered within the request timeout of \(Self.format(seconds)) s (\(waited) attempt\(waited == 1 ? "" : "s")).", code: "upstream_timeout"))
        default:
            break
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    // MARK: endings

    private var elapsed: UInt64 { context.scheduler.now &- attemptStarted }
    private var timeToFirstByte: UInt64? { firstByteAt.map { $0 &- attemptStarted } }

    /// `mapped`: the error body is already in the OpenAI shape (held from a failed attempt).
    private func deliverWhole(status: Int, headers: HTTPHeaders, body: [UInt8], mapped: Bool = false) {
        commit()
        var fields = headers
        let answer: [UInt8]
        if (200..<300).contains(status) {
            do {
                answer = try transcoder?.transcodeWhole(body) ?? body
            } catch {
                return fail(error)
            }
            fields.add(name: "Content-Type", value: contentType ?? "application/json")
        } else {
            // The provider's own error: keep its status, give it the OpenAI shape, never leak its address.
            let shaped = mapped ? body : (transcoder?.mapError(status: status, body: body) ?? body)
            answer = UpstreamErrorBody.sanitize(shaped, status: status, provider: context.runtimes[lastProviderID]?.provider)
            fields.add(name: "Content-Type", value: "application/json")
        }
        sink?.callDidAnswer(status: status, headers: fields, body: answer)
        end(status: status, errorCode: nil)
    }

    private func fail(_ error: RouterError) {
        guard !isDone else { return }
        commit()
        abortTransfer()
        if case .streaming = phase {
            streamBroken = true
            sink?.callDidFinishStream(error: error)
        } else {
            sink?.callDidFail(error)
        }
        end(status: error.status, errorCode: error.code)
    }

    private func abortTransfer() {
        transfer?.cancel()
        transfer = nil
    }

    /// Releases the current lease (once) with `outcome`. An attempt the provider never processed (unreachable, or
    /// refused with 429) gives its TPM reservation back at once; other attempts are settled on real usage by
    /// whoever reads it (``ProviderSelector/settle(_:actualTokens:)``).
    private func settleAttempt(_ outcome: ProviderOutcome, label: String) {
        guard let used = lease else { return }
        lease = nil
        if used.reservedTokens > 0, label == "connect" || label == "status_429" {
            context.selector.settle(used, actualTokens: 0)
        }
        upstreamNanoseconds &+= MonotonicClock.now() &- attemptStartedExactly
        context.selector.release(used, outcome: outcome)
        context.observer?.attemptEnded(provider: used.providerID, outcome: label)
        context.health?.recordAttempt(used.providerID, label: label)
        // Kept for settling the TPM reservation on the usage the answer reports.
        if used.reservedTokens > 0 { answeredLease = used }
    }

    private func end(status: Int, errorCode: String?) {
        guard !isDone else { return }
        if lease != nil {
            settleAttempt(ProviderOutcome(.cancelled, status: head?.status ?? 0, timeToFirstByte: timeToFirstByte, total: elapsed), label: "abandoned")
        }
        commit()
        phase = .done
        if reserved > 0 {
            context.memory.release(reserved)
            reserved = 0
        }
        buffer = []
        context.unregister(self)
        let usage = transcoder?.usage
        if let usage { context.observer?.tokens(provider: lastProviderID, model: lastModelName, usage: usage) }
        // The TPM reservation of the answering attempt is corrected to what the provider reported.
        if let usage, let answered = answeredLease {
            context.selector.settle(answered, actualTokens: usage.promptTokens + usage.completionTokens)
            context.observer?.reserved(provider: answered.providerID, tokens: answered.reservedTokens, used: usage.promptTokens + usage.completionTokens)
        }
        // Refused before reaching a provider: a queue that was full or waited out, a request too large for every
        // window, or no provider at all (only when none was tried: after attempts it is a provider failure).
        switch errorCode {
        case let code? where code == "queue_full" || code == "queue_timeout" || code == "context_length_exceeded"
            || (code == "no_provider_available" && attempts == 0):
            context.observer?.rejected(model: request.model.name, reason: code)
        default: break
        }
        var summary = CallSummary(status: status, errorCode: errorCode, attempts: attempts, providerID: lastProviderID, streamBroken: streamBroken,
                                  upstreamNanoseconds: upstreamNanoseconds, usage: usage)
        summary.retries = retries
        summary.promptTokens = promptTokens
        if promptTokens > 0, (200..<300).contains(status), let price = context.runtimes[lastProviderID]?.provider.price {
            let cost = Double(usage?.promptTokens ?? promptTokens) / 1000 * price
            summary.cost = cost
            context.observer?.costed(provider: lastProviderID, cost: cost)
        }
        let finalSink = sink
        sink = nil
        finalSink?.callDidEnd(summary)
    }
}
