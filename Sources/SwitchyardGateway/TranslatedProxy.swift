import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders

/// The front doors of the other client dialects (Ollama, Anthropic) share this: their request, translated into
/// the OpenAI pivot, is routed like an OpenAI request, and the answer comes back through the dialect's
/// ``ClientTranscoder`` (errors in the dialect's shape, before and after the first byte).
extension Gateway {
    /// Starts the call for `translated`, or answers a local error in the client's dialect.
    func proxy(_ translated: TranslatedRequest, response: HTTPServerResponse, route: String, requestID: String,
               translator: ClientTranscoder, notFound: (String) -> RouterError = RouterError.modelNotFound) {
        let parsed: ProxyRequest
        switch ProxyRequest.parse(translated.body) {
        case .failure(let error):
            // The translators write valid JSON with a model; reaching here is a router bug, said plainly.
            return finishLocally(response, route: route, error: error, body: translator.errorBody(error), requestID: requestID)
        case .success(let value):
            parsed = value
        }
        guard let model = config.model(named: translated.model) else {
            let error = notFound(translated.model)
            return finishLocally(response, route: route, error: error, body: translator.errorBody(error), requestID: requestID)
        }
        let access = ProxiedAccess(gateway: self, route: route, model: translated.model, stream: translated.stream)
        let sink = ClientRelaySink(response: response, requestID: requestID, access: access, translator: translator, clientStream: translated.stream)
        let call = UpstreamCall(context: calls, request: CallRequest(endpoint: translated.endpoint, proxy: parsed, model: model, requestID: requestID), sink: sink)
        sink.attach(call)
        call.start()
    }

    /// Answers a router error with `body` (the error in the client's dialect).
    func finishLocally(_ response: HTTPServerResponse, route: String, error: RouterError, body: [UInt8], requestID: String?) {
        var fields = HTTPHeaders()
        if let requestID { fields.add(name: "X-Request-Id", value: requestID) }
        sendLocal(response, route: route, status: error.status, body: body, headers: fields, errorCode: error.code)
    }
}
