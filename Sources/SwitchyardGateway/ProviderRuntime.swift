import SwitchyardCore
import SwitchyardProviders
import SwitchyardUpstream

/// Per-provider values computed once per configuration: upstream URLs and the prepared header list.
final class ProviderRuntime {
    let provider: ProviderConfig
    let headers: UpstreamHeaderList
    let supported: Bool
    /// `model_path` as a JSON string, spliced into every request body.
    let quotedModelPath: [UInt8]
    private let chatURL: String
    private let completionsURL: String
    private let embeddingsURL: String

    init(provider: ProviderConfig) {
        self.provider = provider
        self.supported = OpenAICompatibleAdapter.supports(provider)
        self.quotedModelPath = JSONWriter.quoted(provider.modelPath)
        self.headers = UpstreamHeaderList(OpenAICompatibleAdapter.headerLines(for: provider))
        self.chatURL = OpenAICompatibleAdapter.url(for: provider, endpoint: .chatCompletions)
        self.completionsURL = OpenAICompatibleAdapter.url(for: provider, endpoint: .completions)
        self.embeddingsURL = OpenAICompatibleAdapter.url(for: provider, endpoint: .embeddings)
    }

    func url(_ endpoint: EndpointKind) -> String {
        switch endpoint {
        case .chatCompletions: return chatURL
        case .completions: return completionsURL
        case .embeddings: return embeddingsURL
        }
    }
}
