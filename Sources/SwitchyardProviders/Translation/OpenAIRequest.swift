import SwitchyardCore

/// An OpenAI request body (chat completions, completions or embeddings) read into typed fields, for the adapters
/// that translate it into another dialect. Reading validates the fields they use: a wrong type or an unknown role
/// is a 400 naming the field. Numbers keep their source text, so they reach the provider exactly as written.
package struct OpenAIRequest {
    /// A message role of the chat completions API.
    package enum Role: String, Sendable {
        case system, developer, user, assistant, tool
    }

    /// A piece of message content.
    package enum ContentPart: Sendable, Equatable {
        case text(String)
        /// `image_url.url`: an `http(s)` URL or a `data:` URL.
        case image(url: String)
    }

    /// A tool call an assistant message made (or a reply makes): `arguments` is JSON text.
    package struct ToolCall: Sendable, Equatable {
        package var id: String
        package var name: String
        package var arguments: String
        package init(id: String, name: String, arguments: String) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    /// One chat message.
    package struct Message: Sendable {
        package var role: Role
        package var parts: [ContentPart] = []
        package var toolCalls: [ToolCall] = []
        /// A `tool` message's `tool_call_id`.
        package var toolCallID: String?
        /// Reasoning text a client sent back (`reasoning_content`).
        package var reasoning: String?

        /// The text parts joined (images left out).
        package var text: String {
            var out = ""
            for case .text(let piece) in parts { out += piece }
            return out
        }
    }

    /// A function tool the client offers.
    package struct Tool: Sendable {
        package var name: String
        package var description: String?
        package var parameters: JSONValue?
    }

    /// `tool_choice`.
    package enum ToolChoice: Sendable, Equatable {
        case auto, none, required
        case function(String)
    }

    /// `response_format`.
    package enum ResponseFormat: Sendable {
        case text, jsonObject
        case jsonSchema(JSONValue)
    }

    package var endpoint: EndpointKind
    /// The body as parsed.
    package var body: JSONValue.Object
    package var stream: Bool
    /// `stream_options.include_usage`.
    package var includeUsage: Bool
    package var messages: [Message] = []
    /// Completions: the prompt (one).
    package var prompt: String?
    /// Embeddings: the inputs.
    package var inputs: [String] = []
    package var maxTokens: Int?
    package var n: Int?
    package var stop: [String] = []
    package var tools: [Tool] = []
    package var toolChoice: ToolChoice?
    package var responseFormat: ResponseFormat?

    /// Reads `bytes` for `endpoint`; throws a 400 naming the field at fault.
    package init(_ bytes: [UInt8], endpoint: EndpointKind) throws(RouterError) {
        guard let parsed = JSONValue.parse(bytes), let object = parsed.object else {
            throw RouterError.invalidJSON("the body must be a JSON object")
        }
        self.endpoint = endpoint
        self.body = object
        stream = try Self.bool(object, "stream") ?? false
        includeUsage = false
        if let options = object["stream_options"], !options.isNull {
            guard options.object != nil else { throw Self.wrongType("stream_options", "an object") }
            includeUsage = options["include_usage"]?.bool ?? false
        }
        switch endpoint {
        case .responses:
            throw Self.responsesNotSupported
        case .chatCompletions:
            guard let list = object["messages"]?.array else {
                throw RouterError.invalidRequest("'messages' is required and must be an array.", param: "messages")
            }
            for (index, value) in list.enumerated() { messages.append(try Self.message(value, at: "messages[\(index)]")) }
        case .completions:
            switch object["prompt"] {
            case .string(let text)?: prompt = text
            case .array(let list)? where list.count == 1 && list[0].string != nil: prompt = list[0].string
            case .array(let list)? where list.allSatisfy({ $0.string != nil }):
                throw RouterError.invalidRequest("This provider takes one prompt per request; 'prompt' has \(list.count).", param: "prompt")
            default:
                throw RouterError.invalidRequest("'prompt' is required and must be a string (token arrays are not supported for this provider).", param: "prompt")
            }
        case .embeddings:
            switch object["input"] {
            case .string(let text)?: inputs = [text]
            case .array(let list)? where !list.isEmpty && list.allSatisfy({ $0.string != nil }): inputs = list.compactMap(\.string)
            default:
                throw RouterError.invalidRequest("'input' is required and must be a string or an array of strings (token arrays are not supported for this provider).", param: "input")
            }
        }
        maxTokens = try Self.int(object, "max_completion_tokens")
        if maxTokens == nil { maxTokens = try Self.int(object, "max_tokens") }
        n = try Self.int(object, "n")
        switch object["stop"] {
        case nil, .null?: break
        case .string(let text)?: stop = [text]
        case .array(let list)? where list.allSatisfy({ $0.string != nil }): stop = list.compactMap(\.string)
        default: throw Self.wrongType("stop", "a string or an array of strings")
        }
        if let list = object["tools"], !list.isNull {
            guard let array = list.array else { throw Self.wrongType("tools", "an array") }
            for (index, value) in array.enumerated() { tools.append(try Self.tool(value, at: "tools[\(index)]")) }
        }
        switch object["tool_choice"] {
        case nil, .null?: break
        case .string("auto")?: toolChoice = .auto
        case .string("none")?: toolChoice = ToolChoice.none
        case .string("required")?: toolChoice = .required
        case .object(let choice)?:
            guard let name = choice["function"]?["name"]?.string else { throw Self.wrongType("tool_choice.function.name", "a string") }
            toolChoice = .function(name)
        default: throw Self.wrongType("tool_choice", "\"auto\", \"none\", \"required\" or a function object")
        }
        if let format = object["response_format"], !format.isNull {
            switch format["type"]?.string {
            case "text"?: responseFormat = .text
            case "json_object"?: responseFormat = .jsonObject
            case "json_schema"?:
                guard let schema = format["json_schema"]?["schema"], schema.object != nil else {
                    throw Self.wrongType("response_format.json_schema.schema", "an object")
                }
                responseFormat = .jsonSchema(schema)
            default: throw Self.wrongType("response_format.type", "\"text\", \"json_object\" or \"json_schema\"")
            }
        }
    }

    /// A number field as given (nil when absent or null); a non-number is a 400.
    package func number(_ key: String) throws(RouterError) -> JSONValue? {
        switch body[key] {
        case nil, .null?: return nil
        case .number?: return body[key]
        default: throw Self.wrongType(key, "a number")
        }
    }

    /// A number field that the provider cannot honour unless it is absent or zero.
    package func requireUnsetOrZero(_ key: String, provider: String) throws(RouterError) {
        if let value = try number(key), value.double != 0 {
            throw RouterError.invalidRequest("'\(key)' is not supported by \(provider) providers.", param: key, code: "unsupported_parameter")
        }
    }

    /// A field the provider cannot honour unless it is absent, null or false.
    package func requireUnset(_ key: String, provider: String) throws(RouterError) {
        switch body[key] {
        case nil, .null?, .bool(false)?: return
        default: throw RouterError.invalidRequest("'\(key)' is not supported by \(provider) providers.", param: key, code: "unsupported_parameter")
        }
    }

    /// `n` above 1 cannot be served.
    package func requireSingleChoice(provider: String) throws(RouterError) {
        if let n, n > 1 {
            throw RouterError.invalidRequest("\(provider) providers return one choice per request; 'n' must be 1 (it is \(n)).", param: "n", code: "unsupported_parameter")
        }
    }

    /// The function name of the tool call `id` made earlier in the conversation.
    package func toolName(forCallID id: String?) -> String? {
        guard let id else { return nil }
        for message in messages where message.role == .assistant {
            if let call = message.toolCalls.first(where: { $0.id == id }) { return call.name }
        }
        return nil
    }

    // MARK: reading

    static func wrongType(_ field: String, _ expected: String) -> RouterError {
        RouterError.invalidRequest("'\(field)' must be \(expected).", param: field)
    }

    private static func bool(_ object: JSONValue.Object, _ key: String) throws(RouterError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw wrongType(key, "a boolean")
        }
    }

    private static func int(_ object: JSONValue.Object, _ key: String) throws(RouterError) -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case let value?:
            guard let number = value.int else { throw wrongType(key, "an integer") }
            return number
        }
    }

    private static func message(_ value: JSONValue, at path: String) throws(RouterError) -> Message {
        guard let object = value.object else { throw wrongType(path, "an object") }
        guard let roleText = object["role"]?.string else { throw wrongType(path + ".role", "a string") }
        guard let role = Role(rawValue: roleText) else {
            throw RouterError.invalidRequest("'\(path).role' must be one of system, developer, user, assistant, tool (got '\(roleText)').", param: path + ".role")
        }
        var message = Message(role: role)
        switch object["content"] {
        case nil, .null?: break
        case .string(let text)?: message.parts = [.text(text)]
        case .array(let parts)?:
            for (index, part) in parts.enumerated() {
                let partPath = "\(path).content[\(index)]"
                switch part["type"]?.string {
                case "text"?:
                    guard let text = part["text"]?.string else { throw wrongType(partPath + ".text", "a string") }
                    message.parts.append(.text(text))
                case "image_url"?:
                    guard let url = part["image_url"]?["url"]?.string ?? part["image_url"]?.string else {
                        throw wrongType(partPath + ".image_url.url", "a string")
                    }
                    message.parts.append(.image(url: url))
                default:
                    throw RouterError.invalidRequest("'\(partPath).type' must be \"text\" or \"image_url\" for this provider.", param: partPath + ".type")
                }
            }
        default: throw wrongType(path + ".content", "a string or an array of content parts")
        }
        if let calls = object["tool_calls"], !calls.isNull {
            guard let list = calls.array else { throw wrongType(path + ".tool_calls", "an array") }
            for (index, call) in list.enumerated() {
                let callPath = "\(path).tool_calls[\(index)]"
                guard let name = call["function"]?["name"]?.string else { throw wrongType(callPath + ".function.name", "a string") }
                let arguments = call["function"]?["arguments"]?.string ?? "{}"
                message.toolCalls.append(ToolCall(id: call["id"]?.string ?? "call_\(index)", name: name, arguments: arguments))
            }
        }
        if let id = object["tool_call_id"], !id.isNull {
            guard let text = id.string else { throw wrongType(path + ".tool_call_id", "a string") }
            message.toolCallID = text
        }
        message.reasoning = object["reasoning_content"]?.string
        return message
    }

    private static func tool(_ value: JSONValue, at path: String) throws(RouterError) -> Tool {
        guard value["type"]?.string == "function" else {
            throw RouterError.invalidRequest("'\(path).type' must be \"function\".", param: path + ".type")
        }
        guard let function = value["function"]?.object, let name = function["name"]?.string else {
            throw wrongType(path + ".function.name", "a string")
        }
        return Tool(name: name, description: function["description"]?.string, parameters: function["parameters"])
    }
}

