import SwitchyardCore

/// Anthropic Messages requests (`POST /v1/messages`) → OpenAI chat completion bodies.
///
/// `system` (a string or text blocks) becomes the first message; `max_tokens` (required, as Anthropic requires
/// it), `temperature`, `top_p`, `top_k` keep their names; `stop_sequences` → `stop`; `tools` (`name`,
/// `description`, `input_schema`) → function tools; `tool_choice` → `auto` / `required` / a named function /
/// `none` (`disable_parallel_tool_use` → `parallel_tool_calls: false`); `tool_use` blocks → assistant
/// `tool_calls` (input as a JSON string); `tool_result` blocks → `tool` messages (before the rest of their user
/// turn, in order); images (base64 or URL) → `image_url` parts; `thinking` blocks of earlier turns are dropped
/// (OpenAI has no way to send them back); `metadata`, `service_tier` and `thinking` are ignored. Documents and
/// images inside tool results are refused with a 400 rather than dropped.
package enum AnthropicRequestTranslator {
    /// The OpenAI request, or a 400 naming the field at fault (Anthropic's dotted paths: `messages.0.content`).
    /// `requireMaxTokens` is false for `count_tokens`, whose requests have none.
    package static func translate(_ body: [UInt8], requireMaxTokens: Bool = true) -> Result<TranslatedRequest, RouterError> {
        let object: JSONValue.Object
        switch ClientRequestReader.object(body) {
        case .failure(let error): return .failure(error)
        case .success(let value): object = value
        }
        do {
            return .success(try messages(object, requireMaxTokens: requireMaxTokens))
        } catch {
            return .failure(error)
        }
    }

    private static func messages(_ object: JSONValue.Object, requireMaxTokens: Bool) throws(RouterError) -> TranslatedRequest {
        let model = try ClientRequestReader.model(object).get()
        let stream = try ClientRequestReader.stream(object, default: false).get()
        var maxTokens = 1
        if let maxTokensValue = object["max_tokens"], !maxTokensValue.isNull {
            guard let value = maxTokensValue.int, value >= 1 else {
                throw ClientRequestReader.invalid("max_tokens", "must be an integer of at least 1")
            }
            maxTokens = value
        } else if requireMaxTokens {
            throw ClientRequestReader.missing("max_tokens")
        }
        guard let messagesValue = object["messages"], !messagesValue.isNull else { throw ClientRequestReader.missing("messages") }
        guard let messages = messagesValue.array else {
            throw ClientRequestReader.invalid("messages", "must be a list, not \(ClientRequestReader.kind(messagesValue))")
        }
        var out = JSONWriter(capacity: 512)
        out.raw("{\"model\":")
        out.string(model)
        out.raw(",\"messages\":[")
        var first = true
        if let system = object["system"], !system.isNull {
            let text = try plainText(system, at: "system")
            out.raw("{\"role\":\"system\",\"content\":")
            out.string(text)
            out.raw("}")
            first = false
        }
        for (index, message) in messages.enumerated() {
            try writeMessage(message, at: "messages.\(index)", to: &out, first: &first)
        }
        out.raw("],\"max_tokens\":")
        out.number(maxTokens)
        out.raw(",\"stream\":")
        out.bool(stream)
        if stream { out.raw(",\"stream_options\":{\"include_usage\":true}") }
        for name in ["temperature", "top_p", "top_k"] {
            guard let value = object[name], !value.isNull else { continue }
            guard case .number = value else { throw ClientRequestReader.invalid(name, "must be a number, not \(ClientRequestReader.kind(value))") }
            out.raw(",")
            out.string(name)
            out.raw(":")
            value.write(to: &out)
        }
        if let stops = object["stop_sequences"], !stops.isNull {
            guard let list = stops.array else {
                throw ClientRequestReader.invalid("stop_sequences", "must be a list of strings, not \(ClientRequestReader.kind(stops))")
            }
            for (index, item) in list.enumerated() where item.string == nil {
                throw ClientRequestReader.invalid("stop_sequences.\(index)", "must be a string, not \(ClientRequestReader.kind(item))")
            }
            if !list.isEmpty {
                out.raw(",\"stop\":")
                stops.write(to: &out)
            }
        }
        try writeTools(object, to: &out)
        out.raw("}")
        return TranslatedRequest(endpoint: .chatCompletions, body: out.bytes, model: model, stream: stream)
    }

    // MARK: messages

    private static func writeMessage(_ message: JSONValue, at path: String, to out: inout JSONWriter, first: inout Bool) throws(RouterError) {
        guard let fields = message.object else {
            throw ClientRequestReader.invalid(path, "must be an object, not \(ClientRequestReader.kind(message))")
        }
        guard let roleValue = fields["role"], !roleValue.isNull else { throw ClientRequestReader.missing(path + ".role") }
        guard let role = roleValue.string, role == "user" || role == "assistant" else {
            throw ClientRequestReader.invalid(path + ".role", "must be \"user\" or \"assistant\", not \(roleValue.string.map { "\"\($0)\"" } ?? ClientRequestReader.kind(roleValue))")
        }
        guard let content = fields["content"], !content.isNull else { throw ClientRequestReader.missing(path + ".content") }
        func separator(_ out: inout JSONWriter) {
            if !first { out.raw(",") }
            first = false
        }
        if let text = content.string {
            separator(&out)
            out.raw("{\"role\":")
            out.string(role)
            out.raw(",\"content\":")
            out.string(text)
            out.raw("}")
            return
        }
        guard let blocks = content.array else {
            throw ClientRequestReader.invalid(path + ".content", "must be a string or a list of content blocks, not \(ClientRequestReader.kind(content))")
        }
        // Gather the turn: content parts, tool calls (assistant), tool results (user).
        var parts: [JSONWriter] = []
        var texts: [String] = []
        var hasImage = false
        var calls: [OpenAIRequest.ToolCall] = []
        var results: [(id: String, content: String)] = []
        for (index, block) in blocks.enumerated() {
            let at = "\(path).content.\(index)"
            guard let blockFields = block.object else {
                throw ClientRequestReader.invalid(at, "must be an object, not \(ClientRequestReader.kind(block))")
            }
            guard let type = blockFields["type"]?.string else { throw ClientRequestReader.missing(at + ".type") }
            switch type {
            case "text":
                guard let text = blockFields["text"]?.string else { throw ClientRequestReader.invalid(at + ".text", "must be a string") }
                var part = JSONWriter()
                part.raw("{\"type\":\"text\",\"text\":")
                part.string(text)
                part.raw("}")
                parts.append(part)
                texts.append(text)
            case "image":
                guard role == "user" else { throw ClientRequestReader.invalid(at + ".type", "images are only allowed in user turns") }
                var part = JSONWriter()
                part.raw("{\"type\":\"image_url\",\"image_url\":{\"url\":")
                part.string(try imageURL(blockFields["source"], at: at + ".source"))
                part.raw("}}")
                parts.append(part)
                hasImage = true
            case "tool_use":
                guard role == "assistant" else { throw ClientRequestReader.invalid(at + ".type", "tool_use blocks belong to assistant turns") }
                guard let id = blockFields["id"]?.string else { throw ClientRequestReader.missing(at + ".id") }
                guard let name = blockFields["name"]?.string else { throw ClientRequestReader.missing(at + ".name") }
                let input = blockFields["input"]
                guard input == nil || input!.object != nil else {
                    throw ClientRequestReader.invalid(at + ".input", "must be an object, not \(ClientRequestReader.kind(input!))")
                }
                calls.append(OpenAIRequest.ToolCall(id: id, name: name, arguments: input?.serialized ?? "{}"))
            case "tool_result":
                guard role == "user" else { throw ClientRequestReader.invalid(at + ".type", "tool_result blocks belong to user turns") }
                guard let id = blockFields["tool_use_id"]?.string else { throw ClientRequestReader.missing(at + ".tool_use_id") }
                var text = ""
                if let value = blockFields["content"], !value.isNull { text = try plainText(value, at: at + ".content") }
                if blockFields["is_error"]?.bool == true { text = "Error: " + text }
                results.append((id, text))
            case "thinking", "redacted_thinking":
                continue
            case "document", "search_result", "server_tool_use", "web_search_tool_result", "container_upload":
                throw ClientRequestReader.invalid(at + ".type", "\"\(type)\" blocks are not supported through this router")
            default:
                throw ClientRequestReader.invalid(at + ".type", "\"\(type)\" is not a known content block type")
            }
        }
        for result in results {
            separator(&out)
            out.raw("{\"role\":\"tool\",\"tool_call_id\":")
            out.string(result.id)
            out.raw(",\"content\":")
            out.string(result.content)
            out.raw("}")
        }
        if role == "assistant" {
            guard !texts.isEmpty || !calls.isEmpty else { return }
            separator(&out)
            out.raw("{\"role\":\"assistant\",\"content\":")
            if texts.isEmpty { out.raw("null") } else { out.string(texts.joined()) }
            if !calls.isEmpty {
                out.raw(",\"tool_calls\":[")
                for (index, call) in calls.enumerated() {
                    if index > 0 { out.raw(",") }
                    OpenAIReplyWriter.writeToolCall(call, index: nil, to: &out)
                }
                out.raw("]")
            }
            out.raw("}")
            return
        }
        guard !parts.isEmpty else { return }
        separator(&out)
        out.raw("{\"role\":\"user\",\"content\":")
        if !hasImage && texts.count == 1 {
            out.string(texts[0])
        } else {
            out.raw("[")
            for (index, part) in parts.enumerated() {
                if index > 0 { out.raw(",") }
                out.bytes.append(contentsOf: part.bytes)
            }
            out.raw("]")
        }
        out.raw("}")
    }

    /// A string, or text blocks joined (for `system` and tool results).
    private static func plainText(_ value: JSONValue, at path: String) throws(RouterError) -> String {
        if let text = value.string { return text }
        guard let blocks = value.array else {
            throw ClientRequestReader.invalid(path, "must be a string or a list of text blocks, not \(ClientRequestReader.kind(value))")
        }
        var texts: [String] = []
        for (index, block) in blocks.enumerated() {
            guard block["type"]?.string == "text", let text = block["text"]?.string else {
                throw ClientRequestReader.invalid("\(path).\(index)", "must be a text block ({\"type\": \"text\", \"text\": …})")
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }

    /// A data URL for a base64 source, or the URL of a url source.
    private static func imageURL(_ source: JSONValue?, at path: String) throws(RouterError) -> String {
        guard let source, source.object != nil else { throw ClientRequestReader.missing(path) }
        switch source["type"]?.string {
        case "base64":
            guard let data = source["data"]?.string else { throw ClientRequestReader.missing(path + ".data") }
            let mediaType = source["media_type"]?.string ?? ClientRequestReader.imageMediaType(base64: data)
            return "data:\(mediaType);base64,\(data)"
        case "url":
            guard let url = source["url"]?.string else { throw ClientRequestReader.missing(path + ".url") }
            return url
        default:
            throw ClientRequestReader.invalid(path + ".type", "must be \"base64\" or \"url\"")
        }
    }

    // MARK: tools

    private static func writeTools(_ object: JSONValue.Object, to out: inout JSONWriter) throws(RouterError) {
        if let tools = object["tools"], !tools.isNull {
            guard let list = tools.array else { throw ClientRequestReader.invalid("tools", "must be a list, not \(ClientRequestReader.kind(tools))") }
            if !list.isEmpty { out.raw(",\"tools\":[") }
            for (index, tool) in list.enumerated() {
                let at = "tools.\(index)"
                guard tool.object != nil else { throw ClientRequestReader.invalid(at, "must be an object, not \(ClientRequestReader.kind(tool))") }
                guard let name = tool["name"]?.string else { throw ClientRequestReader.missing(at + ".name") }
                if let type = tool["type"]?.string, type != "custom" {
                    throw ClientRequestReader.invalid(at + ".type", "server tool \"\(type)\" is not supported through this router")
                }
                if index > 0 { out.raw(",") }
                out.raw("{\"type\":\"function\",\"function\":{\"name\":")
                out.string(name)
                if let description = tool["description"]?.string {
                    out.raw(",\"description\":")
                    out.string(description)
                }
                out.raw(",\"parameters\":")
                if let schema = tool["input_schema"], schema.object != nil { schema.write(to: &out) } else {
                    throw ClientRequestReader.missing(at + ".input_schema")
                }
                out.raw("}}")
            }
            if !list.isEmpty { out.raw("]") }
        }
        guard let choice = object["tool_choice"], !choice.isNull else { return }
        guard choice.object != nil, let type = choice["type"]?.string else {
            throw ClientRequestReader.invalid("tool_choice", "must be an object with a `type`")
        }
        switch type {
        case "auto": out.raw(",\"tool_choice\":\"auto\"")
        case "any": out.raw(",\"tool_choice\":\"required\"")
        case "none": out.raw(",\"tool_choice\":\"none\"")
        case "tool":
            guard let name = choice["name"]?.string else { throw ClientRequestReader.missing("tool_choice.name") }
            out.raw(",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":")
            out.string(name)
            out.raw("}}")
        default:
            throw ClientRequestReader.invalid("tool_choice.type", "must be one of \"auto\", \"any\", \"tool\", \"none\"")
        }
        if choice["disable_parallel_tool_use"]?.bool == true { out.raw(",\"parallel_tool_calls\":false") }
    }
}
