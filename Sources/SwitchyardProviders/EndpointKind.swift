/// The OpenAI-compatible operations the router proxies.
package enum EndpointKind: String, Sendable {
    case chatCompletions = "chat/completions"
    case completions
    case embeddings
    /// OpenAI's Responses API, passed through as bytes to providers that serve it (the OpenAI family, Ollama's
    /// `/v1`); translating adapters refuse it (``OpenAIRequest/responsesNotSupported``).
    case responses
}
