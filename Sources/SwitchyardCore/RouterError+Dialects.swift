/// The API dialect a client speaks, which decides the shape of the errors it gets.
package enum ClientDialect: Sendable {
    /// `{"error":{"message","type","param","code"}}`.
    case openAI
    /// `{"type":"error","error":{"type","message"}}` (Anthropic's Messages API).
    case anthropic
    /// `{"error":"message"}` (Ollama's API).
    case ollama
}

extension RouterError {
    /// The error's body in `dialect`'s shape: each front door (OpenAI, Anthropic, Ollama) answers its clients with
    /// the errors they parse.
    package func body(for dialect: ClientDialect) -> [UInt8] {
        switch dialect {
        case .openAI:
            return body
        case .anthropic:
            var out = JSONWriter()
            out.raw("{\"type\":\"error\",\"error\":{\"type\":")
            out.string(anthropicType)
            out.raw(",\"message\":")
            out.string(message)
            out.raw("}}")
            return out.bytes
        case .ollama:
            var out = JSONWriter()
            out.raw("{\"error\":")
            out.string(message)
            out.raw("}")
            return out.bytes
        }
    }

    /// Anthropic's error `type` for the status (their documented list).
    private var anthropicType: String {
        switch status {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 400..<500: return "invalid_request_error"
        case 503, 529: return "overloaded_error"
        default: return "api_error"
        }
    }
}
