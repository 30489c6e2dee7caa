import SwitchyardCore
import SwitchyardHTTP
import SwitchyardPrompts

/// The builtin text endpoints (translate, summarize, questions, articles, context QA, conversations, polarity,
/// labels) under `LLM_ROUTER_EP_PREFIX` and `/builtin/`. Each renders prompts from the library, runs its model
/// calls through ``BuiltinJob`` (or streams one call through ``ClientRelaySink``), and answers in llm-router's
/// envelope `{"response": …, "generation_time": seconds}`.
struct BuiltinRoutes {
    unowned let gateway: Gateway

    func register(in table: RouteTable, prefix: String) {
        for endpoint in BuiltinEndpoint.allCases {
            for base in Set([prefix, "/builtin"]) {
                let gateway = self.gateway
                table.add(base + "/" + endpoint.rawValue, name: endpoint.routeName, method: "POST") { [unowned gateway] request, response in
                    Self.serve(endpoint, request, response, gateway: gateway)
                }
            }
        }
    }

    private static func serve(_ endpoint: BuiltinEndpoint, _ request: HTTPRequest, _ response: HTTPServerResponse, gateway: Gateway) {
        let route = endpoint.routeName
        let requestID = response.requestID
        let settings = gateway.settings
        let parsed: BuiltinRequest
        switch BuiltinRequest.parse(request.body, defaultLanguage: settings.defaultLanguage, maxTexts: settings.builtinMaxTexts) {
        case .failure(let error): return gateway.finishLocally(response, route: route, error: error, requestID: requestID)
        case .success(let value): parsed = value
        }
        guard let model = gateway.config.model(named: parsed.model) else {
            return gateway.finishLocally(response, route: route, error: .modelNotFound(parsed.model), requestID: requestID)
        }
        if let refusal = gateway.clientKeyRefusal(model: model.name) {
            return gateway.finishLocally(response, route: route, error: refusal)
        }
        if parsed.stream && endpoint.isPerText {
            let error = RouterError.invalidRequest("`stream` is not supported by \(endpoint.rawValue): it answers one result per text; stream the single-output endpoints (articles, answers, conversations) instead.", param: "stream", code: "stream_not_supported")
            return gateway.finishLocally(response, route: route, error: error, requestID: requestID)
        }
        let plan: BuiltinPlan
        switch BuiltinPlan.make(endpoint, request: parsed, prompts: gateway.prompts) {
        case .failure(let error): return gateway.finishLocally(response, route: route, error: error, requestID: requestID)
        case .success(let value): plan = value
        }
        let options = parsed.options
        let bodies = plan.calls.map { chatBody(model: parsed.model, messages: $0, options: options, stream: parsed.stream) }

        if parsed.stream {
            // One call, relayed as the provider's SSE in the OpenAI chunk format, naming the client's model.
            guard case .success(let proxy) = ProxyRequest.parse(bodies[0]) else {
                return gateway.finishLocally(response, route: route, error: .invalidJSON("internal: the builtin request could not be built"), requestID: requestID)
            }
            let access = ProxiedAccess(gateway: gateway, route: route, model: parsed.model, stream: true)
            let sink = ClientRelaySink(response: response, requestID: requestID, access: access)
            let call = UpstreamCall(context: gateway.calls, request: CallRequest(endpoint: .chatCompletions, proxy: proxy, model: model, requestID: requestID), sink: sink)
            sink.attach(call)
            return call.start()
        }

        let job = BuiltinJob(context: gateway.calls, calls: bodies, model: model, requestID: requestID,
                             concurrency: settings.builtinConcurrency, perText: endpoint.isPerText) { [unowned gateway] result in
            response.onAbort = nil
            switch result.flatMap(plan.shape) {
            case .success(let value):
                var out = JSONWriter(capacity: value.count + 64)
                out.raw("{\"response\":")
                out.bytes.append(contentsOf: value)
                out.raw(",\"generation_time\":")
                out.number(Double(gateway.loop.now &- response.receivedAt) / 1e9)
                out.raw("}")
                var headers = HTTPHeaders()
                headers.add(name: "X-Request-Id", value: requestID)
                gateway.sendLocal(response, route: route, body: out.bytes, headers: headers)
            case .failure(let error):
                gateway.finishLocally(response, route: route, error: error, requestID: requestID)
            }
        }
        response.onAbort = { [job] in
            job.cancel()
            gateway.recordAccess(response, route: route, status: 499, fields: [])
        }
        job.start()
    }

    /// An OpenAI chat completion request body.
    static func chatBody(model: String, messages: [ChatMessage], options: [(String, JSONValue)], stream: Bool) -> [UInt8] {
        var out = JSONWriter(capacity: 256 + messages.reduce(0) { $0 + $1.content.utf8.count })
        out.raw("{\"model\":")
        out.string(model)
        out.raw(",\"messages\":[")
        for (index, message) in messages.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"role\":")
            out.string(message.role)
            out.raw(",\"content\":")
            out.string(message.content)
            out.raw("}")
        }
        out.raw("]")
        for (name, value) in options {
            out.raw(",")
            out.string(name)
            out.raw(":")
            value.write(to: &out)
        }
        if stream { out.raw(",\"stream\":true") }
        out.raw("}")
        return out.bytes
    }
}
