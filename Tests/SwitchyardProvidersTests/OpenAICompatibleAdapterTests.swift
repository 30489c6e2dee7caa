import Testing
import SwitchyardCore
import SwitchyardProviders

private func provider(_ host: String, type: APIType = .vllm, path: String = "served", token: String = "") -> ProviderConfig {
    ProviderConfig(id: "p", apiHost: host, apiType: type, apiToken: token, modelPath: path)
}

private func body(_ text: String, for provider: ProviderConfig) throws -> String {
    let bytes = Array(text.utf8)
    let scan = try bytes.withUnsafeBytes { JSONScanner.scanObject($0) }.get()
    return String(decoding: OpenAICompatibleAdapter.requestBody(bytes, scan: scan, provider: provider), as: UTF8.self)
}

@Suite("OpenAI-compatible adapter")
struct OpenAICompatibleAdapterTests {
    @Test("a bare host gets /v1; a host with a base path is used as the API base (no doubled /v1)")
    func urls() {
        #expect(OpenAICompatibleAdapter.url(for: provider("http://10.0.0.1:8000"), endpoint: .chatCompletions) == "http://10.0.0.1:8000/v1/chat/completions")
        #expect(OpenAICompatibleAdapter.url(for: provider("https://api.groq.com/openai/v1", type: .groq), endpoint: .chatCompletions) == "https://api.groq.com/openai/v1/chat/completions")
    }

    @Test("the token becomes a bearer header only when set")
    func headers() {
        #expect(OpenAICompatibleAdapter.headerLines(for: provider("http://h", token: "sk-1")).contains("Authorization: Bearer sk-1"))
        #expect(!OpenAICompatibleAdapter.headerLines(for: provider("http://h")).contains { $0.hasPrefix("Authorization") })
    }

    @Test("model is replaced by model_path and every other byte passes through")
    func splicesModel() throws {
        let text = #"{"model": "alias", "tools":[{"type":"function"}], "x":{"model":"keep"}, "n":1}"#
        #expect(try body(text, for: provider("http://h")) == #"{"model": "served", "tools":[{"type":"function"}], "x":{"model":"keep"}, "n":1}"#)
    }

    @Test("model_name alone is renamed to model; with both, model_name is dropped")
    func modelNameAlias() throws {
        #expect(try body(#"{"model_name":"alias","n":1}"#, for: provider("http://h")) == #"{"model":"served","n":1}"#)
        #expect(try body(#"{"model_name":"alias","model":"other","n":1}"#, for: provider("http://h")) == #"{"model":"served","n":1}"#)
    }

    @Test("model_path needing escapes is written as a valid JSON string")
    func escapesModelPath() throws {
        let result = try body(#"{"model":"a"}"#, for: provider("http://h", path: "org/\"odd\"\\name"))
        #expect(result == #"{"model":"org/\"odd\"\\name"}"#)
    }
}

@Suite("Model name rewriting")
struct ModelNameRewriterTests {
    @Test("a JSON reply names the client's model")
    func rewritesJSON() {
        let rewriter = ModelNameRewriter(clientModel: "team/chat")
        let out = rewriter.rewriteJSON(Array(#"{"id":"1","model":"Qwen/Qwen3-32B","choices":[]}"#.utf8))
        #expect(String(decoding: out, as: UTF8.self) == #"{"id":"1","model":"team/chat","choices":[]}"#)
    }

    /// Feeds `stream` in two reads split at every offset; returns, per split, the output before `finish()`, the
    /// bytes still held then, and the whole output.
    private func rewriteAtEverySplit(_ stream: String) -> [(split: Int, beforeFinish: String, held: Int, all: String)] {
        let bytes = Array(stream.utf8)
        return (0...bytes.count).map { split in
            var rewriter = ModelNameRewriter(clientModel: "mine")
            var out = bytes[..<split].withUnsafeBytes { rewriter.rewriteSSE($0) }
            out += bytes[split...].withUnsafeBytes { rewriter.rewriteSSE($0) }
            let held = rewriter.heldBytes
            let before = String(decoding: out, as: UTF8.self)
            out += rewriter.finish()
            return (split, before, held, String(decoding: out, as: UTF8.self))
        }
    }

    @Test("SSE events are rewritten whole even when a read splits them anywhere")
    func rewritesSSEAcrossSplits() {
        let stream = "data: {\"model\":\"up\",\"n\":1}\n\n: comment\n\ndata: {\"model\":\"up\",\"n\":2}\r\n\r\ndata: [DONE]\n\n"
        let expected = "data: {\"model\":\"mine\",\"n\":1}\n\n: comment\n\ndata: {\"model\":\"mine\",\"n\":2}\r\n\r\ndata: [DONE]\n\n"
        for result in rewriteAtEverySplit(stream) {
            #expect(result.all == expected, "split at \(result.split)")
        }
    }

    @Test("events with CR-only line endings are rewritten, at every split, and nothing is held after them")
    func rewritesCROnlyEvents() {
        let stream = "data: {\"model\":\"up\",\"n\":1}\r\rdata: {\"model\":\"up\",\"n\":2}\r\r"
        let expected = "data: {\"model\":\"mine\",\"n\":1}\r\rdata: {\"model\":\"mine\",\"n\":2}\r\r"
        for result in rewriteAtEverySplit(stream) {
            #expect(result.held == 0, "split at \(result.split)")
            #expect(result.beforeFinish == expected, "split at \(result.split)")
        }
    }

    @Test("an event longer than the limit is passed through unchanged instead of being held without bound")
    func boundsHeldBytes() {
        var rewriter = ModelNameRewriter(clientModel: "mine", maxHeldEvent: 64)
        var out: [UInt8] = []
        let longLine = Array(("data: {\"model\":\"up\",\"text\":\"" + String(repeating: "x", count: 500)).utf8)
        for start in stride(from: 0, to: longLine.count, by: 10) {
            longLine[start..<min(start + 10, longLine.count)].withUnsafeBytes { rewriter.rewriteSSE($0, into: &out) }
            #expect(rewriter.heldBytes <= 64)
        }
        Array("\"}\n\ndata: {\"model\":\"up\"}\n\n".utf8).withUnsafeBytes { rewriter.rewriteSSE($0, into: &out) }
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasPrefix("data: {\"model\":\"up\",\"text\":\"xxx"))
        #expect(text.hasSuffix("\"}\n\ndata: {\"model\":\"mine\"}\n\n"), "the next event is rewritten again")
        #expect(out.count == longLine.count + 4 + 24)
    }
}

@Suite("Router errors")
struct RouterErrorTests {
    @Test("errors serialise in the OpenAI shape with the status's type")
    func shape() {
        let body = String(decoding: RouterError.modelNotFound("x\"y").body, as: UTF8.self)
        #expect(body == #"{"error":{"message":"The model 'x\"y' does not exist or is not active on this router.","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#)
        #expect(RouterError.upstreamTimeout("t").type == "timeout_error")
        #expect(RouterError.upstreamUnreachable("u").status == 502)
        #expect(RouterError(status: 429, message: "m", code: "c").type == "rate_limit_error")
    }
}
