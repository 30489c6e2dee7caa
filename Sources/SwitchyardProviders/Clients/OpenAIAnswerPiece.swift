import SwitchyardCore

/// What a client dialect needs from an OpenAI-dialect answer: one `chat.completion.chunk` of a stream, or a whole
/// `chat.completion` / `text_completion` read as one piece. Only the first choice is read (the other dialects have
/// no `n`).
package struct OpenAIAnswerPiece {
    /// A piece of a tool call (`index` says which call; `id` and `name` come with its first piece).
    package struct ToolCall {
        package var index: Int
        package var id: String?
        package var name: String?
        package var arguments: String
    }

    package var id: String?
    /// Generated text (`content`, or `text` of a completion).
    package var content: String?
    /// Reasoning text (`reasoning_content`, or `reasoning` as some servers name it).
    package var reasoning: String?
    package var toolCalls: [ToolCall] = []
    package var finishReason: String?
    /// The stop string that ended the answer, when the provider says (vLLM's and SGLang's `stop_reason`).
    package var matchedStop: String?
    /// `usage.prompt_tokens` and `usage.completion_tokens`, when the piece carries them.
    package var usage: TokenUsage?
    /// An in-band error (`{"error": …}`), its message.
    package var errorMessage: String?

    /// Reads one stream chunk (`choices[0].delta`), or a whole answer (`choices[0].message`) when `whole`.
    package init(_ value: JSONValue, whole: Bool = false) {
        id = value["id"]?.string
        if let error = value["error"] {
            errorMessage = error["message"]?.string ?? error.string ?? "The provider reported an error."
            return
        }
        if value["object"]?.string == "error" {
            errorMessage = value["message"]?.string ?? "The provider reported an error."
            return
        }
        if let usage = value["usage"], usage.object != nil {
            self.usage = TokenUsage(promptTokens: usage["prompt_tokens"]?.int ?? 0, completionTokens: usage["completion_tokens"]?.int ?? 0)
        }
        guard let choice = value["choices"]?[0] else { return }
        finishReason = choice["finish_reason"]?.string
        matchedStop = choice["stop_reason"]?.string ?? choice["matched_stop"]?.string
        let message = whole ? choice["message"] : choice["delta"]
        content = message?["content"]?.string ?? choice["text"]?.string
        reasoning = message?["reasoning_content"]?.string ?? message?["reasoning"]?.string
        if let calls = message?["tool_calls"]?.array {
            for (position, call) in calls.enumerated() {
                let function = call["function"]
                var arguments = function?["arguments"]?.string ?? ""
                if arguments.isEmpty, let object = function?["arguments"], object.object != nil { arguments = object.serialized }
                toolCalls.append(ToolCall(index: call["index"]?.int ?? position, id: call["id"]?.string,
                                          name: function?["name"]?.string, arguments: arguments))
            }
        }
    }

    /// Parses `bytes` as JSON and reads it; nil when it is not a JSON object.
    package static func parse(_ bytes: [UInt8], whole: Bool = false) -> OpenAIAnswerPiece? {
        guard let value = JSONValue.parse(bytes), value.object != nil else { return nil }
        return OpenAIAnswerPiece(value, whole: whole)
    }
}

/// Tool calls gathered from stream pieces (arguments arrive in fragments), in the order they began.
package struct ToolCallAccumulator {
    /// One call gathered so far (`id` is `call_<n>` when the provider gave none).
    package struct Call {
        package var index: Int
        package var id: String
        package var name: String
        package var arguments: String
    }

    package private(set) var calls: [Call] = []

    package init() {}

    /// Adds `piece`; returns the position of its call in ``calls`` and whether that call began with it.
    @discardableResult
    package mutating func add(_ piece: OpenAIAnswerPiece.ToolCall) -> (position: Int, began: Bool) {
        if let position = calls.lastIndex(where: { $0.index == piece.index }), piece.id == nil || piece.id == calls[position].id {
            if let name = piece.name, calls[position].name.isEmpty { calls[position].name = name }
            calls[position].arguments += piece.arguments
            return (position, false)
        }
        calls.append(Call(index: piece.index, id: piece.id ?? "call_\(calls.count)", name: piece.name ?? "", arguments: piece.arguments))
        return (calls.count - 1, true)
    }
}
