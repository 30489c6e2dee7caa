import SwitchyardCore

/// Anthropic's Messages API (`POST /v1/messages`): system messages become the top-level `system`, tool calls and
/// results become `tool_use` / `tool_result` blocks, `max_tokens` (required there) gets a default. Completions
/// are served as one user message; embeddings and `n` > 1 are refused with a 400.
package struct AnthropicAdapter: ProviderAdapter {
    /// `anthropic-version` sent with every request.
    package static let apiVersion = "2023-06-01"
    /// `max_tokens` when the client gave none (the Messages API requires one).
    package static let defaultMaxTokens = 4096

    private let provider: ProviderConfig
    private let url: String
    package let headerLines: [String]

    package init(provider: ProviderConfig) {
        self.provider = provider
        let host = ProviderAdapters.base(provider.apiHost, dropping: [])
        url = ProviderAdapters.hasBasePath(host) ? host + "/messages" : host + "/v1/messages"
        var lines = ["Content-Type: application/json", "Accept: application/json, text/event-stream", "anthropic-version: \(Self.apiVersion)"]
        if !provider.apiToken.isEmpty { lines.append("x-api-key: \(provider.apiToken)") }
        headerLines = lines
    }

    package func upstreamRequest(for request: OpenAIRequest) throws(RouterError) -> AdaptedRequest {
        try request.requireSingleChoice(provider: "Anthropic")
        if request.endpoint == .embeddings {
            throw RouterError.invalidRequest("Anthropic providers do not serve embeddings.", param: "model", code: "unsupported_endpoint")
        }
        try request.requireUnset("logprobs", provider: "Anthropic")
        try request.requireUnsetOrZero("presence_penalty", provider: "Anthropic")
        try request.requireUnsetOrZero("frequency_penalty", provider: "Anthropic")
        switch request.responseFormat {
        case .jsonObject?, .jsonSchema?:
            throw RouterError.invalidRequest("'response_format' (JSON output) is not supported by Anthropic providers.", param: "response_format", code: "unsupported_parameter")
        default: break
        }
        var system: [String] = []
        var messages: [(role: String, blocks: [JSONValue])] = []
        func add(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            // Consecutive turns of one role are merged: the API alternates user and assistant.
            if let last = messages.last, last.role == role { messages[messages.count - 1].blocks += blocks } else { messages.append((role, blocks)) }
        }
        if request.endpoint == .completions {
            add("user", [Self.text(request.prompt ?? "")])
        }
        for (index, message) in request.messages.enumerated() {
            switch message.role {
            case .system, .developer:
                system.append(message.text)
            case .user:
                add("user", try Self.blocks(message, at: index))
            case .assistant:
                var blocks = try Self.blocks(message, at: index)
                for (n, call) in message.toolCalls.enumerated() {
                    guard let input = JSONBuild.parse(call.arguments), input.object != nil else {
                        throw RouterError.invalidRequest("'messages[\(index)].tool_calls[\(n)].function.arguments' must be a JSON object in a string.",
                                                         param: "messages[\(index)].tool_calls[\(n)].function.arguments")
                    }
                    blocks.append(JSONBuild.object([("type", .string("tool_use")), ("id", .string(call.id)), ("name", .string(call.name)), ("input", input)]))
                }
                add("assistant", blocks)
            case .tool:
                guard let id = message.toolCallID else {
                    throw RouterError.invalidRequest("'messages[\(index)].tool_call_id' is required for tool messages.", param: "messages[\(index)].tool_call_id")
                }
                add("user", [JSONBuild.object([("type", .string("tool_result")), ("tool_use_id", .string(id)), ("content", .string(message.text))])])
            }
        }
        var pairs: [(String, JSONValue?)] = [
            ("model", .string(provider.modelPath)),
            ("max_tokens", JSONBuild.int(request.maxTokens ?? Self.defaultMaxTokens)),
        ]
        if !system.isEmpty { pairs.append(("system", .string(system.joined(separator: "\n\n")))) }
        pairs.append(("messages", .array(messages.map { JSONBuild.object([("role", .string($0.role)), ("content", .array($0.blocks))]) })))
        pairs.append(("temperature", try request.number("temperature")))
        pairs.append(("top_p", try request.number("top_p")))
        pairs.append(("top_k", try request.number("top_k")))
        if !request.stop.isEmpty { pairs.append(("stop_sequences", JSONBuild.strings(request.stop))) }
        if !request.tools.isEmpty && request.toolChoice != OpenAIRequest.ToolChoice.none {
            pairs.append(("tools", .array(request.tools.map { tool in
                JSONBuild.object([
                    ("name", .string(tool.name)), ("description", tool.description.map(JSONValue.string)),
                    ("input_schema", tool.parameters ?? JSONBuild.object([("type", .string("object")), ("properties", JSONBuild.object([]))])),
                ])
            })))
            var choice: [(String, JSONValue?)]
            switch request.toolChoice {
            case .required?: choice = [("type", .string("any"))]
            case .function(let name)?: choice = [("type", .string("tool")), ("name", .string(name))]
            default: choice = [("type", .string("auto"))]
            }
            if request.body["parallel_tool_calls"]?.bool == false { choice.append(("disable_parallel_tool_use", .bool(true))) }
            if request.toolChoice != nil || request.body["parallel_tool_calls"]?.bool == false { pairs.append(("tool_choice", JSONBuild.object(choice))) }
        }
        if let user = request.body["user"]?.string { pairs.append(("metadata", JSONBuild.object([("user_id", .string(user))]))) }
        if request.stream { pairs.append(("stream", .bool(true))) }
        return AdaptedRequest(url: url, body: JSONBuild.bytes(JSONBuild.object(pairs)))
    }

    package func transcoder(for request: OpenAIRequest, identity: ReplyIdentity) -> ResponseTranscoder {
        AnthropicResponseTranscoder(endpoint: request.endpoint, identity: identity, includeUsage: request.includeUsage)
    }

    private static func text(_ text: String) -> JSONValue {
        JSONBuild.object([("type", .string("text")), ("text", .string(text))])
    }

    /// Text and image blocks of a message (empty texts dropped: the API refuses empty text blocks).
    private static func blocks(_ message: OpenAIRequest.Message, at index: Int) throws(RouterError) -> [JSONValue] {
        var blocks: [JSONValue] = []
        for piece in message.parts {
            switch piece {
            case .text(let value):
                if !value.isEmpty { blocks.append(text(value)) }
            case .image(let url):
                let source: JSONValue
                if let data = JSONBuild.dataURL(url) {
                    source = JSONBuild.object([("type", .string("base64")), ("media_type", .string(data.mediaType)), ("data", .string(data.base64))])
                } else {
                    source = JSONBuild.object([("type", .string("url")), ("url", .string(url))])
                }
                blocks.append(JSONBuild.object([("type", .string("image")), ("source", source)]))
            }
        }
        return blocks
    }
}
