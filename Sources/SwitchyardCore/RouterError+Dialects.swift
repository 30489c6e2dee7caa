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

    /// Anthropic's error `type` for the status (their documented list: 400 invalid_request_error,
    /// 401 authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error,
    /// 413 request_too_large, 429 rate_limit_error, 500 api_error, 504 timeout_error, 529 overloaded_error).
    package var anthropicType: String {
        switch status {
        case 401: return "authentication_error"
        case 402: return "billing_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 400..<500: return "invalid_request_error"
        case 503, 529: return "overloaded_error"
        case 504: return "timeout_error"
        default: return "api_error"
        }
    }
}
