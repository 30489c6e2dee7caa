import SwitchyardCore
import SwitchyardHTTP

/// Gemini's API: `POST /v1beta/models/<model>:generateContent`, `:streamGenerateContent?alt=sse` (SSE events with
/// CRLF line ends, as Google sends them) and `:batchEmbedContents`. When the request declares functions and its
/// last turn is the user's text (not a `functionResponse`), the reply calls the first function.
extension MockServer {
    static func geminiErrorJSON(status: Int, message: String) -> String {
        let name: String
        switch status {
        case 400: name = "INVALID_ARGUMENT"
        case 401: name = "UNAUTHENTICATED"
        case 403: name = "PERMISSION_DENIED"
        case 404: name = "NOT_FOUND"
        case 429: name = "RESOURCE_EXHAUSTED"
        case 503: name = "UNAVAILABLE"
        default: name = status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"
        }
        return "{\"error\":{\"code\":\(status),\"message\":\(MockJSON.quote(message)),\"status\":\"\(name)\"}}"
    }

    func gemini(_ request: HTTPRequest, _ response: HTTPServerResponse, model: String, method: String) {
        switch method {
        case "generateContent": geminiGenerate(request, response, model: model, stream: false)
        case "streamGenerateContent": geminiGenerate(request, response, model: model, stream: true)
        case "batchEmbedContents": geminiEmbed(request, response)
        default:
            sendJSON(response, status: 404, Self.geminiErrorJSON(status: 404, message: "Method \(method) not found."))
        }
    }

    private func geminiGenerate(_ request: HTTPRequest, _ response: HTTPServerResponse, model: String, stream: Bool) {
        let (plan, parsed) = begin(request)
        guard let body = parsed, let contents = body["contents"]?.array else {
            return sendJSON(response, status: 400, Self.geminiErrorJSON(status: 400, message: "contents is required"))
        }
        if let status = plan.failStatus {
            return injectFault(status, plan: plan, response: response, isStream: stream, errorBody: Self.geminiErrorJSON(status: status, message: "mock failure injected"))
        }
        var words = 0
        var lastUser = ""
        for content in contents {
            let text = (content["parts"]?.array ?? []).compactMap { $0["text"]?.string }.joined(separator: " ")
            words += MockPrompt.wordCount(text)
            if content["role"]?.string == "user" { lastUser = text }
        }
        let answersFunction = (contents.last?["parts"]?.array ?? []).contains { $0["functionResponse"] != nil }
        let function = answersFunction ? nil : body["tools"]?[0]?["functionDeclarations"]?[0]?["name"]?.string
        let text = MockText(id: options.id, lastUserText: lastUser, plan: plan, maxTokens: MockJSON.int(body["generationConfig"]?["maxOutputTokens"]))
        let finish = text.finishReason == "length" ? "MAX_TOKENS" : "STOP"
        let outputTokens = function != nil ? 1 : text.count
        let usage = "\"usageMetadata\":{\"promptTokenCount\":\(words),\"candidatesTokenCount\":\(outputTokens),\"totalTokenCount\":\(words + outputTokens)}"
        let version = "\"modelVersion\":\(MockJSON.quote(model))"
        let call = function.map { "{\"functionCall\":{\"name\":\(MockJSON.quote($0)),\"args\":{\"query\":\"mock\"}}}" }

        guard stream else {
            replyLater(response, plan: plan, tokens: function != nil ? 0 : text.count) {
                let part = call ?? "{\"text\":\(MockJSON.quote(text.content))}"
                return "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[\(part)]},\"finishReason\":\"\(finish)\",\"index\":0}],\(usage),\(version)}"
            }
            return
        }
        func sse(_ json: String) -> [UInt8] { Array("data: \(json)\r\n\r\n".utf8) }
        let tokenPrefix = Array("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":".utf8)
        let tokenSuffix = Array("}]},\"index\":0}],\(version)}\r\n\r\n".utf8)
        let script = MockStream.Script(
            contentType: "text/event-stream",
            prelude: [],
            count: function != nil ? 0 : text.count,
            event: { i in Self.event(tokenPrefix, text.piece(i), tokenSuffix) },
            epilogue: {
                let parts = call.map { "[\($0)]" } ?? "[{\"text\":\"\"}]"
                return [sse("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":\(parts)},\"finishReason\":\"\(finish)\",\"index\":0}],\(usage),\(version)}")]
            },
            tokenDelay: plan.tokenDelayNs,
            resetAfter: plan.resetAfter
        )
        streamLater(response, plan: plan, script: script)
    }

    private func geminiEmbed(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        let (plan, parsed) = begin(request, embedding: true)
        guard let requests = parsed?["requests"]?.array, !requests.isEmpty else {
            return sendJSON(response, status: 400, Self.geminiErrorJSON(status: 400, message: "requests is required"))
        }
        if let status = plan.failStatus {
            return injectFault(status, plan: plan, response: response, isStream: false, errorBody: Self.geminiErrorJSON(status: status, message: "mock failure injected"))
        }
        let vectors = requests.map { item -> String in
            let text = (item["content"]?["parts"]?.array ?? []).compactMap { $0["text"]?.string }.joined(separator: " ")
            return "{\"values\":[\(MockText.embedding(of: text).map { "\($0)" }.joined(separator: ","))]}"
        }
        var unresettable = plan
        unresettable.resetAfter = nil
        replyLater(response, plan: unresettable, tokens: 0) { "{\"embeddings\":[\(vectors.joined(separator: ","))]}" }
    }
}
