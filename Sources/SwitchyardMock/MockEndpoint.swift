/// The paths the mock answers and the methods each accepts.
enum MockEndpoint: Sendable {
    case chatCompletions, completions, embeddings, models
    case ollamaChat, ollamaGenerate, ollamaEmbed, ollamaTags, ollamaVersion
    case anthropicMessages
    case health, ping, metrics
    case stats, lastRequest, reset, load

    /// Path → endpoint (exact match, query string ignored).
    static let routes: [String: MockEndpoint] = [
        "/v1/chat/completions": .chatCompletions, "/chat/completions": .chatCompletions,
        "/v1/completions": .completions, "/completions": .completions,
        "/v1/embeddings": .embeddings, "/embeddings": .embeddings,
        "/v1/models": .models, "/models": .models,
        "/api/chat": .ollamaChat, "/api/generate": .ollamaGenerate, "/api/embed": .ollamaEmbed,
        "/v1/messages": .anthropicMessages,
        "/api/tags": .ollamaTags, "/api/version": .ollamaVersion,
        "/health": .health, "/ping": .ping, "/metrics": .metrics,
        "/mock/stats": .stats, "/mock/last-request": .lastRequest, "/mock/reset": .reset, "/mock/load": .load,
    ]

    /// Accepted methods, in the order the `Allow` header lists them.
    var methods: [String] {
        switch self {
        case .chatCompletions, .completions, .embeddings, .ollamaChat, .ollamaGenerate, .ollamaEmbed, .anthropicMessages, .reset, .load:
            return ["POST"]
        case .models, .ollamaTags, .ollamaVersion, .health, .ping, .metrics, .stats, .lastRequest:
            return ["GET", "HEAD"]
        }
    }

    /// Ollama's own routes answer errors as `{"error": "..."}` instead of the OpenAI shape.
    var isOllama: Bool {
        switch self {
        case .ollamaChat, .ollamaGenerate, .ollamaEmbed, .ollamaTags, .ollamaVersion: return true
        default: return false
        }
    }
}
