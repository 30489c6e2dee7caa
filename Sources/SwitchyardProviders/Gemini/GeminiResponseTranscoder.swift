import SwitchyardCore

/// Gemini's answers in OpenAI's dialect: a whole `GenerateContentResponse` (candidates become choices), an SSE
/// stream of them (each a chunk; the last carries `finishReason` and the final `usageMetadata`), or a
/// `batchEmbedContents` answer.
package struct GeminiResponseTranscoder: ResponseTranscoder {
    private let endpoint: EndpointKind
    private let identity: ReplyIdentity
    private var encoder: OpenAIChunkEncoder
    private var reader = SSEReader()
    /// Tool calls started per choice (OpenAI indexes them).
    private var toolCalls: [Int: Int] = [:]
    private var finished = false
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
        guard !ended else { return }
        // Gemini's stream has no end marker: it ends after the chunk that carries a finish reason.
        if finished {
            encoder.end(usage: usage, into: &out)
            ended = true
        } else {
            fail("the provider's stream ended without a finish reason", into: &out)
        }
    }

    package mutating func transcodeWhole(_ body: [UInt8]) throws(RouterError) -> [UInt8] {
        guard let value = JSONValue.parse(body), value.object != nil else {
            throw RouterError.upstreamFailed("the Gemini provider's answer is not a JSON object")
        }
        if endpoint == .embeddings {
            guard let list = value["embeddings"]?.array else { throw RouterError.upstreamFailed("the Gemini provider's answer has no 'embeddings'") }
            return OpenAIReplyWriter.embeddings(list.map { $0["values"] ?? .array([]) }, model: identity.model, usage: nil)
        }
        usage = Self.usage(value["usageMetadata"])
        var choices: [OpenAIReply.Choice] = []
        for (position, candidate) in (value["candidates"]?.array ?? []).enumerated() {
            var choice = OpenAIReply.Choice(index: candidate["index"]?.int ?? position)
            var text = ""
            var reasoning = ""
            for part in candidate["content"]?["parts"]?.array ?? [] {
                if let call = part["functionCall"] {
                    choice.toolCalls.append(Self.toolCall(call, index: choice.toolCalls.count))
                } else if let piece = part["text"]?.string {
                    if part["thought"]?.bool == true { reasoning += piece } else { text += piece }
                }
            }
            choice.content = text
            if !reasoning.isEmpty { choice.reasoning = reasoning }
            choice.finishReason = Self.finishReason(candidate["finishReason"]?.string, toolCalls: !choice.toolCalls.isEmpty)
            choices.append(choice)
        }
        if choices.isEmpty {
            // The prompt was blocked (`promptFeedback.blockReason`): no candidate at all.
            choices = [OpenAIReply.Choice(content: "", finishReason: "content_filter")]
        }
        return OpenAIReplyWriter.whole(OpenAIReply(choices: choices, usage: usage), endpoint: endpoint, identity: identity)
    }

    package func mapError(status: Int, body: [UInt8]) -> [UInt8] {
        let (message, type) = ProviderAdapters.errorMessage(body, status: status)
        return OpenAIReplyWriter.error(status: status, message: message, type: type.map { $0.lowercased() })
    }

    // MARK: stream

    private mutating func event(_ event: SSEReader.Event, into out: inout [UInt8]) {
        guard !ended else { return }
        guard let value = JSONValue.parse(event.data), value.object != nil else {
            return fail("the provider sent an event that is not JSON", into: &out)
        }
        if let error = value["error"]?.object {
            ended = true
            let status = error["code"]?.int ?? 502
            OpenAIChunkEncoder.errorEvent(OpenAIReplyWriter.error(status: status, message: error["message"]?.string ?? "the provider reported an error",
                                                                 type: error["status"]?.string?.lowercased()), into: &out)
            return
        }
        if let used = Self.usage(value["usageMetadata"]) { usage = used }
        let candidates = value["candidates"]?.array ?? []
        if candidates.isEmpty, value["promptFeedback"]?["blockReason"] != nil {
            encoder.finish("content_filter", into: &out)
            finished = true
        }
        for (position, candidate) in candidates.enumerated() {
            let choice = candidate["index"]?.int ?? position
            for part in candidate["content"]?["parts"]?.array ?? [] {
                if let call = part["functionCall"] {
                    let index = toolCalls[choice, default: 0]
                    let made = Self.toolCall(call, index: index)
                    encoder.toolCallStart(index: index, id: made.id, name: made.name, arguments: made.arguments, choice: choice, into: &out)
                    toolCalls[choice] = index + 1
                } else if let piece = part["text"]?.string {
                    if part["thought"]?.bool == true { encoder.reasoning(piece, choice: choice, into: &out) } else { encoder.content(piece, choice: choice, into: &out) }
                }
            }
            if let reason = candidate["finishReason"]?.string {
                encoder.finish(Self.finishReason(reason, toolCalls: toolCalls[choice, default: 0] > 0), choice: choice, into: &out)
                finished = true
            }
        }
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        ended = true
        OpenAIChunkEncoder.errorEvent(RouterError.upstreamFailed(message).body, into: &out)
    }

    // MARK: mapping

    /// `finishReason` → `finish_reason`.
    static func finishReason(_ reason: String?, toolCalls: Bool) -> String {
        switch reason {
        case "MAX_TOKENS"?: return "length"
        case "SAFETY"?, "RECITATION"?, "BLOCKLIST"?, "PROHIBITED_CONTENT"?, "SPII"?, "IMAGE_SAFETY"?: return "content_filter"
        default: return toolCalls ? "tool_calls" : "stop"
        }
    }

    private static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard let value, value.object != nil else { return nil }
        let completion = (value["candidatesTokenCount"]?.int ?? 0) + (value["thoughtsTokenCount"]?.int ?? 0)
        return TokenUsage(promptTokens: value["promptTokenCount"]?.int ?? 0, completionTokens: completion)
    }

    private static func toolCall(_ call: JSONValue, index: Int) -> OpenAIRequest.ToolCall {
        let args = call["args"]?.serialized ?? "{}"
        return OpenAIRequest.ToolCall(id: call["id"]?.string ?? "call_\(index)", name: call["name"]?.string ?? "", arguments: args)
    }
}
