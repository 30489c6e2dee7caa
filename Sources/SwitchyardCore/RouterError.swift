/// A client-facing error in the OpenAI shape `{"error":{"message","type","param","code"}}`. This type is the
/// one place where HTTP statuses map to OpenAI error types; every error a client sees goes through it.
package struct RouterError: Error, Sendable, Equatable, CustomStringConvertible {
    package var status: Int
    package var message: String
    /// Stable machine-readable code, e.g. `model_not_found`.
    package var code: String
    /// The request parameter at fault, if any.
    package var param: String?
    /// Seconds after which the client may retry, sent as `Retry-After` (queue timeouts, a full queue, limits).
    package var retryAfter: Int?

    package init(status: Int, message: String, code: String, param: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.retryAfter = retryAfter
    }

    /// OpenAI error `type` for the status.
    package var type: String {
        switch status {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404 where code == "model_not_found": return "invalid_request_error"
        case 404: return "not_found_error"
        case 405: return "invalid_request_error"
        case 408: return "timeout_error"
        case 413: return "invalid_request_error"
        case 429: return "rate_limit_error"
        case 400..<500: return "invalid_request_error"
        case 502: return "upstream_error"
        case 503: return "service_unavailable"
        case 504: return "timeout_error"
        default: return "server_error"
        }
    }

    package var description: String { "\(status) \(code): \(message)" }

    /// The JSON body.
    package var body: [UInt8] {
        var out = JSONWriter()
        out.raw("{\"error\":{\"message\":")
        out.string(message)
        out.raw(",\"type\":")
        out.string(type)
        out.raw(",\"param\":")
        if let param { out.string(param) } else { out.raw("null") }
        out.raw(",\"code\":")
        out.string(code)
        out.raw("}}")
        return out.bytes
    }

    // MARK: the errors the router produces

    package static func invalidJSON(_ detail: String) -> RouterError {
        RouterError(status: 400, message: "We could not parse the JSON body of your request: \(detail).", code: "invalid_json")
    }

    package static func invalidRequest(_ message: String, param: String? = nil, code: String = "invalid_request") -> RouterError {
        RouterError(status: 400, message: message, code: code, param: param)
    }

    package static let missingModel = RouterError(status: 400, message: "You must provide a model parameter (`model` or `model_name`).", code: "missing_model", param: "model")

    package static func modelNotFound(_ name: String) -> RouterError {
        RouterError(status: 404, message: "The model '\(name)' does not exist or is not active on this router.", code: "model_not_found", param: "model")
    }

    package static func notFound(path: String) -> RouterError {
        RouterError(status: 404, message: "Unknown path '\(path)'.", code: "not_found")
    }

    package static func methodNotAllowed(method: String, path: String, allowed: [String]) -> RouterError {
        RouterError(status: 405, message: "Method \(method) is not allowed on '\(path)'; use \(allowed.joined(separator: ", ")).", code: "method_not_allowed")
    }

    package static func upstreamUnreachable(_ detail: String) -> RouterError {
        RouterError(status: 502, message: "The model provider could not be reached: \(detail).", code: "upstream_unreachable")
    }

    package static func upstreamFailed(_ detail: String) -> RouterError {
        RouterError(status: 502, message: "The model provider failed: \(detail).", code: "upstream_error")
    }

    package static func upstreamTimeout(_ detail: String) -> RouterError {
        RouterError(status: 504, message: "The model provider did not answer in time: \(detail).", code: "upstream_timeout")
    }

    package static func noProvider(_ model: String) -> RouterError {
        RouterError(status: 503, message: "No provider is available for model '\(model)'.", code: "no_provider_available")
    }

    /// A request waited `seconds` in `model`'s queue without a provider becoming free.
    package static func queueTimeout(model: String, seconds: Double, retryAfter: Int) -> RouterError {
        RouterError(status: 503, message: "Every provider of model '\(model)' stayed busy for the \(Self.seconds(seconds)) s this request may wait in the queue (LLM_ROUTER_QUEUE_TIMEOUT); retry later.",
                    code: "queue_timeout", retryAfter: retryAfter)
    }

    /// `model`'s queue already holds `limit` waiting requests.
    package static func queueFull(model: String, limit: Int, retryAfter: Int) -> RouterError {
        RouterError(status: 429, message: "The queue of model '\(model)' is full (\(limit) requests waiting, LLM_ROUTER_QUEUE_MAX); retry later.",
                    code: "queue_full", retryAfter: retryAfter)
    }

    /// `value` without a fractional part when it has none.
    private static func seconds(_ value: Double) -> String {
        value == value.rounded() && value < 1e15 ? String(Int(value)) : String(value)
    }

    package static func serviceUnavailable(_ message: String) -> RouterError {
        RouterError(status: 503, message: message, code: "service_unavailable")
    }

    package static func unsupportedProvider(_ apiType: String) -> RouterError {
        RouterError(status: 501, message: "Providers of api_type '\(apiType)' are not supported for this endpoint yet.", code: "provider_not_supported")
    }

    /// An admin endpoint was called while no admin token is configured.
    package static func adminDisabled() -> RouterError {
        RouterError(status: 403, message: "The admin endpoints are off: set LLM_ROUTER_ADMIN_TOKEN (or --admin-token) to turn them on, then send it as 'Authorization: Bearer <token>'.",
                    code: "admin_disabled")
    }

    /// An admin endpoint was called without the admin token, or with a wrong one.
    package static func adminUnauthorized() -> RouterError {
        RouterError(status: 401, message: "This endpoint requires 'Authorization: Bearer <admin token>' (LLM_ROUTER_ADMIN_TOKEN).", code: "invalid_admin_token")
    }
}
