import SwitchyardCore

/// Anthropic's answers in OpenAI's dialect: a whole `message` object, or its SSE events (`message_start`,
/// `content_block_start`, `content_block_delta`, `message_delta`, `message_stop`, `ping`, `error`) as chunks.
package struct AnthropicResponseTranscoder: ResponseTranscoder {
    private let endpoint: EndpointKind
    private let identity: ReplyIdentity
    private var encoder: OpenAIChunkEncoder
    private var reader = SSEReader()
    /// Content block index → OpenAI tool call index, for `tool_use` blocks.
    private var toolBlocks: [Int: Int] = [:]
    private var promptTokens = 0
    private var completionTokens = 0
    private var stopReason: String?
    private var ended = false
    package private(set) var usage: TokenUsage?

    package init(endpoint: EndpointKind, identity: ReplyIdentity, includeUsage: Bool) {
        self.endpoint = endpoint
        self.identity = identity
        encoder = OpenAIChunkEncoder(endpoint: endpoint, identity: identity, includeUsage: includeUsage)
    }

    package func delivery(status: Int, contentType: String?, clientWantsStream: Bool) -> ResponseDelivery {
        .translated(status: status, clientWantsStream: clientWantsStream)
    }

    package mutating func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        var events = reader
        reader = SSEReader()
        events.feed(input) { event in self.event(event, into: &out) }
        reader = events
        if reader.overflowed && !ended { fail(LineSplitter.overflowMessage, into: &out) }
        return true
    }

    package mutating func finish(into out: inout [UInt8]) {
        var events = reader
        reader = SSEReader()
        events.finish { event in self.event(event, into: &out) }
        if !ended { fail("the provider's stream ended before message_stop", into: &out) }
    }

    package mutating func transcodeWhole(_ body: [UInt8]) throws(RouterError) -> [UInt8] {
        guard let value = JSONValue.parse(body), value.object != nil, let content = value["content"]?.array else {
            throw RouterError.upstreamFailed("the Anthropic provider's answer is not a message object")
        }
        var choice = OpenAIReply.Choice()
        var text = ""
        var reasoning = ""
        for block in content {
            switch block["type"]?.string {
            case "text"?: text += block["text"]?.string ?? ""
            case "thinking"?: reasoning += block["thinking"]?.string ?? ""
            case "tool_use"?:
                let input = block["input"]?.serialized ?? "{}"
                choice.toolCalls.append(OpenAIRequest.ToolCall(id: block["id"]?.string ?? "call_\(choice.toolCalls.count)", name: block["name"]?.string ?? "", arguments: input))
            default: break
            }
        }
        choice.content = text
        if !reasoning.isEmpty { choice.reasoning = reasoning }
        choice.finishReason = Self.finishReason(value["stop_reason"]?.string)
        usage = Self.usage(value["usage"])
        return OpenAIReplyWriter.whole(OpenAIReply(choices: [choice], usage: usage), endpoint: endpoint, identity: identity)
    }

    package func mapError(status: Int, body: [UInt8]) -> [UInt8] {
        let (message, type) = ProviderAdapters.errorMessage(body, status: status)
        return OpenAIReplyWriter.error(status: status, message: message, type: type)
    }

    // MARK: stream

    private mutating func event(_ event: SSEReader.Event, into out: inout [UInt8]) {
        guard !ended else { return }
        guard let value = JSONValue.parse(event.data) else {
            return fail("the provider sent an event that is not JSON", into: &out)
        }
        let type = value["type"]?.string ?? event.name
        switch type {
        case "message_start":
            if let used = value["message"]?["usage"] {
                promptTokens = Self.inputTokens(used)
                completionTokens = used["output_tokens"]?.int ?? 0
            }
        case "content_block_start":
            let block = value["content_block"]
            let index = value["index"]?.int ?? 0
            switch block?["type"]?.string {
            case "tool_use"?:
                let toolIndex = toolBlocks.count
                toolBlocks[index] = toolIndex
                encoder.toolCallStart(index: toolIndex, id: block?["id"]?.string ?? "call_\(toolIndex)", name: block?["name"]?.string ?? "", arguments: "", into: &out)
            case "text"?:
                encoder.content(block?["text"]?.string ?? "", into: &out)
            default: break
            }
        case "content_block_delta":
            let delta = value["delta"]
            switch delta?["type"]?.string {
            case "text_delta"?: encoder.content(delta?["text"]?.string ?? "", into: &out)
            case "thinking_delta"?: encoder.reasoning(delta?["thinking"]?.string ?? "", into: &out)
            case "input_json_delta"?:
                if let toolIndex = toolBlocks[value["index"]?.int ?? -1] {
                    encoder.toolCallArguments(index: toolIndex, delta?["partial_json"]?.string ?? "", into: &out)
                }
            default: break
            }
        case "message_delta":
            if let reason = value["delta"]?["stop_reason"]?.string { stopReason = reason }
            if let used = value["usage"] {
                if let output = used["output_tokens"]?.int { completionTokens = output }
                if used["input_tokens"]?.int != nil { promptTokens = Self.inputTokens(used) }
            }
        case "message_stop":
            usage = TokenUsage(promptTokens: promptTokens, completionTokens: completionTokens)
            encoder.finish(Self.finishReason(stopReason), into: &out)
            encoder.end(usage: usage, into: &out)
            ended = true
        case "error":
            let message = value["error"]?["message"]?.string ?? "the provider reported an error"
            let kind = value["error"]?["type"]?.string
            ended = true
            let status = kind == "overloaded_error" ? 503 : (kind == "rate_limit_error" ? 429 : 502)
            OpenAIChunkEncoder.errorEvent(OpenAIReplyWriter.error(status: status, message: message, type: kind), into: &out)
        default:
            break  // ping, content_block_stop, unknown future events
        }
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        ended = true
        OpenAIChunkEncoder.errorEvent(RouterError.upstreamFailed(message).body, into: &out)
    }

    // MARK: mapping

    /// `stop_reason` → `finish_reason`.
    static func finishReason(_ reason: String?) -> String {
        switch reason {
        case "max_tokens"?: "length"
        case "tool_use"?: "tool_calls"
        case "refusal"?: "content_filter"
        default: "stop"
        }
    }

    /// Input tokens including the cached ones (Anthropic counts them apart).
    private static func inputTokens(_ usage: JSONValue) -> Int {
        (usage["input_tokens"]?.int ?? 0) + (usage["cache_creation_input_tokens"]?.int ?? 0) + (usage["cache_read_input_tokens"]?.int ?? 0)
    }

    private static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard let value, value.object != nil else { return nil }
        return TokenUsage(promptTokens: inputTokens(value), completionTokens: value["output_tokens"]?.int ?? 0)
    }
}
