import SwitchyardCore

/// A builtin endpoint's JSON body, read strictly: every accessor names the field it complains about, so each
/// validation error is a 400 in the OpenAI shape with `param` set.
struct BuiltinRequest {
    /// Generation options copied into every model call, with llm-router's `max_new_tokens` mapped to `max_tokens`.
    static let generationOptions = ["temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty",
                                    "repetition_penalty", "seed", "stop", "max_tokens"]

    let body: JSONValue.Object
    /// The model name the client asked for (`model_name`, or `model`).
    let model: String
    /// The prompt language (`language`, else the configured default).
    let language: String
    let stream: Bool
    /// Largest accepted `texts` list.
    let maxTexts: Int

    /// Parses `bytes`; fails with the error to answer.
    static func parse(_ bytes: [UInt8], defaultLanguage: String, maxTexts: Int) -> Result<BuiltinRequest, RouterError> {
        if bytes.isEmpty { return .failure(.invalidJSON("the body is empty; send a JSON object")) }
        guard let value = JSONValue.parse(bytes) else { return .failure(.invalidJSON("the body is not valid JSON")) }
        guard let object = value.object else { return .failure(.invalidJSON("the body must be a JSON object")) }
        let modelField = object.has("model_name") ? "model_name" : "model"
        guard let model = object[modelField]?.string, !model.isEmpty else {
            if object.has(modelField) { return .failure(.invalidRequest("`\(modelField)` must be a non-empty string.", param: modelField, code: "invalid_model")) }
            return .failure(.invalidRequest("`model_name` is required: the model to run the builtin prompt with.", param: "model_name", code: "missing_model"))
        }
        var language = defaultLanguage
        if let given = object["language"], !given.isNull {
            guard let text = given.string, !text.isEmpty else { return .failure(.invalidRequest("`language` must be a language code such as \"en\".", param: "language", code: "invalid_field")) }
            language = text
        }
        var stream = false
        if let given = object["stream"], !given.isNull {
            guard let flag = given.bool else { return .failure(.invalidRequest("`stream` must be a boolean.", param: "stream", code: "invalid_stream")) }
            stream = flag
        }
        return .success(BuiltinRequest(body: object, model: model, language: language, stream: stream, maxTexts: maxTexts))
    }

    // MARK: fields

    /// A required non-empty string.
    func string(_ field: String) -> Result<String, RouterError> {
        guard let value = body[field], !value.isNull else { return .failure(missing(field)) }
        guard let text = value.string else { return .failure(Self.wrongType(field, "a string")) }
        if text.isEmpty { return .failure(.invalidRequest("`\(field)` must not be empty.", param: field, code: "invalid_field")) }
        return .success(text)
    }

    /// An optional string (nil when absent or null).
    func optionalString(_ field: String) -> Result<String?, RouterError> {
        guard let value = body[field], !value.isNull else { return .success(nil) }
        guard let text = value.string else { return .failure(Self.wrongType(field, "a string")) }
        return .success(text)
    }

    /// An optional whole number in `range`.
    func optionalInt(_ field: String, in range: ClosedRange<Int>) -> Result<Int?, RouterError> {
        guard let value = body[field], !value.isNull else { return .success(nil) }
        guard let number = value.int, range.contains(number) else {
            return .failure(.invalidRequest("`\(field)` must be a whole number from \(range.lowerBound) to \(range.upperBound).", param: field, code: "invalid_field"))
        }
        return .success(number)
    }

    /// An optional boolean.
    func optionalBool(_ field: String) -> Result<Bool?, RouterError> {
        guard let value = body[field], !value.isNull else { return .success(nil) }
        guard let flag = value.bool else { return .failure(Self.wrongType(field, "a boolean")) }
        return .success(flag)
    }

    /// A required, non-empty list of strings of at most ``maxTexts`` elements.
    func texts(_ field: String = "texts") -> Result<[String], RouterError> {
        guard let value = body[field], !value.isNull else { return .failure(missing(field)) }
        return stringList(value, field: field)
    }

    /// `value` as a non-empty list of strings (bounded by ``maxTexts``), errors naming `field` and the index.
    func stringList(_ value: JSONValue, field: String) -> Result<[String], RouterError> {
        guard let list = value.array else { return .failure(Self.wrongType(field, "a list of strings")) }
        if list.isEmpty { return .failure(.invalidRequest("`\(field)` must not be empty.", param: field, code: "invalid_field")) }
        if list.count > maxTexts {
            return .failure(tooManyTexts(list.count, field: field))
        }
        var texts: [String] = []
        texts.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            guard let text = element.string else { return .failure(Self.wrongType("\(field)[\(index)]", "a string")) }
            texts.append(text)
        }
        return .success(texts)
    }

    /// The generation options of the body, as JSON members for a chat request.
    var options: [(String, JSONValue)] {
        var result: [(String, JSONValue)] = []
        for name in Self.generationOptions {
            if let value = body[name], !value.isNull { result.append((name, value)) }
        }
        if body["max_tokens"] == nil || body["max_tokens"]!.isNull, let value = body["max_new_tokens"], !value.isNull {
            result.append(("max_tokens", value))
        }
        return result
    }

    /// Checks the types of the generation options (numbers, `stop` a string or list of strings).
    func validateOptions() -> RouterError? {
        for name in Self.generationOptions + ["max_new_tokens"] {
            guard let value = body[name], !value.isNull else { continue }
            switch name {
            case "stop":
                if value.string == nil && !(value.array?.allSatisfy { $0.string != nil } ?? false) {
                    return Self.wrongType(name, "a string or a list of strings")
                }
            case "max_tokens", "max_new_tokens", "top_k", "seed":
                if value.int == nil { return Self.wrongType(name, "a whole number") }
            default:
                if value.double == nil { return Self.wrongType(name, "a number") }
            }
        }
        return nil
    }

    /// The 400 for a `field` of `count` texts, more than ``maxTexts``.
    func tooManyTexts(_ count: Int, field: String = "texts") -> RouterError {
        .invalidRequest("`\(field)` has \(count) texts; at most \(maxTexts) are accepted (LLM_ROUTER_BUILTIN_MAX_TEXTS).", param: field, code: "too_many_texts")
    }

    /// The 400 for a required `field` that is absent.
    func missing(_ field: String) -> RouterError {
        .invalidRequest("`\(field)` is required.", param: field, code: "missing_field")
    }

    /// The 400 for `field` not being `expected` (e.g. "a list of strings").
    static func wrongType(_ field: String, _ expected: String) -> RouterError {
        .invalidRequest("`\(field)` must be \(expected).", param: field, code: "invalid_field")
    }
}
