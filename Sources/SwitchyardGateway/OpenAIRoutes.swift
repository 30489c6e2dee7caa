import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardProviders
import SwitchyardRouting

/// The OpenAI-compatible proxy endpoints (chat completions, completions, embeddings) under `/v1`, the bare
/// paths and llm-router's prefix, the Responses API (`/v1/responses`, `/responses`: OpenAI-family providers
/// only) and llm-router's LM Studio-style `{prefix}/v0/chat/completions`: each request becomes one
/// ``UpstreamCall`` relayed to the client.
struct OpenAIRoutes {
    unowned let gateway: Gateway

    func register(in table: RouteTable, prefix: String) {
        for base in ["/v1", "", prefix] {
            add(table, base + "/chat/completions", "chat_completions", .chatCompletions)
            add(table, base + "/completions", "completions", .completions)
            add(table, base + "/embeddings", "embeddings", .embeddings)
        }
        add(table, "/v1/responses", "responses", .responses)
        add(table, "/responses", "responses", .responses)
        add(table, prefix + "/v0/chat/completions", "chat_completions", .chatCompletions)
    }

    private func add(_ table: RouteTable, _ path: String, _ name: String, _ endpoint: EndpointKind) {
        let gateway = self.gateway
        table.add(path, name: name, method: "POST") { [unowned gateway] request, response in
            // Even while draining, a request that reached us is served (with `Connection: close`): refusing it
            // would fail a client that merely reused a keep-alive connection during a reload.
            Self.proxy(request, response: response, endpoint: endpoint, route: name, gateway: gateway)
        }
    }

    static func proxy(_ request: HTTPRequest, response: HTTPServerResponse, endpoint: EndpointKind, route: String, gateway: Gateway) {
        let requestID = response.requestID
        let parsed: ProxyRequest
        switch ProxyRequest.parse(request.body) {
        case .failure(let error):
            return gateway.finishLocally(response, route: route, error: error, requestID: requestID)
        case .success(let value):
            parsed = value
        }
        guard let model = gateway.config.model(named: parsed.model) else {
            return gateway.finishLocally(response, route: route, error: .modelNotFound(parsed.model), requestID: requestID)
        }
        if endpoint == .responses, model.providers.contains(where: { !$0.apiType.isOpenAICompatible }) {
            // The Responses API has no translation: only providers that serve it themselves can answer.
            return gateway.finishLocally(response, route: route, error: OpenAIRequest.responsesNotSupported, requestID: requestID)
        }
        gateway.startProxiedCall(parsed, model: model, endpoint: endpoint, request: request, response: response, route: route,
                                 logModel: parsed.model, stream: parsed.stream)
    }
}

/// The access-log line and metrics of one proxied request (held by its sink: no closure per request).
struct ProxiedAccess {
    unowned let gateway: Gateway
    let route: String
    let model: String
    let stream: Bool

    /// A stream that broke keeps the status the client saw (its head was already sent) but is logged and counted
    /// as broken.
    func record(_ response: HTTPServerResponse, summary: CallSummary) {
        if summary.streamBroken { gateway.metrics.recordBrokenStream(route: route) }
        var fields: [(String, LogValue)] = []
        if gateway.logger.enabled(.info) {
            fields = [
                ("model", .string(model)),
                ("provider.id", .string(summary.providerID)),
                ("stream", .bool(stream)),
                ("attempts", .int(summary.attempts)),
            ]
            if !summary.retries.isEmpty { fields.append(("retries", .string(summary.retries.joined(separator: ",")))) }
            if summary.promptTokens > 0 { fields.append(("tokens.prompt_estimate", .int(summary.promptTokens))) }
            if let cost = summary.cost { fields.append(("cost", .double(cost))) }
            if summary.streamBroken { fields.append(("stream.broken", .bool(true))) }
            if let code = summary.errorCode { fields.append(("error.code", .string(code))) }
        }
        let total = MonotonicClock.now() &- response.receivedAt
        gateway.metrics.recordOverhead(nanoseconds: total > summary.upstreamNanoseconds ? total - summary.upstreamNanoseconds : 0)
        gateway.recordAccess(response, route: route, status: summary.status, level: summary.streamBroken ? .warning : .info, fields: fields,
                             model: model, provider: summary.providerID)
    }
}
