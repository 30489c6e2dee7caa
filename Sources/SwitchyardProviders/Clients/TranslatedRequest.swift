import SwitchyardCore

/// A client's request in the pivot dialect: the OpenAI body the rest of the router routes and adapts.
package struct TranslatedRequest {
    /// The OpenAI operation it became.
    package var endpoint: EndpointKind
    /// The OpenAI request body (JSON object with `model`).
    package var body: [UInt8]
    /// The model the client asked for.
    package var model: String
    /// The client wants a streamed answer.
    package var stream: Bool

    package init(endpoint: EndpointKind, body: [UInt8], model: String, stream: Bool) {
        self.endpoint = endpoint
        self.body = body
        self.model = model
        self.stream = stream
    }
}

/// Reading a client's JSON body: the parse error, and 400s that name the field at fault.
package enum ClientRequestReader {
    /// The body as a JSON object, or a 400 saying why not.
    package static func object(_ body: [UInt8]) -> Result<JSONValue.Object, RouterError> {
        if body.isEmpty { return .failure(.invalidJSON("the body is empty; send a JSON object")) }
        var duplicates: [JSONValue.DuplicateKey] = []
        do {
            let value = try JSONValue.parse(body, duplicates: &duplicates)
            guard let object = value.object else { return .failure(.invalidJSON("the body must be a JSON object")) }
            return .success(object)
        } catch {
            return .failure(.invalidJSON("\(error.message) at line \(error.line), column \(error.column)"))
        }
    }

    /// A 400 naming `field`: "Invalid `field`: `expectation`."
    package static func invalid(_ field: String, _ expectation: String) -> RouterError {
        .invalidRequest("Invalid `\(field)`: \(expectation).", param: field, code: "invalid_request")
    }

    /// A 400 for a missing required field.
    package static func missing(_ field: String) -> RouterError {
        .invalidRequest("`\(field)` is required.", param: field, code: field == "model" ? "missing_model" : "missing_field")
    }

    /// What a JSON value is, for error messages.
    package static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    /// The client's `stream` (`fallback` when absent or null), or a 400.
    package static func stream(_ object: JSONValue.Object, default fallback: Bool) -> Result<Bool, RouterError> {
        guard let value = object["stream"], !value.isNull else { return .success(fallback) }
        guard let flag = value.bool else { return .failure(invalid("stream", "must be a boolean, not \(kind(value))")) }
        return .success(flag)
    }

    /// The required, non-empty string `model`, or a 400.
    package static func model(_ object: JSONValue.Object, alias: String? = nil) -> Result<String, RouterError> {
        let value = object["model"] ?? alias.flatMap { object[$0] }
        guard let value, !value.isNull else { return .failure(missing("model")) }
        guard let name = value.string else { return .failure(invalid("model", "must be a string, not \(kind(value))")) }
        if name.isEmpty { return .failure(missing("model")) }
        return .success(name)
    }

    /// The MIME type of base64 image data, from its first bytes (PNG, JPEG, GIF, WebP; PNG when unknown).
    package static func imageMediaType(base64 data: String) -> String {
        if data.hasPrefix("/9j/") { return "image/jpeg" }
        if data.hasPrefix("R0lGOD") { return "image/gif" }
        if data.hasPrefix("UklGR") { return "image/webp" }
        return "image/png"
    }
}
