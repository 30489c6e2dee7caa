import SwitchyardCore

/// The error shapes of the client dialects (the OpenAI shape is ``RouterError/body``).
package enum ClientErrorShape {
    /// Ollama's `{"error":"…"}`.
    package static func ollama(_ error: RouterError) -> [UInt8] {
        var out = JSONWriter()
        out.raw("{\"error\":")
        out.string(error.message)
        out.raw("}")
        return out.bytes
    }

    /// Anthropic's `{"type":"error","error":{"type","message"}}`.
    package static func anthropic(_ error: RouterError) -> [UInt8] {
        var out = JSONWriter()
        out.raw("{\"type\":\"error\",\"error\":{\"type\":")
        out.string(anthropicType(error))
        out.raw(",\"message\":")
        out.string(error.message)
        out.raw("}}")
        return out.bytes
    }

    /// Anthropic's error `type` for a status (their documented list: 400 invalid_request_error,
    /// 401 authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large,
    /// 429 rate_limit_error, 500 api_error, 504 timeout_error, 529 overloaded_error).
    package static func anthropicType(_ error: RouterError) -> String {
        switch error.status {
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
