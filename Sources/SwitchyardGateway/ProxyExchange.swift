import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardProviders
import SwitchyardRouting
import SwitchyardUpstream

/// One proxied request from selection to settlement: picks a provider (following the model's fallback chain),
/// calls it, relays the answer (SSE chunk by chunk with back-pressure, or JSON), fails over while nothing has
/// been sent to the client, and releases the provider exactly once per attempt.
final class ProxyExchange: UpstreamResponseHandler {
    private enum Mode { case pending, streaming, buffering, discarding }

    /// Statuses that mean "this provider cannot serve now" rather than "the request is wrong".
    private static let failoverStatuses: Set<Int> = [429, 500, 502, 503, 504]
    private static let maxAttempts = 8
    private static let maxBufferedBody = 64 * 1024 * 1024

    private let gateway: Gateway
    private let response: HTTPServerResponse
    private let endpoint: EndpointKind
    private let route: String
    private let request: ProxyRequest
    private let requestID: String
    private var model: ModelConfig
    private var visitedModels: Set<String>
    private var attempted: Set<String> = []
    private var attempts = 0
    private var provider: ProviderConfig?
    private var transfer: UpstreamTransfer?
    private var attemptStarted: UInt64 = 0
    private var mode = Mode.pending
    private var status = 0
    private var contentType: String?
    private var buffer: [UInt8] = []
    private var rewriter: ModelNameRewriter
    /// Reused for every rewritten piece of a stream.
    private var streamBuffer: [UInt8] = []
    private var rewriteModel = false
    private var done = false
    private var lastError: RouterError?
    /// The provider of the last attempt, for the access log.
    private var lastProviderID = ""

    init(gateway: Gateway, response: HTTPServerResponse, endpoint: EndpointKind, route: String, request: ProxyRequest, model: ModelConfig, requestID: String) {
        self.gateway = gateway
        self.response = response
        self.endpoint = endpoint
        self.route = route
        self.request = request
        self.model = model
        self.requestID = requestID
        self.visitedModels = [model.name]
        self.rewriter = ModelNameRewriter(clientModel: request.model)
    }

    func start() {
        gateway.metrics.inFlight += 1
        // The exchange keeps itself alive through these closures until it settles.
        response.onAbort = { [self] in clientWentAway() }
        response.onWritable = { [self] in transfer?.resume() }
        attempt()
    }

    // MARK: selection

    private func attempt() {
        while attempts < Self.maxAttempts {
            guard let chosen = nextProvider() else { break }
            attempts += 1
            attempted.insert(chosen.id)
            let runtime = gateway.runtime(for: chosen)
            guard runtime.supported else {
                gateway.strategy.release(chosen, of: model, outcome: .failed)
                lastError = .unsupportedProvider(chosen.apiType.rawValue)
                continue
            }
            provider = chosen
            mode = .pending
            status = 0
            contentType = nil
            buffer.removeAll()
            rewriteModel = chosen.modelPath != request.model
            attemptStarted = gateway.loop.now
            let body = OpenAICompatibleAdapter.requestBody(request.body, scan: request.scan, quotedModel: runtime.quotedModelPath)
            transfer = gateway.upstream.start(UpstreamRequest(url: runtime.url(endpoint), headers: runtime.headers, body: body), handler: self)
            return
        }
        fail(lastError ?? .noProvider(request.model))
    }

    /// The next provider not yet tried, from this model or, once it is exhausted, its fallback chain.
    private func nextProvider() -> ProviderConfig? {
        while true {
            // Prefer providers whose circuit is closed; if every remaining one is open, try them anyway.
            if !gateway.circuits.isEmpty {
                let skipped = attempted.union(gateway.circuits.openProviders(now: gateway.loop.now))
                if skipped.count > attempted.count, let chosen = gateway.strategy.select(for: model, excluding: skipped) { return chosen }
            }
            if let chosen = gateway.strategy.select(for: model, excluding: attempted) { return chosen }
            guard let fallback = model.fallbackModel, !visitedModels.contains(fallback), let next = gateway.config.model(named: fallback) else {
                return nil
            }
            gateway.logger.info("falling back to another model", [("model", .string(model.name)), ("fallback_model", .string(fallback)), ("request.id", .string(requestID))])
            visitedModels.insert(fallback)
            model = next
        }
    }

    /// Whether another provider could still be tried (without asking the strategy to choose).
    private func hasAlternative() -> Bool {
        if attempts >= Self.maxAttempts { return false }
        var current: ModelConfig? = model
        var seen = visitedModels
        while let m = current {
            if m.providers.contains(where: { !attempted.contains($0.id) }) { return true }
            guard let fallback = m.fallbackModel, !seen.contains(fallback) else { return false }
            seen.insert(fallback)
            current = gateway.config.model(named: fallback)
        }
        return false
    }

    // MARK: upstream events

