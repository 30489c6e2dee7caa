import SwitchyardCore

/// OpenAI-dialect answers → Anthropic's Messages API: a `chat.completion` → a `message` object (content blocks
/// `thinking`, `text`, `tool_use`; `stop_reason`; `usage`); an SSE stream of `chat.completion.chunk`s → the
/// Messages event stream as it comes: `message_start`, then per block `content_block_start`,
/// `content_block_delta` (`text_delta`, `thinking_delta`, `input_json_delta`) and `content_block_stop`, then
/// `message_delta` (stop reason, usage) and `message_stop`. Errors use `{"type":"error","error":{…}}`, in-band
/// as an `error` event.
package final class AnthropicClientTranscoder: ClientTranscoder {
    private enum Block: Equatable {
        case none
        case text
        case thinking
        /// A tool call: its position in the accumulator.
        case tool(Int)
    }

    private let quotedModel: [UInt8]
    private var reader = SSEPayloadReader()
    private var toolCalls = ToolCallAccumulator()
    private var started = false
    private var closed = false
    private var block = Block.none
    private var blockIndex = -1
    private var finishReason: String?
    private var matchedStop: String?
    private var usage: TokenUsage?
    private var pieces = 0
    /// The id of the message (from the provider's id).
    private var messageID: String?
    private let fallbackID: String

    /// `model` is the name the client asked for; `requestID` makes the message id when the provider gives none.
    package init(model: String, requestID: String) {
        quotedModel = JSONWriter.quoted(model)
        fallbackID = "msg_" + requestID
    }

    package var streamContentType: String { "text/event-stream" }

    package func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard !closed else { return }
        reader.feed(input) { payload in handle(payload, into: &out) }
    }

    package func finish(into out: inout [UInt8]) {
        guard !closed else { return }
        reader.finish { payload in handle(payload, into: &out) }
        if !closed { writeEnd(into: &out) }
    }

    package func fail(_ error: RouterError, into out: inout [UInt8]) {
        guard !closed else { return }
        closed = true
        event("error", error.body(for: .anthropic), into: &out)
    }

    package func whole(_ body: [UInt8], stream: Bool) -> [UInt8]? {
        guard let value = JSONValue.parse(body), value.object != nil else { return nil }
        let piece = OpenAIAnswerPiece(value, whole: true)
        if let message = piece.errorMessage { return errorBody(RouterError(status: 502, message: message, code: "upstream_error")) }
        if stream {
            var out: [UInt8] = []
            consume(piece, into: &out)
            writeEnd(into: &out)
            return out
        }
        messageID = piece.id.map(Self.messageID)
        var json = JSONWriter(capacity: 256 + (piece.content?.utf8.count ?? 0))
        writeMessageHead(into: &json)
        json.raw(",\"content\":[")
        var count = 0
        func comma() { if count > 0 { json.raw(",") }; count += 1 }
        if let reasoning = piece.reasoning, !reasoning.isEmpty {
            comma()
            json.raw("{\"type\":\"thinking\",\"thinking\":")
            json.string(reasoning)
            json.raw(",\"signature\":\"\"}")
        }
        if let content = piece.content, !content.isEmpty {
            comma()
            json.raw("{\"type\":\"text\",\"text\":")
            json.string(content)
            json.raw("}")
        }
        for call in piece.toolCalls {
            comma()
            json.raw("{\"type\":\"tool_use\",\"id\":")
            json.string(call.id ?? "toolu_\(call.index)")
            json.raw(",\"name\":")
            json.string(call.name ?? "")
            json.raw(",\"input\":")
            Self.writeInput(call.arguments, into: &json)
            json.raw("}")
        }
        json.raw("],\"stop_reason\":")
        json.string(Self.stopReason(piece.finishReason, matchedStop: piece.matchedStop, hasToolCalls: !piece.toolCalls.isEmpty))
        json.raw(",\"stop_sequence\":")
        Self.writeStopSequence(piece.finishReason, piece.matchedStop, into: &json)
        json.raw(",\"usage\":{\"input_tokens\":")
        json.number(piece.usage?.promptTokens ?? 0)
        json.raw(",\"output_tokens\":")
        json.number(piece.usage?.completionTokens ?? 0)
        json.raw("}}")
        return json.bytes
    }

    package func errorBody(_ error: RouterError) -> [UInt8] { error.body(for: .anthropic) }

    // MARK: stream

    /// Takes one event of the provider's stream (none once the stream is over for the client).
    private func handle(_ payload: SSEPayloadReader.Payload, into out: inout [UInt8]) {
        guard !closed else { return }
        switch Self.streamPiece(payload) {
        case .success(let piece)?: consume(piece, into: &out)
        case .failure(let error)?: fail(error, into: &out)
        case nil: break
        }
    }

    private func consume(_ piece: OpenAIAnswerPiece, into out: inout [UInt8]) {
        if messageID == nil, let id = piece.id { messageID = Self.messageID(id) }
        if let reason = piece.finishReason { finishReason = reason }
        if let stop = piece.matchedStop { matchedStop = stop }
        if let counts = piece.usage { usage = counts }
        startIfNeeded(into: &out)
        if let reasoning = piece.reasoning, !reasoning.isEmpty {
            open(.thinking, into: &out)
            delta("{\"type\":\"thinking_delta\",\"thinking\":", reasoning, into: &out)
        }
        if let content = piece.content, !content.isEmpty {
            open(.text, into: &out)
            pieces += 1
            delta("{\"type\":\"text_delta\",\"text\":", content, into: &out)
        }
        for call in piece.toolCalls {
            let (position, began) = toolCalls.add(call)
            if began || block != .tool(position) { open(.tool(position), into: &out) }
            if !call.arguments.isEmpty {
                delta("{\"type\":\"input_json_delta\",\"partial_json\":", call.arguments, into: &out)
            }
        }
    }

    private func startIfNeeded(into out: inout [UInt8]) {
        guard !started else { return }
        started = true
        var json = JSONWriter(capacity: 256)
        json.raw("{\"type\":\"message_start\",\"message\":")
        writeMessageHead(into: &json)
        // Input tokens are known only at the end of an OpenAI stream: 0 here, the count in `message_delta`.
        json.raw(",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}")
        event("message_start", json.bytes, into: &out)
    }

    /// Closes the open block (if another) and opens `kind` as the next block.
    private func open(_ kind: Block, into out: inout [UInt8]) {
        guard block != kind else { return }
        closeBlock(into: &out)
        block = kind
        blockIndex += 1
        var json = JSONWriter(capacity: 128)
        json.raw("{\"type\":\"content_block_start\",\"index\":")
        json.number(blockIndex)
        switch kind {
        case .text: json.raw(",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
        case .thinking: json.raw(",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}")
        case .tool(let position):
            let call = toolCalls.calls[position]
            json.raw(",\"content_block\":{\"type\":\"tool_use\",\"id\":")
            json.string(call.id)
            json.raw(",\"name\":")
            json.string(call.name)
            json.raw(",\"input\":{}}}")
        case .none: return
        }
        event("content_block_start", json.bytes, into: &out)
    }

    private func closeBlock(into out: inout [UInt8]) {
        guard block != .none else { return }
        block = .none
        var json = JSONWriter(capacity: 64)
        json.raw("{\"type\":\"content_block_stop\",\"index\":")
        json.number(blockIndex)
        json.raw("}")
        event("content_block_stop", json.bytes, into: &out)
    }

    private func delta(_ head: StaticString, _ text: String, into out: inout [UInt8]) {
        var json = JSONWriter(capacity: 96 + text.utf8.count)
        json.raw("{\"type\":\"content_block_delta\",\"index\":")
        json.number(blockIndex)
        json.raw(",\"delta\":")
        json.raw(head)
        json.string(text)
        json.raw("}}")
        event("content_block_delta", json.bytes, into: &out)
    }

    private func writeEnd(into out: inout [UInt8]) {
        closed = true
        startIfNeeded(into: &out)
        closeBlock(into: &out)
        var json = JSONWriter(capacity: 160)
        json.raw("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":")
        json.string(Self.stopReason(finishReason, matchedStop: matchedStop, hasToolCalls: !toolCalls.calls.isEmpty))
        json.raw(",\"stop_sequence\":")
        Self.writeStopSequence(finishReason, matchedStop, into: &json)
        json.raw("},\"usage\":{\"input_tokens\":")
        json.number(usage?.promptTokens ?? 0)
        json.raw(",\"output_tokens\":")
        json.number(usage?.completionTokens ?? pieces)
        json.raw("}}")
        event("message_delta", json.bytes, into: &out)
        event("message_stop", Array("{\"type\":\"message_stop\"}".utf8), into: &out)
    }

    // MARK: writing

    /// `{"id","type":"message","role":"assistant","model"` (the object stays open).
    private func writeMessageHead(into json: inout JSONWriter) {
        json.raw("{\"id\":")
        json.string(messageID ?? fallbackID)
        json.raw(",\"type\":\"message\",\"role\":\"assistant\",\"model\":")
        json.bytes.append(contentsOf: quotedModel)
    }

    /// `event: NAME\ndata: JSON\n\n`.
    private func event(_ name: StaticString, _ data: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: "event: ".utf8)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: "\ndata: ".utf8)
        out.append(contentsOf: data)
        out.append(contentsOf: "\n\n".utf8)
    }

    /// A tool call's arguments as the `input` object (a string that is not a JSON object becomes `{}`: the
    /// Messages schema has no place for it).
    private static func writeInput(_ arguments: String, into json: inout JSONWriter) {
        if let value = JSONValue.parse(Array(arguments.utf8)), value.object != nil { value.write(to: &json) } else { json.raw("{}") }
    }

    /// `msg_…` from the provider's id (`chatcmpl-abc` → `msg_abc`).
    private static func messageID(_ id: String) -> String {
        if id.hasPrefix("msg_") { return id }
        if id.hasPrefix("chatcmpl-") { return "msg_" + id.dropFirst("chatcmpl-".count) }
        return "msg_" + id
    }

    /// The matched stop string, or null.
    private static func writeStopSequence(_ finishReason: String?, _ matchedStop: String?, into json: inout JSONWriter) {
        if finishReason == "stop", let matchedStop { json.string(matchedStop) } else { json.raw("null") }
    }

    /// Anthropic's `stop_reason` for an OpenAI `finish_reason` (`stop_sequence` when the provider names the stop
    /// string that matched, as vLLM and SGLang do).
    static func stopReason(_ finishReason: String?, matchedStop: String?, hasToolCalls: Bool) -> String {
        switch finishReason {
        case "stop" where matchedStop != nil: return "stop_sequence"
        case "length": return "max_tokens"
        case "tool_calls", "function_call": return "tool_use"
        case "content_filter": return "refusal"
        default: return hasToolCalls ? "tool_use" : "end_turn"
        }
    }
}
