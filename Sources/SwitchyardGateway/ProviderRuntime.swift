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
    private let chatURL: String
    private let completionsURL: String
    private let embeddingsURL: String
    private let responsesURL: String

    init(provider: ProviderConfig) {
        self.provider = provider
        self.supported = OpenAICompatibleAdapter.supports(provider)
        self.quotedModelPath = JSONWriter.quoted(provider.modelPath)
        self.headers = UpstreamHeaderList(OpenAICompatibleAdapter.headerLines(for: provider))
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

    /// The upstream request for one attempt of `call`.
    func upstreamRequest(for request: CallRequest) -> UpstreamRequest {
        let body = OpenAICompatibleAdapter.requestBody(request.body, scan: request.scan, quotedModel: quotedModelPath)
        return UpstreamRequest(url: url(request.endpoint), headers: headers, body: body)
    }

    /// A fresh transcoder for one attempt answering a client that asked for `clientModel`.
    func transcoder(clientModel: String) -> ResponseTranscoder {
        OpenAIResponseTranscoder(clientModel: clientModel, providerModel: provider.modelPath)
    }
}
