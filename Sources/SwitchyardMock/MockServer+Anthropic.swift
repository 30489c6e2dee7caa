import SwitchyardCore
import SwitchyardHTTP

/// Anthropic's Messages API: `POST /v1/messages`, a `message` object or its SSE events. When the request offers
/// tools and its last turn is the user's own text (not a `tool_result`), the reply calls the first tool.
extension MockServer {
    static func anthropicErrorJSON(type: String, message: String) -> String {
        "{\"type\":\"error\",\"error\":{\"type\":\(MockJSON.quote(type)),\"message\":\(MockJSON.quote(message))}}"
    }

    func anthropicMessages(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        let (plan, parsed) = begin(request)
        func refuse(_ message: String) {
            sendJSON(response, status: 400, Self.anthropicErrorJSON(type: "invalid_request_error", message: message))
        }
        guard let body = parsed else { return refuse("The request body must be a JSON object.") }
        // The real API refuses requests without these; so does the mock, so tests see the adapter send them.
        guard request.head.headers["anthropic-version"] != nil else { return refuse("anthropic-version: header is required") }
        guard let maxTokens = MockJSON.int(body["max_tokens"]) else { return refuse("max_tokens: Field required") }
        guard let messages = body["messages"]?.array, let prompt = MockPrompt(messages: body["messages"]) else { return refuse("messages: Field required") }
        let stream = MockJSON.bool(body["stream"]) ?? false
        if let status = plan.failStatus {
            let type = status == 429 ? "rate_limit_error" : (status == 529 || status == 503 ? "overloaded_error" : (status >= 500 ? "api_error" : "invalid_request_error"))
            return injectFault(status, plan: plan, response: response, isStream: stream, errorBody: Self.anthropicErrorJSON(type: type, message: "mock failure injected"))
        }
        let model = MockJSON.quote(model(of: body))
        let replyID = "msg_mock_\(takeReplyNumber())"
        let lastBlocks = messages.last?["content"]?.array ?? []
        let answersTool = lastBlocks.contains { $0["type"]?.string == "tool_result" }
        let tool = answersTool ? nil : body["tools"]?.array?.first?["name"]?.string
        let text = MockText(id: options.id, lastUserText: prompt.lastUserText, plan: plan, maxTokens: maxTokens)
        let stopReason = tool != nil ? "tool_use" : (text.finishReason == "length" ? "max_tokens" : "end_turn")
        let outputTokens = tool != nil ? 1 : text.count
        let toolUse = tool.map { "{\"type\":\"tool_use\",\"id\":\"toolu_mock_1\",\"name\":\(MockJSON.quote($0)),\"input\":{\"query\":\"mock\"}}" }

        guard stream else {
            replyLater(response, plan: plan, tokens: tool != nil ? 0 : text.count) { [idJSON] in
                let content = toolUse ?? "{\"type\":\"text\",\"text\":\(MockJSON.quote(text.content))}"
                return "{\"id\":\"\(replyID)\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\(model),\"content\":[\(content)],"
                    + "\"stop_reason\":\"\(stopReason)\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":\(prompt.tokenCount),\"output_tokens\":\(outputTokens)},"
                    + "\"system_fingerprint\":\(idJSON)}"
            }
            return
        }
        func event(_ name: String, _ json: String) -> [UInt8] { Array("event: \(name)\ndata: \(json)\n\n".utf8) }
        let start = event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"\(replyID)\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\(model),"
            + "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":\(prompt.tokenCount),\"output_tokens\":1}}}")
        let blockStart = tool.map { event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_mock_1\",\"name\":\(MockJSON.quote($0)),\"input\":{}}}") }
            ?? event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
        let ping = event("ping", "{\"type\": \"ping\"}")
        let tokenPrefix = Array("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":".utf8)
        let tokenSuffix = Array("}}\n\n".utf8)
        let toolPieces = ["{\"query\"", ": \"mock\"}"]
        let script = MockStream.Script(
            contentType: "text/event-stream",
            prelude: [start, blockStart, ping],
            count: tool != nil ? toolPieces.count : text.count,
            event: { i in
                if tool != nil {
                    return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\(MockJSON.quote(toolPieces[i]))}}")
                }
                return Self.event(tokenPrefix, text.piece(i), tokenSuffix)
            },
            epilogue: {
                [
                    event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                    event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"\(stopReason)\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":\(outputTokens)}}"),
                    event("message_stop", "{\"type\":\"message_stop\"}"),
                ]
            },
            tokenDelay: plan.tokenDelayNs,
            resetAfter: plan.resetAfter
        )
        streamLater(response, plan: plan, script: script)
    }
}
