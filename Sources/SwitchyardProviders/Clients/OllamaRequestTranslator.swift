import SwitchyardCore

/// The Ollama operations the Ollama front door serves.
package enum OllamaOperation: String, Sendable {
    case chat
    case generate
    /// `/api/embed`: `input` (string or list) → `embeddings`.
    case embed
    /// The older `/api/embeddings`: `prompt` → `embedding`.
    case embeddings
}

/// Ollama requests (`/api/chat`, `/api/generate`, `/api/embed`, `/api/embeddings`) → OpenAI request bodies.
///
/// `options` become OpenAI sampling fields (`num_predict` → `max_tokens`, `repeat_penalty` →
/// `repetition_penalty`, as vLLM and SGLang name it; `temperature`, `top_p`, `top_k`, `min_p`, `seed`, `stop`,
/// `presence_penalty`, `frequency_penalty` keep their names; runner options such as `num_ctx` are ignored);
/// `format` → `response_format`; `images` → `image_url` content parts; `tools` and `tool_calls` keep their shape
/// (arguments become a JSON string, tool results get the id of the call they answer); `think` is kept as it is
/// (Ollama providers read it) and a level (`"low"`, `"medium"`, `"high"`) also becomes `reasoning_effort`;
/// `keep_alive` is ignored (the provider's config decides).
/// Streams are the default, as in Ollama.
package enum OllamaRequestTranslator {
    private static let roles: Set<String> = ["system", "user", "assistant", "tool"]
    /// Ollama option → OpenAI field, for the options that are plain numbers.
    private static let numericOptions: [(String, String)] = [
        ("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k"), ("min_p", "min_p"), ("seed", "seed"),
        ("presence_penalty", "presence_penalty"), ("frequency_penalty", "frequency_penalty"),
        ("repeat_penalty", "repetition_penalty"),
    ]

    /// The OpenAI request for an Ollama `operation` body, or a 400 naming the field at fault.
    package static func translate(_ body: [UInt8], operation: OllamaOperation) -> Result<TranslatedRequest, RouterError> {
        let object: JSONValue.Object
        switch ClientRequestReader.object(body) {
        case .failure(let error): return .failure(error)
        case .success(let value): object = value
        }
        do {
            switch operation {
            case .chat: return .success(try chat(object))
            case .generate: return .success(try generate(object))
            case .embed, .embeddings: return .success(try embed(object, operation: operation))
            }
        } catch {
            return .failure(error)
        }
    }

    /// Whether a `/api/generate` body only asks to load the model (no `prompt`): Ollama answers it at once.
    package static func isLoadOnly(_ body: [UInt8]) -> Bool {
        guard case .success(let object) = ClientRequestReader.object(body) else { return false }
        let prompt = object["prompt"]
        return prompt == nil || prompt!.isNull || prompt!.string == ""
    }

    // MARK: operations

    private static func chat(_ object: JSONValue.Object) throws(RouterError) -> TranslatedRequest {
        let model = try ClientRequestReader.model(object).get()
        let stream = try ClientRequestReader.stream(object, default: true).get()
        var out = JSONWriter(capacity: 512)
        out.raw("{\"model\":")
        out.string(model)
        out.raw(",\"messages\":[")
        guard let messagesValue = object["messages"], !messagesValue.isNull else { throw ClientRequestReader.missing("messages") }
        guard let messages = messagesValue.array else {
            throw ClientRequestReader.invalid("messages", "must be a list, not \(ClientRequestReader.kind(messagesValue))")
        }
        var pendingCalls: [(id: String, name: String)] = []
        var callCounter = 0
        for (index, message) in messages.enumerated() {
            if index > 0 { out.raw(",") }
            try writeMessage(message, at: "messages[\(index)]", to: &out, pendingCalls: &pendingCalls, callCounter: &callCounter)
        }
        out.raw("]")
        if let tools = object["tools"], !tools.isNull {
            guard let list = tools.array else { throw ClientRequestReader.invalid("tools", "must be a list, not \(ClientRequestReader.kind(tools))") }
            for (index, tool) in list.enumerated() where tool.object == nil {
                throw ClientRequestReader.invalid("tools[\(index)]", "must be an object, not \(ClientRequestReader.kind(tool))")
            }
            if !list.isEmpty {
                out.raw(",\"tools\":")
                tools.write(to: &out)
            }
        }
        try writeCommon(object, stream: stream, to: &out)
        out.raw("}")
        return TranslatedRequest(endpoint: .chatCompletions, body: out.bytes, model: model, stream: stream)
    }

    private static func generate(_ object: JSONValue.Object) throws(RouterError) -> TranslatedRequest {
        let model = try ClientRequestReader.model(object).get()
        let stream = try ClientRequestReader.stream(object, default: true).get()
        let prompt = try optionalString(object, "prompt") ?? ""
        var out = JSONWriter(capacity: 512)
        out.raw("{\"model\":")
        out.string(model)
        out.raw(",\"messages\":[")
        if let system = try optionalString(object, "system"), !system.isEmpty {
            out.raw("{\"role\":\"system\",\"content\":")
            out.string(system)
            out.raw("},")
        }
        out.raw("{\"role\":\"user\",\"content\":")
        try writeContent(prompt, images: object["images"], imagesField: "images", to: &out)
        out.raw("}]")
        if let suffix = object["suffix"], !suffix.isNull, suffix.string != "" {
            throw ClientRequestReader.invalid("suffix", "fill-in-the-middle is not supported through this router")
        }
        try writeCommon(object, stream: stream, to: &out)
        out.raw("}")
        return TranslatedRequest(endpoint: .chatCompletions, body: out.bytes, model: model, stream: stream)
    }

    private static func embed(_ object: JSONValue.Object, operation: OllamaOperation) throws(RouterError) -> TranslatedRequest {
        let model = try ClientRequestReader.model(object).get()
        var out = JSONWriter(capacity: 256)
        out.raw("{\"model\":")
        out.string(model)
        out.raw(",\"input\":")
        if operation == .embeddings {
            out.string(try optionalString(object, "prompt") ?? "")
        } else {
            guard let input = object["input"], !input.isNull else { throw ClientRequestReader.missing("input") }
            switch input {
            case .string: input.write(to: &out)
            case .array(let items):
                for (index, item) in items.enumerated() where item.string == nil {
                    throw ClientRequestReader.invalid("input[\(index)]", "must be a string, not \(ClientRequestReader.kind(item))")
                }
                input.write(to: &out)
            default:
                throw ClientRequestReader.invalid("input", "must be a string or a list of strings, not \(ClientRequestReader.kind(input))")
            }
            if let dimensions = object["dimensions"], !dimensions.isNull {
                guard let count = dimensions.int, count > 0 else { throw ClientRequestReader.invalid("dimensions", "must be a positive integer") }
                out.raw(",\"dimensions\":")
                out.number(count)
            }
        }
        out.raw("}")
        return TranslatedRequest(endpoint: .embeddings, body: out.bytes, model: model, stream: false)
    }

    // MARK: pieces

    private static func writeMessage(_ message: JSONValue, at path: String, to out: inout JSONWriter,
                                     pendingCalls: inout [(id: String, name: String)], callCounter: inout Int) throws(RouterError) {
        guard let fields = message.object else {
            throw ClientRequestReader.invalid(path, "must be an object, not \(ClientRequestReader.kind(message))")
        }
        guard let roleValue = fields["role"], !roleValue.isNull else { throw ClientRequestReader.missing(path + ".role") }
        guard let role = roleValue.string else {
            throw ClientRequestReader.invalid(path + ".role", "must be a string, not \(ClientRequestReader.kind(roleValue))")
        }
        guard roles.contains(role) else {
            throw ClientRequestReader.invalid(path + ".role", "\"\(role)\" is not one of system, user, assistant, tool")
        }
        var content = ""
        if let value = fields["content"], !value.isNull {
            guard let text = value.string else {
                throw ClientRequestReader.invalid(path + ".content", "must be a string, not \(ClientRequestReader.kind(value))")
            }
            content = text
        }
        out.raw("{\"role\":")
        out.string(role)
        switch role {
        case "assistant":
            var calls: [OpenAIRequest.ToolCall] = []
            if let value = fields["tool_calls"], !value.isNull {
                guard let list = value.array else {
                    throw ClientRequestReader.invalid(path + ".tool_calls", "must be a list, not \(ClientRequestReader.kind(value))")
                }
                for (index, call) in list.enumerated() {
                    let at = "\(path).tool_calls[\(index)].function"
                    guard let function = call["function"], function.object != nil else { throw ClientRequestReader.missing(at) }
                    guard let name = function["name"]?.string else { throw ClientRequestReader.missing(at + ".name") }
                    var arguments = "{}"
                    if let args = function["arguments"], !args.isNull {
                        if let text = args.string { arguments = text } else if args.object != nil { arguments = args.serialized } else {
                            throw ClientRequestReader.invalid(at + ".arguments", "must be an object, not \(ClientRequestReader.kind(args))")
                        }
                    }
                    let id = call["id"]?.string ?? "call_\(callCounter)"
                    callCounter += 1
                    calls.append(OpenAIRequest.ToolCall(id: id, name: name, arguments: arguments))
                }
            }
            out.raw(",\"content\":")
            if calls.isEmpty || !content.isEmpty { out.string(content) } else { out.raw("null") }
            if !calls.isEmpty {
                out.raw(",\"tool_calls\":[")
                for (index, call) in calls.enumerated() {
                    if index > 0 { out.raw(",") }
                    OpenAIReplyWriter.writeToolCall(call, index: nil, to: &out)
                }
                out.raw("]")
                pendingCalls = calls.map { ($0.id, $0.name) }
            }
        case "tool":
            out.raw(",\"content\":")
            out.string(content)
            // Ollama names the tool (`tool_name`); OpenAI wants the id of the call answered: the earliest
            // unanswered call of that name, else the earliest unanswered call.
            let name = fields["tool_name"]?.string ?? fields["name"]?.string
            var id = fields["tool_call_id"]?.string
            if id == nil, let position = pendingCalls.firstIndex(where: { name == nil || $0.name == name }) ?? (pendingCalls.isEmpty ? nil : 0) {
                id = pendingCalls.remove(at: position).id
            }
            out.raw(",\"tool_call_id\":")
            out.string(id ?? "call_unknown")
        default:
            out.raw(",\"content\":")
            try writeContent(content, images: fields["images"], imagesField: path + ".images", to: &out)
        }
        out.raw("}")
    }

    /// `text` as a string, or as content parts when `images` (base64 strings) are present.
    private static func writeContent(_ text: String, images: JSONValue?, imagesField: String, to out: inout JSONWriter) throws(RouterError) {
        guard let images, !images.isNull else { return out.string(text) }
        guard let list = images.array else {
            throw ClientRequestReader.invalid(imagesField, "must be a list of base64 strings, not \(ClientRequestReader.kind(images))")
        }
        if list.isEmpty { return out.string(text) }
        out.raw("[{\"type\":\"text\",\"text\":")
        out.string(text)
        out.raw("}")
        for (index, image) in list.enumerated() {
            guard let data = image.string else {
                throw ClientRequestReader.invalid("\(imagesField)[\(index)]", "must be a base64 string, not \(ClientRequestReader.kind(image))")
            }
            out.raw(",{\"type\":\"image_url\",\"image_url\":{\"url\":")
            out.string("data:\(ClientRequestReader.imageMediaType(base64: data));base64,\(data)")
            out.raw("}}")
        }
        out.raw("]")
    }

    /// `stream`, `stream_options`, `options`, `format` and `think`.
    private static func writeCommon(_ object: JSONValue.Object, stream: Bool, to out: inout JSONWriter) throws(RouterError) {
        out.raw(",\"stream\":")
        out.bool(stream)
        // Ollama's last object always reports token counts: ask OpenAI-family providers for them.
        if stream { out.raw(",\"stream_options\":{\"include_usage\":true}") }
        if let optionsValue = object["options"], !optionsValue.isNull {
            guard let options = optionsValue.object else {
                throw ClientRequestReader.invalid("options", "must be an object, not \(ClientRequestReader.kind(optionsValue))")
            }
            for (name, field) in numericOptions {
                guard let value = options[name], !value.isNull else { continue }
                guard case .number = value else {
                    throw ClientRequestReader.invalid("options.\(name)", "must be a number, not \(ClientRequestReader.kind(value))")
                }
                out.raw(",")
                out.string(field)
                out.raw(":")
                value.write(to: &out)
            }
            if let value = options["num_predict"], !value.isNull {
                guard let count = value.int else {
                    throw ClientRequestReader.invalid("options.num_predict", "must be an integer, not \(ClientRequestReader.kind(value))")
                }
                // -1 (unbounded) and -2 (fill the context) have no OpenAI spelling: the provider's default.
                if count >= 0 {
                    out.raw(",\"max_tokens\":")
                    out.number(count)
                }
            }
            if let value = options["stop"], !value.isNull {
                switch value {
                case .string: break
                case .array(let items):
                    for (index, item) in items.enumerated() where item.string == nil {
                        throw ClientRequestReader.invalid("options.stop[\(index)]", "must be a string, not \(ClientRequestReader.kind(item))")
                    }
                default:
                    throw ClientRequestReader.invalid("options.stop", "must be a list of strings, not \(ClientRequestReader.kind(value))")
                }
                out.raw(",\"stop\":")
                value.write(to: &out)
            }
        }
        if let format = object["format"], !format.isNull {
            switch format {
            case .string(let name):
                if name == "json" {
                    out.raw(",\"response_format\":{\"type\":\"json_object\"}")
                } else if !name.isEmpty {
                    throw ClientRequestReader.invalid("format", "must be \"json\" or a JSON schema object")
                }
            case .object:
                out.raw(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"response\",\"schema\":")
                format.write(to: &out)
                out.raw("}}")
            default:
                throw ClientRequestReader.invalid("format", "must be \"json\" or a JSON schema object, not \(ClientRequestReader.kind(format))")
            }
        }
        if let think = object["think"], !think.isNull {
            switch think {
            case .bool(let on):
                out.raw(",\"think\":")
                out.bool(on)
            case .string(let level):
                guard ["low", "medium", "high"].contains(level) else {
                    throw ClientRequestReader.invalid("think", "must be a boolean or one of \"low\", \"medium\", \"high\"")
                }
                out.raw(",\"think\":")
                out.string(level)
                out.raw(",\"reasoning_effort\":")
                out.string(level)
            default:
                throw ClientRequestReader.invalid("think", "must be a boolean or a level, not \(ClientRequestReader.kind(think))")
            }
        }
    }

    private static func optionalString(_ object: JSONValue.Object, _ field: String) throws(RouterError) -> String? {
        guard let value = object[field], !value.isNull else { return nil }
        guard let text = value.string else {
            throw ClientRequestReader.invalid(field, "must be a string, not \(ClientRequestReader.kind(value))")
        }
        return text
    }
}
