/// The OpenAI-compatible operations the router proxies.
package enum EndpointKind: String, Sendable {
    case chatCompletions = "chat/completions"
    case completions
    case embeddings
    /// OpenAI's Responses API, passed through to OpenAI-family providers only.
    case responses
}
