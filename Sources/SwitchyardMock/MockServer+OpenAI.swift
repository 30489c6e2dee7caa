import SwitchyardCore
import SwitchyardHTTP

/// OpenAI-compatible endpoints: chat completions, legacy completions, embeddings, models.
extension MockServer {
    /// `POST /v1/chat/completions`: a `chat.completion` object, or `chat.completion.chunk` SSE events.
    func chatCompletions(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        let (plan, parsed) = begin(request)
        guard let body = parsed else {
            return sendOpenAIError(response, status: 400, message: "The request body must be a JSON object.", code: "\"invalid_json\"")
        }
        guard let prompt = MockPrompt(messages: body["messages"]) else {
            return sendOpenAIError(response, status: 400, message: "'messages' is required and must be an array.", code: "\"missing_required_parameter\"", param: "messages")
        }
        let stream = MockJSON.bool(body["stream"]) ?? false
        if let status = plan.failStatus {
            return injectFault(status, plan: plan, response: response, isStream: stream, ollama: false)
        }
        let maxTokens = MockJSON.int(body["max_completion_tokens"]) ?? MockJSON.int(body["max_tokens"])
        let text = MockText(id: options.id, lastUserText: prompt.lastUserText, plan: plan, maxTokens: maxTokens)
        let replyID = "chatcmpl-mock-\(takeReplyNumber())"
        let usage = Self.usageJSON(prompt: prompt.tokenCount, completion: text.count)
        let common = "\"created\":\(created),\"model\":\(MockJSON.quote(model(of: body))),\"system_fingerprint\":\(idJSON)"

        guard stream else {
            replyLater(response, plan: plan, tokens: text.count) {
                "{\"id\":\"\(replyID)\",\"object\":\"chat.completion\",\(common),\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\(MockJSON.quote(text.content))},"
                    + "\"logprobs\":null,\"finish_reason\":\"\(text.finishReason)\"}],\"usage\":\(usage)}"
            }
            return
        }
        let chunkHead = "{\"id\":\"\(replyID)\",\"object\":\"chat.completion.chunk\",\(common)"
        let includeUsage = MockJSON.bool(body["stream_options"]?["include_usage"]) ?? false
        let tokenPrefix = Array("data: \(chunkHead),\"choices\":[{\"index\":0,\"delta\":{\"content\":".utf8)
        let tokenSuffix = Array("},\"logprobs\":null,\"finish_reason\":null}]}\n\n".utf8)
        let role = Self.sse("\(chunkHead),\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}")
        let script = MockStream.Script(
            contentType: "text/event-stream",
            prelude: [role],
            count: text.count,
            event: { i in Self.event(tokenPrefix, text.piece(i), tokenSuffix) },
            epilogue: {
                var events = [Self.sse("\(chunkHead),\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"\(text.finishReason)\"}]}")]
                if includeUsage { events.append(Self.sse("\(chunkHead),\"choices\":[],\"usage\":\(usage)}")) }
                events.append(Self.sseDone)
                return events
            },
            tokenDelay: plan.tokenDelayNs,
            resetAfter: plan.resetAfter
        )
        streamLater(response, plan: plan, script: script)
    }

    /// `POST /v1/completions`: a `text_completion` object, or SSE chunks carrying `choices[0].text`.
    func textCompletions(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        let (plan, parsed) = begin(request)
        guard let body = parsed else {
            return sendOpenAIError(response, status: 400, message: "The request body must be a JSON object.", code: "\"invalid_json\"")
        }
        guard let prompt = MockPrompt(prompt: body["prompt"]) else {
            return sendOpenAIError(response, status: 400, message: "'prompt' is required and must be a string or an array.", code: "\"missing_required_parameter\"", param: "prompt")
        }
        let stream = MockJSON.bool(body["stream"]) ?? false
        if let status = plan.failStatus {
            return injectFault(status, plan: plan, response: response, isStream: stream, ollama: false)
        }
        let text = MockText(id: options.id, lastUserText: prompt.lastUserText, plan: plan, maxTokens: MockJSON.int(body["max_tokens"]))
        let replyID = "cmpl-mock-\(takeReplyNumber())"
        let usage = Self.usageJSON(prompt: prompt.tokenCount, completion: text.count)
        let head = "{\"id\":\"\(replyID)\",\"object\":\"text_completion\",\"created\":\(created),\"model\":\(MockJSON.quote(model(of: body))),\"system_fingerprint\":\(idJSON)"

        guard stream else {
            replyLater(response, plan: plan, tokens: text.count) {
                "\(head),\"choices\":[{\"text\":\(MockJSON.quote(text.content)),\"index\":0,\"logprobs\":null,"
                    + "\"finish_reason\":\"\(text.finishReason)\"}],\"usage\":\(usage)}"
            }
            return
        }
        let includeUsage = MockJSON.bool(body["stream_options"]?["include_usage"]) ?? false
        let tokenPrefix = Array("data: \(head),\"choices\":[{\"text\":".utf8)
        let tokenSuffix = Array(",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}\n\n".utf8)
        let script = MockStream.Script(
            contentType: "text/event-stream",
            prelude: [],
            count: text.count,
            event: { i in Self.event(tokenPrefix, text.piece(i), tokenSuffix) },
            epilogue: {
                var events = [Self.sse("\(head),\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"\(text.finishReason)\"}]}")]
                if includeUsage { events.append(Self.sse("\(head),\"choices\":[],\"usage\":\(usage)}")) }
                events.append(Self.sseDone)
                return events
            },
            tokenDelay: plan.tokenDelayNs,
            resetAfter: plan.resetAfter
        )
        streamLater(response, plan: plan, script: script)
    }

