import SwitchyardCore

/// Ollama's native API: `/api/chat` for chat completions, `/api/generate` for completions, `/api/embed` for
/// embeddings; answers as one JSON object or an NDJSON stream (``OllamaResponseTranscoder``).
/// OpenAI sampling fields go into `options`; `keep_alive` comes from the provider's configuration.
package struct OllamaAdapter: ProviderAdapter {
    private let provider: ProviderConfig
    private let base: String
    package let headerLines: [String]

    package init(provider: ProviderConfig) {
        self.provider = provider
        // Users pointed `ollama` providers at its OpenAI endpoint (`…/v1`) before: the native API is at the root.
        base = ProviderAdapters.base(provider.apiHost, dropping: ["/v1"])
        var lines = ["Content-Type: application/json", "Accept: application/json, application/x-ndjson"]
        if !provider.apiToken.isEmpty { lines.append("Authorization: Bearer \(provider.apiToken)") }
        headerLines = lines
    }

    /// Option names copied from the OpenAI body into `options` as they are.
    private static let optionNames = ["temperature", "top_p", "top_k", "seed", "presence_penalty", "frequency_penalty", "repeat_penalty", "min_p"]

    package func upstreamRequest(for request: OpenAIRequest) throws(RouterError) -> AdaptedRequest {
        try request.requireSingleChoice(provider: "Ollama")
        var pairs: [(String, JSONValue?)] = [("model", .string(provider.modelPath))]
        let path: String
        switch request.endpoint {
        case .responses:
            throw OpenAIRequest.responsesNotSupported
        case .chatCompletions:
            path = "/api/chat"
            var messages: [JSONValue] = []
            for (index, message) in request.messages.enumerated() { messages.append(try Self.message(message, at: index, in: request)) }
            pairs.append(("messages", .array(messages)))
            try request.requireUnset("logprobs", provider: "Ollama")
            switch request.toolChoice {
            case .required?, .function?:
                throw RouterError.invalidRequest("Ollama providers cannot be made to call a tool; 'tool_choice' must be \"auto\" or \"none\".", param: "tool_choice", code: "unsupported_parameter")
            case .none?:
                break
            default:
                if !request.tools.isEmpty { pairs.append(("tools", .array(request.tools.map(Self.tool)))) }
            }
            if let think = request.body["think"] { pairs.append(("think", think)) }
        case .completions:
            path = "/api/generate"
            try request.requireUnset("echo", provider: "Ollama")
            try request.requireUnset("logprobs", provider: "Ollama")
            if let best = request.body["best_of"]?.int, best > 1 {
                throw RouterError.invalidRequest("'best_of' is not supported by Ollama providers.", param: "best_of", code: "unsupported_parameter")
            }
            pairs.append(("prompt", .string(request.prompt ?? "")))
            if let suffix = request.body["suffix"]?.string { pairs.append(("suffix", .string(suffix))) }
        case .embeddings:
            if let format = request.body["encoding_format"]?.string, format != "float" {
                throw RouterError.invalidRequest("Ollama providers return float embeddings only; 'encoding_format' must be \"float\".", param: "encoding_format", code: "unsupported_parameter")
            }
            pairs.append(("input", request.inputs.count == 1 && request.body["input"]?.string != nil ? .string(request.inputs[0]) : JSONBuild.strings(request.inputs)))
            if let dimensions = try request.number("dimensions") { pairs.append(("dimensions", dimensions)) }
            if let keepAlive = provider.keepAlive { pairs.append(("keep_alive", .string(keepAlive))) }
            return AdaptedRequest(url: base + "/api/embed", body: JSONBuild.bytes(JSONBuild.object(pairs)))
        }
        pairs.append(("stream", .bool(request.stream)))
        var options: [(String, JSONValue?)] = []
        if let maxTokens = request.maxTokens { options.append(("num_predict", JSONBuild.int(maxTokens))) }
        for name in Self.optionNames {
            var value = try request.number(name)
            // vLLM's and SGLang's spelling, which the Ollama front door sends, counts too.
            if value == nil && name == "repeat_penalty" { value = try request.number("repetition_penalty") }
            options.append((name, value))
        }
        if !request.stop.isEmpty { options.append(("stop", JSONBuild.strings(request.stop))) }
        if options.contains(where: { $0.1 != nil }) { pairs.append(("options", JSONBuild.object(options))) }
        switch request.responseFormat {
        case .jsonObject?: pairs.append(("format", .string("json")))
        case .jsonSchema(let schema)?: pairs.append(("format", schema))
        default: break
        }
        if let keepAlive = provider.keepAlive { pairs.append(("keep_alive", .string(keepAlive))) }
        return AdaptedRequest(url: base + path, body: JSONBuild.bytes(JSONBuild.object(pairs)))
    }

    package func transcoder(for request: OpenAIRequest, identity: ReplyIdentity) -> ResponseTranscoder {
        OllamaResponseTranscoder(endpoint: request.endpoint, identity: identity, includeUsage: request.includeUsage)
    }

    private static func message(_ message: OpenAIRequest.Message, at index: Int, in request: OpenAIRequest) throws(RouterError) -> JSONValue {
        let role = message.role == .developer ? "system" : message.role.rawValue
        var images: [JSONValue] = []
        for (part, piece) in message.parts.enumerated() {
            guard case .image(let url) = piece else { continue }
            guard let data = JSONBuild.dataURL(url) else {
                throw RouterError.invalidRequest("Ollama providers take images as base64 data: URLs; 'messages[\(index)].content[\(part)].image_url.url' is not one.",
                                                 param: "messages[\(index)].content[\(part)].image_url.url", code: "unsupported_parameter")
            }
            images.append(.string(data.base64))
        }
        var pairs: [(String, JSONValue?)] = [("role", .string(role)), ("content", .string(message.text))]
        if !images.isEmpty { pairs.append(("images", .array(images))) }
        if let reasoning = message.reasoning, !reasoning.isEmpty { pairs.append(("thinking", .string(reasoning))) }
        if !message.toolCalls.isEmpty {
            var calls: [JSONValue] = []
            for (n, call) in message.toolCalls.enumerated() {
                guard let arguments = JSONBuild.parse(call.arguments), arguments.object != nil else {
                    throw RouterError.invalidRequest("'messages[\(index)].tool_calls[\(n)].function.arguments' must be a JSON object in a string.",
                                                     param: "messages[\(index)].tool_calls[\(n)].function.arguments")
                }
                calls.append(JSONBuild.object([("function", JSONBuild.object([("name", .string(call.name)), ("arguments", arguments)]))]))
            }
            pairs.append(("tool_calls", .array(calls)))
        }
        if message.role == .tool, let name = request.toolName(forCallID: message.toolCallID) {
            pairs.append(("tool_name", .string(name)))
        }
        return JSONBuild.object(pairs)
    }

    private static func tool(_ tool: OpenAIRequest.Tool) -> JSONValue {
        JSONBuild.object([
            ("type", .string("function")),
            ("function", JSONBuild.object([
                ("name", .string(tool.name)), ("description", tool.description.map(JSONValue.string)),
                ("parameters", tool.parameters ?? JSONBuild.object([("type", .string("object")), ("properties", JSONBuild.object([]))])),
            ])),
        ])
    }
}
