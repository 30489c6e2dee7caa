import SwitchyardCore

/// OpenAI-dialect answers → Ollama's: a `chat.completion` → one chat (or generate) object; an SSE stream of
/// `chat.completion.chunk`s → NDJSON objects as they come (`message.content` / `response`, `thinking`), the
/// tool calls once complete (Ollama sends them whole, arguments as an object), and a last object with
/// `done: true`, `done_reason`, `prompt_eval_count` / `eval_count` and the durations in nanoseconds; an
/// embeddings list → `embeddings` (or the older `embedding`). Errors become `{"error":"…"}`, in-band as the last
/// line of a broken stream.
package final class OllamaClientTranscoder: ClientTranscoder {
    private let operation: OllamaOperation
    private let quotedModel: [UInt8]
    private let quotedCreatedAt: [UInt8]
    private let now: () -> UInt64
    private let startedAt: UInt64
    private var firstTokenAt: UInt64?
    private var reader = SSEPayloadReader()
    private var toolCalls = ToolCallAccumulator()
    private var finishReason: String?
    private var usage: TokenUsage?
    private var pieces = 0
    /// The stream is over for the client (done or error sent): later input is ignored.
    private var closed = false

    /// `model` is the name the client asked for; `createdAt` the RFC 3339 time every object carries; `now`
    /// monotonic nanoseconds (the durations), injectable for tests.
    package init(operation: OllamaOperation, model: String, createdAt: String = ClientTimestamp.now(),
                 now: @escaping () -> UInt64 = ClientTimestamp.monotonicNanoseconds) {
        self.operation = operation
        self.quotedModel = JSONWriter.quoted(model)
        self.quotedCreatedAt = JSONWriter.quoted(createdAt)
        self.now = now
        self.startedAt = now()
    }

    package var streamContentType: String { "application/x-ndjson" }

    package func transcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard !closed else { return }
        reader.feed(input) { payload in handle(payload, into: &out) }
    }

    package func finish(into out: inout [UInt8]) {
        guard !closed else { return }
        reader.finish { payload in handle(payload, into: &out) }
        if !closed { writeDone(into: &out) }
    }

    package func fail(_ error: RouterError, into out: inout [UInt8]) {
        guard !closed else { return }
        closed = true
        out.append(contentsOf: error.body(for: .ollama))
        out.append(0x0A)
    }

    package func whole(_ body: [UInt8], stream: Bool) -> [UInt8]? {
        guard let value = JSONValue.parse(body), value.object != nil else { return nil }
        switch operation {
        case .embed, .embeddings: return embeddings(value)
        case .chat, .generate: break
        }
        let piece = OpenAIAnswerPiece(value, whole: true)
        if let message = piece.errorMessage { return errorBody(RouterError(status: 502, message: message, code: "upstream_error")) }
        record(piece)
        var out: [UInt8] = []
        if stream {
            // Asked for a stream, answered whole: the same objects a stream would have had, at once.
            consume(piece, into: &out)
            writeDone(into: &out)
        } else {
            firstTokenAt = startedAt
            writeObject(content: piece.content ?? "", thinking: piece.reasoning, done: true, withToolCalls: true, into: &out)
            out.removeLast()  // one JSON document, not a line
        }
        return out
    }

    package func errorBody(_ error: RouterError) -> [UInt8] { error.body(for: .ollama) }

    // MARK: stream

    /// Takes one event of the provider's stream (none once the stream is over for the client).
    private func handle(_ payload: SSEPayloadReader.Payload, into out: inout [UInt8]) {
        guard !closed else { return }
        switch Self.streamPiece(payload) {
        case .success(let piece)?:
            record(piece)
            consume(piece, into: &out)
        case .failure(let error)?: fail(error, into: &out)
        case nil: break
        }
    }

    /// Keeps what the closing object needs from `piece`: the finish reason, the counts and the tool calls.
    private func record(_ piece: OpenAIAnswerPiece) {
        if let reason = piece.finishReason { finishReason = reason }
        if let counts = piece.usage { usage = counts }
        for call in piece.toolCalls { toolCalls.add(call) }
    }

    /// Writes `piece`'s text (content, thinking) as one object, if it has any.
    private func consume(_ piece: OpenAIAnswerPiece, into out: inout [UInt8]) {
        let content = piece.content ?? ""
        let thinking = piece.reasoning ?? ""
        guard !content.isEmpty || !thinking.isEmpty else { return }
        if firstTokenAt == nil { firstTokenAt = now() }
        pieces += 1
        writeObject(content: content, thinking: thinking.isEmpty ? nil : thinking, done: false, into: &out)
    }

    /// The tool calls (if any) then the closing object.
    private func writeDone(into out: inout [UInt8]) {
        closed = true
        if !toolCalls.calls.isEmpty && operation == .chat {
            writeObject(content: "", thinking: nil, done: false, withToolCalls: true, into: &out)
        }
        writeObject(content: "", thinking: nil, done: true, into: &out)
    }

    // MARK: writing

    /// One Ollama object and a newline. `done` objects carry the reason, the counts and the durations;
    /// `withToolCalls` adds the tool calls gathered (chat only).
    private func writeObject(content: String, thinking: String?, done: Bool, withToolCalls: Bool = false, into out: inout [UInt8]) {
        var json = JSONWriter(capacity: 160 + content.utf8.count)
        json.raw("{\"model\":")
        json.bytes.append(contentsOf: quotedModel)
        json.raw(",\"created_at\":")
        json.bytes.append(contentsOf: quotedCreatedAt)
        if operation == .chat {
            json.raw(",\"message\":{\"role\":\"assistant\",\"content\":")
            json.string(content)
            if let thinking {
                json.raw(",\"thinking\":")
                json.string(thinking)
            }
            if withToolCalls, !toolCalls.calls.isEmpty { writeToolCalls(into: &json) }
            json.raw("}")
        } else {
            json.raw(",\"response\":")
            json.string(content)
            if let thinking {
                json.raw(",\"thinking\":")
                json.string(thinking)
            }
        }
        json.raw(",\"done\":")
        json.bool(done)
        if done {
            let end = now()
            let first = firstTokenAt ?? end
            json.raw(",\"done_reason\":")
            json.string(Self.doneReason(finishReason))
            json.raw(",\"total_duration\":")
            json.number(Int(clamping: end &- startedAt))
            json.raw(",\"load_duration\":0,\"prompt_eval_count\":")
            json.number(usage?.promptTokens ?? 0)
            json.raw(",\"prompt_eval_duration\":")
            json.number(Int(clamping: first &- startedAt))
            json.raw(",\"eval_count\":")
            json.number(usage?.completionTokens ?? pieces)
            json.raw(",\"eval_duration\":")
            json.number(Int(clamping: end &- first))
        }
        json.raw("}\n")
        out.append(contentsOf: json.bytes)
    }

    /// Ollama's `tool_calls`: `[{"function":{"name","arguments":{…}}}]`, arguments as an object (an argument
    /// string that is not a JSON object becomes `{}`: Ollama's schema has no place for it).
    private func writeToolCalls(into json: inout JSONWriter) {
        json.raw(",\"tool_calls\":[")
        for (index, call) in toolCalls.calls.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"function\":{\"index\":")
            json.number(index)
            json.raw(",\"name\":")
            json.string(call.name)
            json.raw(",\"arguments\":")
            if let arguments = JSONValue.parse(Array(call.arguments.utf8)), arguments.object != nil {
                arguments.write(to: &json)
            } else {
                json.raw("{}")
            }
            json.raw("}}")
        }
        json.raw("]")
    }

    /// Ollama's `done_reason` for an OpenAI `finish_reason` (`stop`, `length`; a tool call ends with `stop`).
    static func doneReason(_ finishReason: String?) -> String {
        finishReason == "length" ? "length" : "stop"
    }

    /// `/api/embed` → `{"model","embeddings":[[…]],…}`; `/api/embeddings` → `{"embedding":[…]}`.
    private func embeddings(_ value: JSONValue) -> [UInt8]? {
        guard let data = value["data"]?.array else { return nil }
        let vectors = data.sorted { ($0["index"]?.int ?? 0) < ($1["index"]?.int ?? 0) }.compactMap { $0["embedding"] }
        var json = JSONWriter(capacity: 64 + vectors.count * 256)
        if operation == .embeddings {
            json.raw("{\"embedding\":")
            if let first = vectors.first { first.write(to: &json) } else { json.raw("[]") }
            json.raw("}")
            return json.bytes
        }
        json.raw("{\"model\":")
        json.bytes.append(contentsOf: quotedModel)
        json.raw(",\"embeddings\":[")
        for (index, vector) in vectors.enumerated() {
            if index > 0 { json.raw(",") }
            vector.write(to: &json)
        }
        json.raw("],\"total_duration\":")
        json.number(Int(clamping: now() &- startedAt))
        json.raw(",\"load_duration\":0,\"prompt_eval_count\":")
        json.number(value["usage"]?["prompt_tokens"]?.int ?? 0)
        json.raw("}")
        return json.bytes
    }
}
