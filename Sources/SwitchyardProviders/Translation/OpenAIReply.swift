import SwitchyardCore

/// A provider's whole answer in neutral form, written out as OpenAI JSON by ``OpenAIReplyWriter``.
package struct OpenAIReply: Sendable {
    /// One choice (candidate).
    package struct Choice: Sendable {
        package var index: Int
        package var content: String?
        package var reasoning: String?
        package var toolCalls: [OpenAIRequest.ToolCall] = []
        package var finishReason: String?
        package init(index: Int = 0, content: String? = nil, reasoning: String? = nil, toolCalls: [OpenAIRequest.ToolCall] = [], finishReason: String? = nil) {
            self.index = index
            self.content = content
            self.reasoning = reasoning
            self.toolCalls = toolCalls
            self.finishReason = finishReason
        }
    }

    package var choices: [Choice]
    package var usage: TokenUsage?

    package init(choices: [Choice], usage: TokenUsage?) {
        self.choices = choices
        self.usage = usage
    }
}

/// What every reply of one answer carries: its id, creation time and the model name the client used.
package struct ReplyIdentity: Sendable {
    package var id: String
    package var created: Int
    package var model: String

    package init(id: String, created: Int, model: String) {
        self.id = id
        self.created = created
        self.model = model
    }
}

/// Writes neutral answers as the OpenAI dialect: `chat.completion`, `text_completion` or an embeddings list.
package enum OpenAIReplyWriter {
    /// The whole answer for `endpoint` (chat completions or completions).
    package static func whole(_ reply: OpenAIReply, endpoint: EndpointKind, identity: ReplyIdentity) -> [UInt8] {
        var out = JSONWriter(capacity: 512)
        let chat = endpoint == .chatCompletions
        out.raw("{\"id\":")
        out.string(identity.id)
        out.raw(chat ? ",\"object\":\"chat.completion\",\"created\":" : ",\"object\":\"text_completion\",\"created\":")
        out.number(identity.created)
        out.raw(",\"model\":")
        out.string(identity.model)
        out.raw(",\"choices\":[")
        for (position, choice) in reply.choices.enumerated() {
            if position > 0 { out.raw(",") }
            out.raw("{\"index\":")
            out.number(choice.index)
            if chat {
                out.raw(",\"message\":{\"role\":\"assistant\",\"content\":")
                if let content = choice.content, !(content.isEmpty && !choice.toolCalls.isEmpty) { out.string(content) } else { out.raw("null") }
                if let reasoning = choice.reasoning, !reasoning.isEmpty {
                    out.raw(",\"reasoning_content\":")
                    out.string(reasoning)
                }
                if !choice.toolCalls.isEmpty {
                    out.raw(",\"tool_calls\":[")
                    for (n, call) in choice.toolCalls.enumerated() {
                        if n > 0 { out.raw(",") }
                        writeToolCall(call, index: nil, to: &out)
                    }
                    out.raw("]")
                }
                out.raw("}")
            } else {
                out.raw(",\"text\":")
                out.string(choice.content ?? "")
            }
            out.raw(",\"logprobs\":null,\"finish_reason\":")
            if let reason = choice.finishReason { out.string(reason) } else { out.raw("null") }
            out.raw("}")
        }
        out.raw("]")
        if let usage = reply.usage {
            out.raw(",\"usage\":")
            usage.write(to: &out)
        }
        out.raw("}")
        return out.bytes
    }

    /// An embeddings list: `vectors` are JSON arrays of numbers, written as the provider sent them.
    package static func embeddings(_ vectors: [JSONValue], model: String, usage: TokenUsage?) -> [UInt8] {
        var out = JSONWriter(capacity: 256 + vectors.count * 1024)
        out.raw("{\"object\":\"list\",\"data\":[")
        for (index, vector) in vectors.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"object\":\"embedding\",\"index\":")
            out.number(index)
            out.raw(",\"embedding\":")
            vector.write(to: &out)
            out.raw("}")
        }
        out.raw("],\"model\":")
        out.string(model)
        let prompt = usage?.promptTokens ?? 0
        out.raw(",\"usage\":{\"prompt_tokens\":")
        out.number(prompt)
        out.raw(",\"total_tokens\":")
        out.number(prompt)
        out.raw("}}")
        return out.bytes
    }

    /// `{"id":…,"type":"function","function":{"name":…,"arguments":…}}`, with `"index"` first when given.
    static func writeToolCall(_ call: OpenAIRequest.ToolCall, index: Int?, to out: inout JSONWriter) {
        out.raw("{")
        if let index {
            out.raw("\"index\":")
            out.number(index)
            out.raw(",")
        }
        out.raw("\"id\":")
        out.string(call.id)
        out.raw(",\"type\":\"function\",\"function\":{\"name\":")
        out.string(call.name)
        out.raw(",\"arguments\":")
        out.string(call.arguments)
        out.raw("}}")
    }

    /// A provider error as the OpenAI error body.
    package static func error(status: Int, message: String, type: String? = nil, code: String? = nil) -> [UInt8] {
        var error = RouterError(status: status, message: message, code: code ?? "upstream_error")
        if let type, !type.isEmpty {
            var out = JSONWriter()
            out.raw("{\"error\":{\"message\":")
            out.string(error.message)
            out.raw(",\"type\":")
            out.string(type)
            out.raw(",\"param\":null,\"code\":")
            out.string(error.code)
            out.raw("}}")
            return out.bytes
        }
        error.param = nil
        return error.body
    }
}

