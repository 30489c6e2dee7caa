import Glibc
import SwitchyardCore
import SwitchyardProviders
import SwitchyardUpstream

/// Per-provider values computed once per configuration: upstream URLs, the prepared header list, the quoted
/// `model_path`, and the adapter pieces (request body, response transcoder) for its dialect.
final class ProviderRuntime {
    let provider: ProviderConfig
    let headers: UpstreamHeaderList
    /// Whether an adapter exists for the provider's `api_type`.
    let supported: Bool
    /// `model_path` as a JSON string, spliced into every request body.
    let quotedModelPath: [UInt8]
    /// The translating adapter (Ollama, Anthropic, Gemini); nil for the OpenAI family, relayed as bytes.
    private let adapter: ProviderAdapter?
    private let chatURL: String
    private let completionsURL: String
    private let embeddingsURL: String
    private let responsesURL: String

    init(provider: ProviderConfig) {
        self.provider = provider
        self.adapter = ProviderAdapters.adapter(for: provider)
        self.supported = ProviderAdapters.supports(provider)
        self.quotedModelPath = JSONWriter.quoted(provider.modelPath)
        self.headers = UpstreamHeaderList(adapter?.headerLines ?? OpenAICompatibleAdapter.headerLines(for: provider))
        self.chatURL = OpenAICompatibleAdapter.url(for: provider, endpoint: .chatCompletions)
        self.completionsURL = OpenAICompatibleAdapter.url(for: provider, endpoint: .completions)
        self.embeddingsURL = OpenAICompatibleAdapter.url(for: provider, endpoint: .embeddings)
        self.responsesURL = OpenAICompatibleAdapter.url(for: provider, endpoint: .responses)
    }

    func url(_ endpoint: EndpointKind) -> String {
        switch endpoint {
        case .chatCompletions: return chatURL
        case .completions: return completionsURL
        case .embeddings: return embeddingsURL
        case .responses: return responsesURL
        }
    }

    /// The upstream request for one attempt of `request` and the transcoder for its answer. Throws a 400 when
    /// the provider's dialect cannot express what the request asks.
    func prepare(_ request: CallRequest) throws(RouterError) -> (UpstreamRequest, ResponseTranscoder) {
        // The Responses API is relayed as bytes (Ollama serves it on its `/v1`); the route refuses it for the others.
        if let adapter, request.endpoint != .responses {
            let parsed = try OpenAIRequest(request.body, endpoint: request.endpoint)
            let adapted = try adapter.upstreamRequest(for: parsed)
            let prefix = request.endpoint == .chatCompletions ? "chatcmpl-" : "cmpl-"
            let identity = ReplyIdentity(id: prefix + request.requestID, created: Int(time(nil)), model: request.clientModel)
            var upstream = UpstreamRequest(url: adapted.url, headers: headers, body: adapted.body)
            upstream.requestID = request.requestID
            return (upstream, adapter.transcoder(for: parsed, identity: identity))
        }
        var body = OpenAICompatibleAdapter.requestBody(request.body, scan: request.scan, quotedModel: quotedModelPath)
        // Usage accounting: a stream reports its tokens only when asked; the router asks, and removes the extra
        // chunk again unless the client asked too (a client's own `stream_options` is left as it is).
        // (Not for the Responses API, whose streams report usage anyway and which has no `include_usage`.)
        let askUsage = request.stream && (request.endpoint == .chatCompletions || request.endpoint == .completions)
            && request.scan.member("stream_options") == nil
        if askUsage { body = OpenAICompatibleAdapter.requestingStreamUsage(body) }
        let transcoder = OpenAIResponseTranscoder(clientModel: request.clientModel, providerModel: provider.modelPath, stripUsageChunk: askUsage)
        var upstream = UpstreamRequest(url: url(request.endpoint), headers: headers, body: body)
        upstream.requestID = request.requestID
        return (upstream, transcoder)
    }
}
