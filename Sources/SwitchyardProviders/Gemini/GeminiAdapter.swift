import SwitchyardCore

/// Google's Gemini API (`api_type` `gemini` or `google`): `models/{model}:generateContent`, or
/// `:streamGenerateContent?alt=sse` for streams, and `:batchEmbedContents` for embeddings. System messages become
/// `systemInstruction`, sampling fields `generationConfig`, tools `functionDeclarations`; the key goes in
/// `x-goog-api-key`.
package struct GeminiAdapter: ProviderAdapter {
    /// `…/v1beta/models/<model>` (no method yet).
    private let modelURL: String
    /// `models/<model>`, as embedding requests name it.
    private let modelName: String
    package let headerLines: [String]

    package init(provider: ProviderConfig) {
        // A host written for the OpenAI-compatible endpoint (`…/v1beta/openai`) is used for the native API too.
        var base = ProviderAdapters.base(provider.apiHost, dropping: ["/openai"])
        if !ProviderAdapters.hasBasePath(base) { base += "/v1beta" }
        modelName = provider.modelPath.hasPrefix("models/") ? provider.modelPath : "models/" + provider.modelPath
        modelURL = base + "/" + modelName
        var lines = ["Content-Type: application/json", "Accept: application/json, text/event-stream"]
        if !provider.apiToken.isEmpty { lines.append("x-goog-api-key: \(provider.apiToken)") }
        headerLines = lines
    }

    package func upstreamRequest(for request: OpenAIRequest) throws(RouterError) -> AdaptedRequest {
        if request.endpoint == .embeddings {
            var requests: [JSONValue] = []
            let dimensions = try request.number("dimensions")
            for input in request.inputs {
                requests.append(JSONBuild.object([
                    ("model", .string(modelName)),
                    ("content", JSONBuild.object([("parts", .array([JSONBuild.object([("text", .string(input))])]))])),
                    ("outputDimensionality", dimensions),
                ]))
            }
            return AdaptedRequest(url: modelURL + ":batchEmbedContents", body: JSONBuild.bytes(JSONBuild.object([("requests", .array(requests))])))
        }
        try request.requireUnset("logprobs", provider: "Gemini")
        var system: [String] = []
        var contents: [(role: String, parts: [JSONValue])] = []
        func add(_ role: String, _ parts: [JSONValue]) {
            guard !parts.isEmpty else { return }
            if let last = contents.last, last.role == role { contents[contents.count - 1].parts += parts } else { contents.append((role, parts)) }
        }
        if request.endpoint == .completions { add("user", [JSONBuild.object([("text", .string(request.prompt ?? ""))])]) }
        for (index, message) in request.messages.enumerated() {
            switch message.role {
            case .system, .developer: system.append(message.text)
            case .user: add("user", try Self.parts(message, at: index))
            case .assistant:
                var parts = try Self.parts(message, at: index)
                for (n, call) in message.toolCalls.enumerated() {
                    guard let args = JSONBuild.parse(call.arguments), args.object != nil else {
                        throw RouterError.invalidRequest("'messages[\(index)].tool_calls[\(n)].function.arguments' must be a JSON object in a string.",
                                                         param: "messages[\(index)].tool_calls[\(n)].function.arguments")
                    }
                    parts.append(JSONBuild.object([("functionCall", JSONBuild.object([("name", .string(call.name)), ("args", args)]))]))
                }
                add("model", parts)
            case .tool:
                guard let name = request.toolName(forCallID: message.toolCallID) else {
                    throw RouterError.invalidRequest("'messages[\(index)].tool_call_id' must name a tool call of an earlier assistant message (Gemini needs the function's name).",
                                                     param: "messages[\(index)].tool_call_id")
                }
                // `response` must be an object: a JSON object result is passed as is, anything else wrapped.
                let result = JSONBuild.parse(message.text).flatMap { $0.object != nil ? $0 : nil } ?? JSONBuild.object([("content", .string(message.text))])
                add("user", [JSONBuild.object([("functionResponse", JSONBuild.object([("name", .string(name)), ("response", result)]))])])
            }
        }
        var pairs: [(String, JSONValue?)] = [
            ("contents", .array(contents.map { JSONBuild.object([("role", .string($0.role)), ("parts", .array($0.parts))]) })),
        ]
        if !system.isEmpty {
            pairs.append(("systemInstruction", JSONBuild.object([("parts", .array([JSONBuild.object([("text", .string(system.joined(separator: "\n\n")))])]))])))
        }
        if !request.tools.isEmpty {
            pairs.append(("tools", .array([JSONBuild.object([("functionDeclarations", .array(request.tools.map { tool in
                JSONBuild.object([("name", .string(tool.name)), ("description", tool.description.map(JSONValue.string)), ("parameters", tool.parameters.map(Self.schema))])
            }))])])))
            if let choice = request.toolChoice {
                var config: [(String, JSONValue?)]
                switch choice {
                case .auto: config = [("mode", .string("AUTO"))]
                case .none: config = [("mode", .string("NONE"))]
                case .required: config = [("mode", .string("ANY"))]
                case .function(let name): config = [("mode", .string("ANY")), ("allowedFunctionNames", JSONBuild.strings([name]))]
                }
                pairs.append(("toolConfig", JSONBuild.object([("functionCallingConfig", JSONBuild.object(config))])))
            }
        }
        var generation: [(String, JSONValue?)] = [
            ("maxOutputTokens", request.maxTokens.map(JSONBuild.int)),
            ("temperature", try request.number("temperature")),
            ("topP", try request.number("top_p")),
            ("topK", try request.number("top_k")),
            ("candidateCount", request.n.map(JSONBuild.int)),
            ("presencePenalty", try request.number("presence_penalty")),
            ("frequencyPenalty", try request.number("frequency_penalty")),
            ("seed", try request.number("seed")),
        ]
        if !request.stop.isEmpty { generation.append(("stopSequences", JSONBuild.strings(request.stop))) }
        switch request.responseFormat {
        case .jsonObject?: generation.append(("responseMimeType", .string("application/json")))
        case .jsonSchema(let schema)?:
            generation.append(("responseMimeType", .string("application/json")))
            generation.append(("responseSchema", Self.schema(schema)))
        default: break
        }
        if generation.contains(where: { $0.1 != nil }) { pairs.append(("generationConfig", JSONBuild.object(generation))) }
        let url = request.stream ? modelURL + ":streamGenerateContent?alt=sse" : modelURL + ":generateContent"
        return AdaptedRequest(url: url, body: JSONBuild.bytes(JSONBuild.object(pairs)))
    }

    package func transcoder(for request: OpenAIRequest, identity: ReplyIdentity) -> ResponseTranscoder {
        GeminiResponseTranscoder(endpoint: request.endpoint, identity: identity, includeUsage: request.includeUsage)
    }

    /// Keywords of JSON Schema that Gemini's schema (an OpenAPI subset) refuses, left out recursively.
    private static let unsupportedSchemaKeys: Set<String> = ["$schema", "additionalProperties", "strict", "$id", "$defs", "definitions"]

    static func schema(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var kept = JSONValue.Object()
            for member in object.members where !unsupportedSchemaKeys.contains(member.key) { kept.append(member.key, schema(member.value)) }
            return .object(kept)
        case .array(let list): return .array(list.map(schema))
        default: return value
        }
    }

    private static func parts(_ message: OpenAIRequest.Message, at index: Int) throws(RouterError) -> [JSONValue] {
        var parts: [JSONValue] = []
        for (n, piece) in message.parts.enumerated() {
            switch piece {
            case .text(let value):
                if !value.isEmpty { parts.append(JSONBuild.object([("text", .string(value))])) }
            case .image(let url):
                guard let data = JSONBuild.dataURL(url) else {
                    throw RouterError.invalidRequest("Gemini providers take images as base64 data: URLs; 'messages[\(index)].content[\(n)].image_url.url' is not one.",
                                                     param: "messages[\(index)].content[\(n)].image_url.url", code: "unsupported_parameter")
                }
                parts.append(JSONBuild.object([("inlineData", JSONBuild.object([("mimeType", .string(data.mediaType)), ("data", .string(data.base64))]))]))
            }
        }
        return parts
    }
}