/// Writes an OpenAI SSE stream (`chat.completion.chunk` or streamed `text_completion` events, then
/// `data: [DONE]`) from neutral stream events.
package struct OpenAIChunkEncoder {
    private let chat: Bool
    /// `data: {"id":…,"object":…,"created":…,"model":…` shared by every chunk.
    private let head: [UInt8]
    /// The client asked for `stream_options.include_usage`.
    private let includeUsage: Bool
    /// Choices whose first delta (carrying the role) was sent.
    private var started: Set<Int> = []
    private(set) var finished: Set<Int> = []

    package init(endpoint: EndpointKind, identity: ReplyIdentity, includeUsage: Bool) {
        chat = endpoint == .chatCompletions
        self.includeUsage = includeUsage
        var out = JSONWriter(capacity: 128)
        out.raw("data: {\"id\":")
        out.string(identity.id)
        out.raw(chat ? ",\"object\":\"chat.completion.chunk\",\"created\":" : ",\"object\":\"text_completion\",\"created\":")
        out.number(identity.created)
        out.raw(",\"model\":")
        out.string(identity.model)
        head = out.bytes
    }

    /// A content piece for `choice`.
    package mutating func content(_ text: String, choice: Int = 0, into out: inout [UInt8]) {
        guard !text.isEmpty else { return }
        if chat {
            delta(choice, into: &out) { $0.raw("\"content\":"); $0.string(text) }
        } else {
            var writer = open(into: &out)
            writer.raw(",\"choices\":[{\"text\":")
            writer.string(text)
            writer.raw(",\"index\":")
            writer.number(choice)
            writer.raw(",\"logprobs\":null,\"finish_reason\":null}]}\n\n")
            out = writer.bytes
        }
    }

    /// A reasoning piece (`delta.reasoning_content`); completions streams have no place for it.
    package mutating func reasoning(_ text: String, choice: Int = 0, into out: inout [UInt8]) {
        guard chat, !text.isEmpty else { return }
        delta(choice, into: &out) { $0.raw("\"reasoning_content\":"); $0.string(text) }
    }

    /// The start of tool call `index` (id and name), with the first arguments piece if any.
    package mutating func toolCallStart(index: Int, id: String, name: String, arguments: String, choice: Int = 0, into out: inout [UInt8]) {
        guard chat else { return }
        delta(choice, into: &out) {
            $0.raw("\"tool_calls\":[")
            OpenAIReplyWriter.writeToolCall(OpenAIRequest.ToolCall(id: id, name: name, arguments: arguments), index: index, to: &$0)
            $0.raw("]")
        }
    }

    /// More arguments text of tool call `index`.
    package mutating func toolCallArguments(index: Int, _ piece: String, choice: Int = 0, into out: inout [UInt8]) {
        guard chat, !piece.isEmpty else { return }
        delta(choice, into: &out) {
            $0.raw("\"tool_calls\":[{\"index\":")
            $0.number(index)
            $0.raw(",\"function\":{\"arguments\":")
            $0.string(piece)
            $0.raw("}}]")
        }
    }

    /// The choice's last chunk: an empty delta with its finish reason (once per choice).
    package mutating func finish(_ reason: String, choice: Int = 0, into out: inout [UInt8]) {
        guard finished.insert(choice).inserted else { return }
        var writer = open(into: &out)
        if chat {
            writer.raw(",\"choices\":[{\"index\":")
            writer.number(choice)
            writer.raw(started.contains(choice) ? ",\"delta\":{}" : ",\"delta\":{\"role\":\"assistant\",\"content\":\"\"}")
        } else {
            writer.raw(",\"choices\":[{\"text\":\"\",\"index\":")
            writer.number(choice)
        }
        writer.raw(",\"logprobs\":null,\"finish_reason\":")
        writer.string(reason)
        writer.raw("}]}\n\n")
        out = writer.bytes
    }

    /// The end of the stream: the usage chunk when the client asked for it, then `[DONE]`.
    package func end(usage: TokenUsage?, into out: inout [UInt8]) {
        if includeUsage {
            var writer = open(into: &out)
            writer.raw(",\"choices\":[],\"usage\":")
            if let usage { usage.write(to: &writer) } else { writer.raw("null") }
            writer.raw("}\n\n")
            out = writer.bytes
        }
        out.append(contentsOf: Self.done)
    }

    /// An in-band error event (the stream ends after it, without `[DONE]`).
    package static func errorEvent(_ body: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: "data: ".utf8)
        out.append(contentsOf: body)
        out.append(contentsOf: "\n\n".utf8)
    }

    static let done = Array("data: [DONE]\n\n".utf8)

    private func open(into out: inout [UInt8]) -> JSONWriter {
        var writer = JSONWriter(capacity: 0)
        swap(&writer.bytes, &out)
        writer.bytes.append(contentsOf: head)
        return writer
    }

    private mutating func delta(_ choice: Int, into out: inout [UInt8], _ fields: (inout JSONWriter) -> Void) {
        var writer = open(into: &out)
        writer.raw(",\"choices\":[{\"index\":")
        writer.number(choice)
        writer.raw(",\"delta\":{")
        if started.insert(choice).inserted { writer.raw("\"role\":\"assistant\",") }
        fields(&writer)
        writer.raw("},\"logprobs\":null,\"finish_reason\":null}]}\n\n")
        out = writer.bytes
    }
}
