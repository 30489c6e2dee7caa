import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders
import SwitchyardRouting

/// The front doors of the other client dialects (Ollama, Anthropic) share this: their request, translated into
/// the OpenAI pivot, is routed like an OpenAI request, and the answer comes back through the dialect's
/// ``ClientTranscoder`` (errors in the dialect's shape, before and after the first byte).
extension Gateway {
    /// Starts the call for `translated`, or answers a local error in the client's dialect.
    func proxy(_ translated: TranslatedRequest, request: HTTPRequest, response: HTTPServerResponse, route: String,
               translator: ClientTranscoder, dialect: ClientDialect, notFound: (String) -> RouterError = RouterError.modelNotFound) {
        let parsed: ProxyRequest
        switch ProxyRequest.parse(translated.body) {
        case .failure(let error):
            // The translators write valid JSON with a model; reaching here is a router bug, said plainly.
            return finishLocally(response, route: route, error: error, dialect: dialect)
        case .success(let value):
            parsed = value
        }
        guard let model = config.model(named: translated.model) else {
            return finishLocally(response, route: route, error: notFound(translated.model), dialect: dialect)
        }
        startProxiedCall(parsed, model: model, endpoint: translated.endpoint, request: request, response: response, route: route,
                         logModel: translated.model, stream: translated.stream, translator: translator, dialect: dialect)
    }

    /// The dialect of the client calling `path`, for the errors the router gives before a route runs (client
    /// keys): Anthropic's Messages paths, Ollama's `/api/*` paths, OpenAI otherwise.
    static func dialect(ofPath path: String) -> ClientDialect {
        if path == "/v1/messages" || path == "/v1/messages/count_tokens" { return .anthropic }
        if ollamaPaths.contains(path) { return .ollama }
        return .openAI
    }

    private static let ollamaPaths: Set<String> = [
        "/api/chat", "/api/generate", "/api/embed", "/api/tags", "/api/show", "/api/ps", "/api/pull", "/api/push", "/api/create",
        "/api/copy", "/api/delete",
    ]
}