    /// `POST /v1/embeddings`: eight deterministic floats per input, derived from a hash of its text.
    func embeddings(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        let (plan, parsed) = begin(request, embedding: true)
        guard let body = parsed else {
            return sendOpenAIError(response, status: 400, message: "The request body must be a JSON object.", code: "\"invalid_json\"")
        }
        guard let inputs = Self.embeddingInputs(body["input"]) else {
            return sendOpenAIError(response, status: 400, message: "'input' is required and must be a string or an array.", code: "\"missing_required_parameter\"", param: "input")
        }
        if let status = plan.failStatus {
            return injectFault(status, plan: plan, response: response, isStream: false, ollama: false)
        }
        let model = model(of: body)
        var promptTokens = 0
        var data: [String] = []
        for (index, input) in inputs.enumerated() {
            promptTokens += max(1, MockPrompt.wordCount(input))
            let vector = MockText.embedding(of: input).map { "\($0)" }.joined(separator: ",")
            data.append("{\"object\":\"embedding\",\"index\":\(index),\"embedding\":[\(vector)]}")
        }
        let json = "{\"object\":\"list\",\"data\":[\(data.joined(separator: ","))],\"model\":\(MockJSON.quote(model)),"
            + "\"system_fingerprint\":\(idJSON),\"usage\":{\"prompt_tokens\":\(promptTokens),\"total_tokens\":\(promptTokens)}}"
        // No tokens are generated, so no token delays and no reset: only the latency applies.
        var unresettable = plan
        unresettable.resetAfter = nil
        replyLater(response, plan: unresettable, tokens: 0) { json }
    }

    /// `GET /v1/models`: the one configured model.
    func models(_ response: HTTPServerResponse) {
        sendJSON(response, "{\"object\":\"list\",\"data\":[{\"id\":\(MockJSON.quote(options.model)),\"object\":\"model\",\"created\":\(created),\"owned_by\":\(idJSON)}],\"system_fingerprint\":\(idJSON)}")
    }

    // MARK: helpers

    /// The texts of an embeddings `input`: a string, strings, token ids, or arrays of token ids.
    static func embeddingInputs(_ input: JSONValue?) -> [String]? {
        if case .string(let text)? = input { return [text] }
        guard case .array(let list)? = input, !list.isEmpty else { return nil }
        if list.allSatisfy({ $0.string == nil && $0.array == nil && MockJSON.int($0) != nil }) {
            return [list.map(MockJSON.text).joined(separator: " ")]
        }
        var texts: [String] = []
        for item in list {
            if case .string(let text) = item {
                texts.append(text)
            } else if case .array(let tokens) = item {
                texts.append(tokens.map(MockJSON.text).joined(separator: " "))
            } else {
                return nil
            }
        }
        return texts
    }

    static func usageJSON(prompt: Int, completion: Int) -> String {
        "{\"prompt_tokens\":\(prompt),\"completion_tokens\":\(completion),\"total_tokens\":\(prompt + completion)}"
    }

    /// One SSE event: `data: <json>\n\n` (WHATWG HTML §9.2).
    static func sse(_ json: String) -> [UInt8] {
        Array("data: \(json)\n\n".utf8)
    }

    static let sseDone = Array("data: [DONE]\n\n".utf8)

    /// `prefix + quoted(piece) + suffix` as one event's bytes.
    static func event(_ prefix: [UInt8], _ piece: String, _ suffix: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(prefix.count + piece.utf8.count + suffix.count + 8)
        out.append(contentsOf: prefix)
        MockJSON.appendQuoted(piece, to: &out)
        out.append(contentsOf: suffix)
        return out
    }
}
