/// The OpenAI-compatible operations the router proxies.
package enum EndpointKind: String, Sendable {
    case chatCompletions = "chat/completions"
    case completions
    case embeddings
}
