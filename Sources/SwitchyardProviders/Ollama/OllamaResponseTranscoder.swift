import SwitchyardCore

/// Ollama's answers in OpenAI's dialect: a whole `/api/chat`, `/api/generate` or `/api/embed` object, or an
/// NDJSON stream (one object per line, the last with `"done":true`, counts and `done_reason`) as SSE chunks.
package struct OllamaResponseTranscoder: ResponseTranscoder {
    private let endpoint: EndpointKind
    private let identity: ReplyIdentity
    private var encoder: OpenAIChunkEncoder
    private var lines = LineSplitter()
    private var toolCalls = 0
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
        var splitter = lines
        lines = LineSplitter()
        splitter.feed(input) { line in self.line(line, into: &out) }
        lines = splitter
        if lines.overflowed && !ended { fail(LineSplitter.overflowMessage, into: &out) }
        return true
    }

    package mutating func finish(into out: inout [UInt8]) {
        var splitter = lines
        lines = LineSplitter()
        splitter.finish { line in self.line(line, into: &out) }
        if !ended { fail("the provider's stream ended before its last message", into: &out) }
    }

    package mutating func transcodeWhole(_ body: [UInt8]) throws(RouterError) -> [UInt8] {
        guard let value = JSONValue.parse(body), value.object != nil else {
            throw RouterError.upstreamFailed("the Ollama provider's answer is not a JSON object")
        }
        if endpoint == .embeddings {
            guard let vectors = value["embeddings"]?.array else { throw RouterError.upstreamFailed("the Ollama provider's answer has no 'embeddings'") }
            usage = TokenUsage(promptTokens: value["prompt_eval_count"]?.int ?? 0, completionTokens: 0)
            return OpenAIReplyWriter.embeddings(vectors, model: identity.model, usage: usage)
        }
        let reply = Self.usage(of: value)
        usage = reply
        var choice = OpenAIReply.Choice()
        if endpoint == .chatCompletions {
            let message = value["message"]
            choice.content = message?["content"]?.string ?? ""
            choice.reasoning = message?["thinking"]?.string
            for (index, call) in (message?["tool_calls"]?.array ?? []).enumerated() {
                choice.toolCalls.append(Self.toolCall(call, index: index))
            }
        } else {
            choice.content = value["response"]?.string ?? ""
        }
        choice.finishReason = Self.finishReason(value["done_reason"]?.string, toolCalls: !choice.toolCalls.isEmpty)
        return OpenAIReplyWriter.whole(OpenAIReply(choices: [choice], usage: reply), endpoint: endpoint, identity: identity)
    }

    package func mapError(status: Int, body: [UInt8]) -> [UInt8] {
        let (message, type) = ProviderAdapters.errorMessage(body, status: status)
        return OpenAIReplyWriter.error(status: status, message: message, type: type)
    }

    // MARK: stream

    private mutating func line(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard !ended, !bytes.isEmpty else { return }
        if tokenLine(bytes, into: &out) { return }
        guard let value = JSONValue.parse(Array(bytes)), value.object != nil else {
            return fail("the provider sent a stream line that is not JSON", into: &out)
        }
        if let error = value["error"] {
            let message = error.string ?? error["message"]?.string ?? "the provider reported an error"
            ended = true
            OpenAIChunkEncoder.errorEvent(OpenAIReplyWriter.error(status: 502, message: message), into: &out)
            return
        }
        if endpoint == .chatCompletions, let message = value["message"] {
            if let thinking = message["thinking"]?.string { encoder.reasoning(thinking, into: &out) }
            if let content = message["content"]?.string { encoder.content(content, into: &out) }
            for call in message["tool_calls"]?.array ?? [] {
                let made = Self.toolCall(call, index: toolCalls)
                encoder.toolCallStart(index: toolCalls, id: made.id, name: made.name, arguments: made.arguments, into: &out)
                toolCalls += 1
            }
        } else if let response = value["response"]?.string {
            encoder.content(response, into: &out)
        }
        if value["done"]?.bool == true {
            usage = Self.usage(of: value)
            encoder.finish(Self.finishReason(value["done_reason"]?.string, toolCalls: toolCalls > 0), into: &out)
            encoder.end(usage: usage, into: &out)
            ended = true
        }
    }

    /// The common line of a chat stream — `{"message":{"role":"assistant","content":"…"},"done":false,…}`, no
    /// tool calls, no error — read with the validating scanner instead of building an object graph; false (nothing
    /// written) for any other line, which the general path reads.
    private mutating func tokenLine(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard endpoint == .chatCompletions, case .success(let scan) = JSONScanner.scanObject(bytes),
              scan.member("error") == nil, scan.member("done")?.kind == .false,
              let message = scan.member("message"), message.kind == .object else { return false }
        let inner = UnsafeRawBufferPointer(rebasing: bytes[message.valueStart..<message.valueEnd])
        guard case .success(let fields) = JSONScanner.scanObject(inner), fields.member("tool_calls") == nil else { return false }
        var thinking: String?
        var content: String?
        if let member = fields.member("thinking"), member.kind != .null {
            guard member.kind == .string, let text = JSONScanner.decodeString(inner, member.valueStart..<member.valueEnd) else { return false }
            thinking = text
        }
        if let member = fields.member("content"), member.kind != .null {
            guard member.kind == .string, let text = JSONScanner.decodeString(inner, member.valueStart..<member.valueEnd) else { return false }
            content = text
        }
        if let thinking { encoder.reasoning(thinking, into: &out) }
        if let content { encoder.content(content, into: &out) }
        return true
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        ended = true
        OpenAIChunkEncoder.errorEvent(RouterError.upstreamFailed(message).body, into: &out)
    }

    // MARK: mapping

    private static func usage(of value: JSONValue) -> TokenUsage? {
        let prompt = value["prompt_eval_count"]?.int
        let completion = value["eval_count"]?.int
        if prompt == nil && completion == nil { return nil }
        return TokenUsage(promptTokens: prompt ?? 0, completionTokens: completion ?? 0)
    }

    /// `done_reason` → `finish_reason`: `length` stays; a reply with tool calls is `tool_calls`; the rest `stop`.
    static func finishReason(_ reason: String?, toolCalls: Bool) -> String {
        if reason == "length" { return "length" }
        return toolCalls ? "tool_calls" : "stop"
    }

    private static func toolCall(_ call: JSONValue, index: Int) -> OpenAIRequest.ToolCall {
        let function = call["function"]
        let arguments: String
        switch function?["arguments"] {
        case .string(let text)?: arguments = text
        case let value?: arguments = value.serialized
        case nil: arguments = "{}"
        }
        return OpenAIRequest.ToolCall(id: call["id"]?.string ?? "call_\(index)", name: function?["name"]?.string ?? "", arguments: arguments)
    }
}