/// Small builders for JSON trees written to providers.
package enum JSONBuild {
    /// An object of the pairs whose value is not nil, in order.
    package static func object(_ pairs: [(String, JSONValue?)]) -> JSONValue {
        var object = JSONValue.Object()
        for (key, value) in pairs { if let value { object.append(key, value) } }
        return .object(object)
    }

    /// An integer.
    package static func int(_ value: Int) -> JSONValue { .number(text: String(value), value: Double(value)) }

    /// A string array.
    package static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// The compact JSON bytes of `value`.
    package static func bytes(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        value.write(to: &writer)
        return writer.bytes
    }

    /// `text` parsed as JSON (tool arguments); nil when it is not JSON.
    package static func parse(_ text: String) -> JSONValue? {
        JSONValue.parse(Array(text.utf8))
    }

    /// A `data:` URL split into its media type and base64 payload; nil for other URLs or non-base64 data.
    package static func dataURL(_ url: String) -> (mediaType: String, base64: String)? {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64") else { return nil }
        let mediaType = String(header.dropLast(7))
        return (mediaType.isEmpty ? "application/octet-stream" : mediaType, String(url[url.index(after: comma)...]))
    }
}

extension OpenAIRequest {
    /// The Responses API has no translation: a provider reached through an adapter cannot serve it.
    package static let responsesNotSupported = RouterError.invalidRequest(
        "The Responses API (/v1/responses) is passed through to providers that serve it (OpenAI-compatible servers, Ollama); this model's provider does not. Use /v1/chat/completions.",
        param: "model", code: "responses_not_supported")
}