    func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
        let status = head.status
        let contentType = head.contentType
        self.status = status
        self.contentType = contentType
        if Self.failoverStatuses.contains(status) && hasAlternative() {
            mode = .discarding
            gateway.logger.warning("provider answered with a retryable status; failing over", [
                ("provider.id", .string(provider?.id ?? "")), ("status", .int(status)), ("request.id", .string(requestID)),
            ])
            settleAttempt(outcome: .failed, label: "status_\(status)", unhealthy: status == 502 || status == 503)
            transfer?.cancel()
            transfer = nil
            gateway.loop.afterCurrentIteration { [self] in if !done { attempt() } }
            return
        }
        if request.stream && (200..<300).contains(status) && (contentType?.hasPrefix("text/event-stream") ?? false) {
            mode = .streaming
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/event-stream")
            headers.add(name: "Cache-Control", value: "no-cache")
            headers.add(name: "X-Accel-Buffering", value: "no")
            headers.add(name: "X-Request-Id", value: requestID)
            response.startStream(status: status, headers: headers)
        } else {
            mode = .buffering
        }
    }

    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch mode {
        case .streaming:
            if rewriteModel {
                streamBuffer.removeAll(keepingCapacity: true)
                rewriter.rewriteSSE(bytes, into: &streamBuffer)
                return streamBuffer.isEmpty ? true : streamBuffer.withUnsafeBytes { response.write($0) }
            }
            return response.write(bytes)
        case .buffering, .pending:
            if buffer.count + bytes.count > Self.maxBufferedBody {
                transfer?.cancel()
                transfer = nil
                settleAttempt(outcome: .failed, label: "too_large")
                fail(.upstreamFailed("the provider's response is larger than \(Self.maxBufferedBody) bytes"))
                return false
            }
            buffer.append(contentsOf: bytes)
            return true
        case .discarding:
            return true
        }
    }

    func upstreamDidFinish(error: UpstreamError?) {
        transfer = nil
        if done || mode == .discarding { return }
        if let error {
            settleAttempt(outcome: .failed, label: error.kind.rawValue, unhealthy: error.kind == .connect || error.kind == .timeout)
            let routerError: RouterError
            switch error.kind {
            case .timeout: routerError = .upstreamTimeout(error.message)
            case .connect: routerError = .upstreamUnreachable(error.message)
            case .tls, .protocolError, .cancelled: routerError = .upstreamFailed(error.message)
            }
            if mode == .streaming {
                // Headers are out: report in-band, the way OpenAI's SDKs read stream errors, then end the stream.
                var event = Array("data: ".utf8)
                event.append(contentsOf: routerError.body)
                event.append(contentsOf: Array("\n\n".utf8))
                response.write(event)
                response.finish()
                settle(status: status)
                return
            }
            // Nothing was sent yet: a provider that could not be reached (or broke) is skipped for another.
            if error.kind != .cancelled && hasAlternative() {
                lastError = routerError
                gateway.logger.warning("provider failed; failing over", [
                    ("provider.id", .string(provider?.id ?? "")), ("error", .string(error.message)), ("request.id", .string(requestID)),
                ])
                attempt()
                return
            }
            fail(routerError)
            return
        }
        settleAttempt(outcome: .completed(seconds: Double(gateway.loop.now &- attemptStarted) / 1e9), label: (200..<300).contains(status) ? "ok" : "status_\(status)")
        switch mode {
        case .streaming:
            if rewriteModel {
                let rest = rewriter.finish()
                if !rest.isEmpty { response.write(rest) }
            }
            response.finish()
            settle(status: status)
        case .buffering, .pending:
            relayBuffered()
        case .discarding:
            break
        }
    }

    private func relayBuffered() {
        if (200..<300).contains(status) {
            send(status: status, body: rewriteModel ? rewriter.rewriteJSON(buffer) : buffer, contentType: contentType ?? "application/json")
        } else {
            // The provider's own error: keep its status, keep an OpenAI-shaped body, never leak its address.
            send(status: status, body: UpstreamErrorBody.sanitize(buffer, status: status, provider: provider))
        }
        settle(status: status)
    }

    /// Sends a whole (non-streamed) answer carrying the request id.
    private func send(status: Int, body: [UInt8], contentType: String = "application/json") {
        var headers = HTTPHeaders()
        headers.add(name: "X-Request-Id", value: requestID)
        headers.add(name: "Content-Type", value: contentType)
        response.send(status: status, headers: headers, body: body)
    }

    // MARK: endings

    private func clientWentAway() {
        guard !done else { return }
        transfer?.cancel()
        transfer = nil
        settleAttempt(outcome: .cancelled, label: "client_closed")
        settle(status: 499)
    }

    private func fail(_ error: RouterError) {
        guard !done else { return }
        if mode == .streaming {
            response.abortStream()
        } else {
            send(status: error.status, body: error.body)
        }
        settle(status: error.status, errorCode: error.code)
    }

    /// Releases the current attempt's provider (once). `unhealthy` opens its circuit (unreachable, timed out,
    /// 502/503); an answer of its own (other than 429) closes it; a cancelled attempt says nothing about it.
    private func settleAttempt(outcome: ProviderOutcome, label: String, unhealthy: Bool = false) {
        guard let used = provider else { return }
        provider = nil
        if unhealthy {
            gateway.circuits.recordFailure(used.id, now: gateway.loop.now)
        } else if case .completed = outcome, status < 500, status != 429 {
            gateway.circuits.recordSuccess(used.id)
        }
        gateway.strategy.release(used, of: model, outcome: outcome)
        gateway.metrics.recordUpstream(provider: used.id, outcome: label)
        lastProviderID = used.id
    }

    /// Final bookkeeping: metrics, access log, break the reference cycle through the response closures.
    private func settle(status: Int, errorCode: String? = nil) {
        guard !done else { return }
        done = true
        if provider != nil { settleAttempt(outcome: .cancelled, label: "abandoned") }
        gateway.metrics.inFlight -= 1
        response.onAbort = nil
        response.onWritable = nil
        gateway.recordAccess(response, route: route, status: status, fields: gateway.logger.enabled(.info) ? accessFields(errorCode) : [])
    }

    /// The proxy's part of the access-log line.
    private func accessFields(_ errorCode: String?) -> [(String, LogValue)] {
        var fields: [(String, LogValue)] = [
            ("model", .string(request.model)),
            ("provider.id", .string(lastProviderID)),
            ("stream", .bool(request.stream)),
            ("attempts", .int(attempts)),
            ("request.id", .string(requestID)),
        ]
        if let errorCode { fields.append(("error.code", .string(errorCode))) }
        return fields
    }
}
