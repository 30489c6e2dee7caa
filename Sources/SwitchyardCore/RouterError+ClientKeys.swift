extension RouterError {
    /// A request without a client key while `LLM_ROUTER_AUTH_ENABLED` is on.
    package static let missingClientKey = RouterError(
        status: 401, message: "This router requires a client key: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", code: "missing_api_key")

    /// A client key that is not in the keys file.
    package static let invalidClientKey = RouterError(status: 401, message: "The client key is not valid.", code: "invalid_api_key")

    /// A client key over its requests per minute.
    package static func clientRateLimited(keyID: String, rpm: Int, retryAfter: Int) -> RouterError {
        RouterError(status: 429, message: "Client key '\(keyID)' is limited to \(rpm) requests per minute; retry after \(retryAfter) s.", code: "rate_limit_exceeded", retryAfter: retryAfter)
    }

    /// A client key used for a model outside its `models` list.
    package static func modelNotAllowed(keyID: String, model: String) -> RouterError {
        RouterError(status: 403, message: "Client key '\(keyID)' may not use the model '\(model)'.", code: "model_not_allowed", param: "model")
    }
}
