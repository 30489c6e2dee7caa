import SwitchyardCore

/// An upstream request an adapter built: where to send it and what.
package struct AdaptedRequest: Sendable {
    package var url: String
    package var body: [UInt8]
    package init(url: String, body: [UInt8]) {
        self.url = url
        self.body = body
    }
}

/// A provider dialect other than OpenAI's: pure translation (no sockets) between the OpenAI request the router
/// pivots on and the provider's own API. One per provider, built once per configuration.
package protocol ProviderAdapter: Sendable {
    /// Header lines sent with every request (they may carry the provider's key: never log them).
    var headerLines: [String] { get }
    /// The provider's request for `request`; a 400 naming the field when the provider cannot do what it asks.
    func upstreamRequest(for request: OpenAIRequest) throws(RouterError) -> AdaptedRequest
    /// A fresh transcoder for one attempt: the provider's answer (whole, streamed or an error) into OpenAI's dialect.
    func transcoder(for request: OpenAIRequest, identity: ReplyIdentity) -> ResponseTranscoder
}

/// The adapters by provider family.
package enum ProviderAdapters {
    /// The translating adapter for `provider`; nil for the OpenAI family (relayed as bytes by
    /// ``OpenAICompatibleAdapter``) and for the families not supported (`vertex_ai`, `bedrock`).
    package static func adapter(for provider: ProviderConfig) -> ProviderAdapter? {
        switch provider.apiType {
        case .ollama: return OllamaAdapter(provider: provider)
        case .anthropic: return AnthropicAdapter(provider: provider)
        case .gemini: return GeminiAdapter(provider: provider)
        default: return nil
        }
    }

    /// Whether the router can serve `provider` at all (byte relay or translation).
    package static func supports(_ provider: ProviderConfig) -> Bool {
        switch provider.apiType {
        case .ollama, .anthropic, .gemini: return true
        default: return OpenAICompatibleAdapter.supports(provider)
        }
    }

    /// `apiHost` without a trailing `/` and without any of `suffixes` (a base path users wrote for the
    /// provider's OpenAI-compatible endpoint, which the native API does not live under).
    package static func base(_ apiHost: String, dropping suffixes: [String]) -> String {
        var host = apiHost
        while host.hasSuffix("/") { host.removeLast() }
        for suffix in suffixes where host.hasSuffix(suffix) {
            host.removeLast(suffix.count)
            break
        }
        return host
    }

    /// Whether `host` (`scheme://authority[/path]`) has a path after its authority.
    package static func hasBasePath(_ host: String) -> Bool {
        var slashes = 0
        for byte in host.utf8 where byte == 0x2F {
            slashes += 1
            if slashes == 3 { return true }
        }
        return false
    }

    /// The `message` of a provider error body in the usual shapes (`{"error":"…"}`, `{"error":{"message":…}}`,
    /// `{"message":…}`), or the body's text.
    static func errorMessage(_ body: [UInt8], status: Int) -> (message: String, type: String?) {
        if let value = JSONValue.parse(body) {
            if let text = value["error"]?.string { return (text, nil) }
            if let error = value["error"]?.object, let text = error["message"]?.string {
                return (text, error["type"]?.string ?? error["status"]?.string)
            }
            if let text = value["message"]?.string { return (text, nil) }
        }
        var snippet = String(decoding: body, as: UTF8.self)
        if snippet.count > 500 { snippet = String(snippet.prefix(500)) + "…" }
        return (snippet.isEmpty ? "Provider error (HTTP \(status))." : "Provider error (HTTP \(status)): \(snippet)", nil)
    }
}
