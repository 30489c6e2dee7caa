import SwitchyardCore
import SwitchyardHTTP

/// Ollama endpoints: `/api/chat` and `/api/generate` (NDJSON streams by default), `/api/embed`, `/api/tags`,
/// `/api/version`. A chat offering tools whose last turn is not a tool result gets a call of the first tool.
extension MockServer {
    /// `POST /api/chat` (`chat: true`, replies in `message.content`) or `POST /api/generate` (`response`).
    func ollamaGenerate(_ request: HTTPRequest, _ response: HTTPServerResponse, chat: Bool) {
        let (plan, parsed) = begin(request)
        guard let body = parsed else {
            return sendOllamaError(response, status: 400, message: "invalid JSON: the request body must be a JSON object")
        }
        let prompt: MockPrompt
        if chat {
            // Ollama accepts a missing `messages` (it just loads the model); a non-array is an error.
            guard let parsedPrompt = MockPrompt(messages: body["messages"] ?? .array([])) else {
                return sendOllamaError(response, status: 400, message: "messages must be an array")
            }
            prompt = parsedPrompt
        } else {
            guard let parsedPrompt = MockPrompt(prompt: body["prompt"] ?? .string("")) else {
                return sendOllamaError(response, status: 400, message: "prompt must be a string")
            }
            prompt = parsedPrompt
        }
        // Ollama streams unless told otherwise.
        let stream = MockJSON.bool(body["stream"]) ?? true
        if let status = plan.failStatus {
            return injectFault(status, plan: plan, response: response, isStream: stream, ollama: true)
        }
        // `options.num_predict` is Ollama's max_tokens; negative values mean "no limit".
        let numPredict = MockJSON.int(body["options"]?["num_predict"])
        let text = MockText(id: options.id, lastUserText: prompt.lastUserText, plan: plan, maxTokens: numPredict.flatMap { $0 >= 0 ? $0 : nil })
        let head = "{\"model\":\(MockJSON.quote(model(of: body))),\"created_at\":\"\(createdAt)\","
        let receivedAt = response.receivedAt
        let evalDuration = plan.tokenDelayNs &* UInt64(text.count)
        // Offered tools and the last turn is not a tool result: call the first tool (as a model would).
        let lastRole = body["messages"]?.array?.last?["role"]?.string
        let tool = chat && lastRole != "tool" ? body["tools"]?.array?.first?["function"]?["name"]?.string : nil
        let toolCalls = tool.map { ",\"tool_calls\":[{\"function\":{\"name\":\(MockJSON.quote($0)),\"arguments\":{\"query\":\"mock\"}}}]" } ?? ""
        let closing = { [loop, idJSON] (content: String, calls: String) -> String in
            let total = loop.now &- receivedAt
            let payload = chat ? "\"message\":{\"role\":\"assistant\",\"content\":\(MockJSON.quote(content))\(calls)}" : "\"response\":\(MockJSON.quote(content))"
            return "\(head)\(payload),\"done\":true,\"done_reason\":\"\(tool != nil ? "stop" : text.finishReason)\",\"total_duration\":\(total),"
                + "\"load_duration\":0,\"prompt_eval_count\":\(prompt.tokenCount),\"prompt_eval_duration\":0,"
                + "\"eval_count\":\(tool != nil ? 1 : text.count),\"eval_duration\":\(evalDuration),\"system_fingerprint\":\(idJSON)}"
        }

        guard stream else {
            replyLater(response, plan: plan, tokens: tool != nil ? 0 : text.count) { tool != nil ? closing("", toolCalls) : closing(text.content, "") }
            return
        }
        let tokenPrefix = Array((chat ? "\(head)\"message\":{\"role\":\"assistant\",\"content\":" : "\(head)\"response\":").utf8)
        let tokenSuffix = Array((chat ? "},\"done\":false}\n" : ",\"done\":false}\n").utf8)
        let script = MockStream.Script(
            contentType: "application/x-ndjson",
            prelude: [],
            count: tool != nil ? 0 : text.count,
            event: { i in Self.event(tokenPrefix, text.piece(i), tokenSuffix) },
            epilogue: {
                var lines: [[UInt8]] = []
                if tool != nil { lines.append(Array("\(head)\"message\":{\"role\":\"assistant\",\"content\":\"\"\(toolCalls)},\"done\":false}\n".utf8)) }
                lines.append(Array((closing("", "") + "\n").utf8))
                return lines
            },
            tokenDelay: plan.tokenDelayNs,
            resetAfter: plan.resetAfter
        )
        streamLater(response, plan: plan, script: script)
    }

    /// `POST /api/embed`: `input` a string or strings; eight deterministic floats per input.
    func ollamaEmbed(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        let (plan, parsed) = begin(request, embedding: true)
        guard let body = parsed, let inputs = Self.embeddingInputs(body["input"]) else {
            return sendOllamaError(response, status: 400, message: "input must be a string or an array of strings")
        }
        if let status = plan.failStatus {
            return injectFault(status, plan: plan, response: response, isStream: false, ollama: true)
        }
        let tokens = inputs.reduce(0) { $0 + max(1, MockPrompt.wordCount($1)) }
        let vectors = inputs.map { "[" + MockText.embedding(of: $0).map { "\($0)" }.joined(separator: ",") + "]" }
        let json = "{\"model\":\(MockJSON.quote(model(of: body))),\"embeddings\":[\(vectors.joined(separator: ","))],"
            + "\"total_duration\":0,\"load_duration\":0,\"prompt_eval_count\":\(tokens),\"system_fingerprint\":\(idJSON)}"
        var unresettable = plan
        unresettable.resetAfter = nil
        replyLater(response, plan: unresettable, tokens: 0) { json }
    }

    /// `GET /api/tags`: the configured model in Ollama's listing shape.
    func ollamaTags(_ response: HTTPServerResponse) {
        let model = MockJSON.quote(options.model)
        let json = "{\"models\":[{\"name\":\(model),\"model\":\(model),\"modified_at\":\"\(createdAt)\",\"size\":0,"
            + "\"digest\":\"\(MockText.digest(of: options.model))\",\"details\":{\"parent_model\":\"\",\"format\":\"gguf\","
            + "\"family\":\"mock\",\"families\":[\"mock\"],\"parameter_size\":\"0B\",\"quantization_level\":\"Q4_0\"}}],"
            + "\"system_fingerprint\":\(idJSON)}"
        sendJSON(response, json)
    }
}
