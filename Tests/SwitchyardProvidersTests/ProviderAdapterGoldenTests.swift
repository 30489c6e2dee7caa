import Foundation
import SwitchyardCore
import SwitchyardProviders
import Testing

/// Golden files under Tests/Fixtures/providers: one OpenAI request (chat-request.json) built into each family's
/// request, and each family's whole answer and stream decoded into OpenAI's dialect. Streams are fed whole, split
/// in two at every byte offset, and one byte at a time: the output must not depend on the split.
/// `SWITCHYARD_RECORD_GOLDEN=1` rewrites the expected files (review the diff before committing).
private enum Golden {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/providers")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(name)))
    }

    /// Compares `actual` with the expected file (JSON files compared as text after a newline is stripped).
    static func check(_ actual: [UInt8], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = root.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["SWITCHYARD_RECORD_GOLDEN"] == "1" {
            try Data(actual + (name.hasSuffix(".json") ? [0x0A] : [])).write(to: url)
        }
        var expected = Array(try Data(contentsOf: url))
        if name.hasSuffix(".json"), expected.last == 0x0A { expected.removeLast() }
        #expect(String(decoding: actual, as: UTF8.self) == String(decoding: expected, as: UTF8.self), "golden file \(name)", sourceLocation: sourceLocation)
    }

    static let identity = ReplyIdentity(id: "chatcmpl-test", created: 1_700_000_000, model: "client-model")

    static func provider(_ type: APIType) -> ProviderConfig {
        ProviderConfig(id: "p", apiHost: "http://upstream.test:1234", apiType: type, apiToken: "sk-test", modelPath: "served-model", keepAlive: "35m")
    }

    static func request(stream: Bool = true, _ endpoint: EndpointKind = .chatCompletions, body: [UInt8]? = nil) throws -> OpenAIRequest {
        var bytes = try body ?? Self.bytes("chat-request.json")
        if !stream, body == nil {
            bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"stream\":true", with: "\"stream\":false").utf8)
        }
        return try OpenAIRequest(bytes, endpoint: endpoint)
    }

    /// Runs `input` through a fresh transcoder in the pieces `cuts` gives, then finishes it.
    static func stream(_ make: () -> ResponseTranscoder, _ input: [UInt8], cuts: [Int]) -> (output: [UInt8], usage: TokenUsage?) {
        var transcoder = make()
        var out: [UInt8] = []
        var start = 0
        for cut in cuts + [input.count] where cut >= start {
            input[start..<cut].withUnsafeBytes { piece in
                var chunk: [UInt8] = []
                if transcoder.transcode(piece, into: &chunk) { out += chunk } else { out += piece }
            }
            start = cut
        }
        transcoder.finish(into: &out)
        return (out, transcoder.usage)
    }

    /// Checks the stream golden file for every split of `input`.
    static func checkStream(_ make: () -> ResponseTranscoder, _ input: [UInt8], expected name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> TokenUsage? {
        let whole = stream(make, input, cuts: [])
        try check(whole.output, name, sourceLocation: sourceLocation)
        for offset in 1..<input.count {
            let split = stream(make, input, cuts: [offset])
            if split.output != whole.output {
                Issue.record("split at byte \(offset) changes the output", sourceLocation: sourceLocation)
                break
            }
        }
        #expect(stream(make, input, cuts: Array(1..<input.count)).output == whole.output, "byte-by-byte feeding changes the output", sourceLocation: sourceLocation)
        return whole.usage
    }
}

@Suite("Provider adapters against golden files")
struct ProviderAdapterGoldenTests {
    @Test("Ollama: /api/chat request with options, format, tools, images, keep_alive")
    func ollamaRequest() throws {
        let adapter = OllamaAdapter(provider: Golden.provider(.ollama))
        let built = try adapter.upstreamRequest(for: Golden.request())
        #expect(built.url == "http://upstream.test:1234/api/chat")
        try Golden.check(built.body, "ollama/chat-request.expected.json")
        #expect(adapter.headerLines.contains("Authorization: Bearer sk-test"))
    }

    @Test("Ollama: a whole answer with thinking and tool calls, and an NDJSON stream at every split")
    func ollamaResponses() throws {
        let request = try Golden.request(stream: false)
        var transcoder = OllamaAdapter(provider: Golden.provider(.ollama)).transcoder(for: request, identity: Golden.identity)
        try Golden.check(try transcoder.transcodeWhole(Golden.bytes("ollama/chat-response.json")), "ollama/chat-response.expected.json")
        #expect(transcoder.usage == TokenUsage(promptTokens: 31, completionTokens: 12))

        let streamed = try Golden.request()
        let usage = try Golden.checkStream({ OllamaAdapter(provider: Golden.provider(.ollama)).transcoder(for: streamed, identity: Golden.identity) },
                                           Golden.bytes("ollama/chat-stream.ndjson"), expected: "ollama/chat-stream.expected.sse")
        #expect(usage == TokenUsage(promptTokens: 9, completionTokens: 3))
    }

    @Test("Ollama: completions go to /api/generate and embeddings to /api/embed")
    func ollamaOtherEndpoints() throws {
        let adapter = OllamaAdapter(provider: ProviderConfig(id: "p", apiHost: "http://h:11434/v1", apiType: .ollama, modelPath: "m"))
        let completion = try adapter.upstreamRequest(for: Golden.request(.completions, body: Array(#"{"model":"x","prompt":"Once","max_tokens":5,"suffix":"end"}"#.utf8)))
        #expect(completion.url == "http://h:11434/api/generate")
        #expect(String(decoding: completion.body, as: UTF8.self) == #"{"model":"m","prompt":"Once","suffix":"end","stream":false,"options":{"num_predict":5}}"#)
        let embed = try adapter.upstreamRequest(for: Golden.request(.embeddings, body: Array(#"{"model":"x","input":["a","b"]}"#.utf8)))
        #expect(embed.url == "http://h:11434/api/embed")
        #expect(String(decoding: embed.body, as: UTF8.self) == #"{"model":"m","input":["a","b"]}"#)
        var transcoder = adapter.transcoder(for: try Golden.request(.embeddings, body: Array(#"{"model":"x","input":"a"}"#.utf8)), identity: Golden.identity)
        let answer = try transcoder.transcodeWhole(Array(#"{"model":"m","embeddings":[[0.5,-1e-3]],"prompt_eval_count":2}"#.utf8))
        #expect(String(decoding: answer, as: UTF8.self) == #"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-1e-3]}],"model":"client-model","usage":{"prompt_tokens":2,"total_tokens":2}}"#)
    }

    @Test("Anthropic: Messages request with system, tool_use/tool_result, stop_sequences, headers")
    func anthropicRequest() throws {
        var body = String(decoding: try Golden.bytes("chat-request.json"), as: UTF8.self)
        // Anthropic has no JSON output mode: the shared request without response_format.
        body = body.replacingOccurrences(of: #","response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"answer":{"type":"string"}},"additionalProperties":false}}}"#, with: "")
        let adapter = AnthropicAdapter(provider: Golden.provider(.anthropic))
        let built = try adapter.upstreamRequest(for: Golden.request(body: Array(body.utf8)))
        #expect(built.url == "http://upstream.test:1234/v1/messages")
        try Golden.check(built.body, "anthropic/chat-request.expected.json")
        #expect(adapter.headerLines.contains("x-api-key: sk-test"))
        #expect(adapter.headerLines.contains("anthropic-version: 2023-06-01"))
        #expect(!adapter.headerLines.contains { $0.hasPrefix("Authorization") })
    }

    @Test("Anthropic: max_tokens gets a default; n > 1 and JSON output are refused naming the field")
    func anthropicRefusals() throws {
        let adapter = AnthropicAdapter(provider: Golden.provider(.anthropic))
        let plain = try adapter.upstreamRequest(for: Golden.request(body: Array(#"{"model":"x","messages":[{"role":"user","content":"hi"}]}"#.utf8)))
        #expect(String(decoding: plain.body, as: UTF8.self) == #"{"model":"served-model","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#)
        for (extra, param) in [(#""n":2"#, "n"), (#""response_format":{"type":"json_object"}"#, "response_format"), (#""presence_penalty":0.5"#, "presence_penalty")] {
            let request = try Golden.request(body: Array(#"{"model":"x","messages":[{"role":"user","content":"hi"}],\#(extra)}"#.utf8))
            #expect(throws: RouterError.self) { try adapter.upstreamRequest(for: request) }
            do { _ = try adapter.upstreamRequest(for: request) } catch { #expect(error.param == param && error.status == 400) }
        }
        #expect(throws: RouterError.self) { try adapter.upstreamRequest(for: Golden.request(.embeddings, body: Array(#"{"model":"x","input":"a"}"#.utf8))) }
    }

    @Test("Anthropic: a whole message and an SSE stream (CRLF and LF) at every split")
    func anthropicResponses() throws {
        let request = try Golden.request(stream: false)
        var transcoder = AnthropicAdapter(provider: Golden.provider(.anthropic)).transcoder(for: request, identity: Golden.identity)
        try Golden.check(try transcoder.transcodeWhole(Golden.bytes("anthropic/chat-response.json")), "anthropic/chat-response.expected.json")
        #expect(transcoder.usage == TokenUsage(promptTokens: 25, completionTokens: 15))

        let streamed = try Golden.request()
        let usage = try Golden.checkStream({ AnthropicAdapter(provider: Golden.provider(.anthropic)).transcoder(for: streamed, identity: Golden.identity) },
                                           Golden.bytes("anthropic/chat-stream.sse"), expected: "anthropic/chat-stream.expected.sse")
        #expect(usage == TokenUsage(promptTokens: 25, completionTokens: 17))
    }

    @Test("Anthropic: provider errors, whole and in-band, take the OpenAI error shape")
    func anthropicErrors() throws {
        let request = try Golden.request()
        var transcoder = AnthropicAdapter(provider: Golden.provider(.anthropic)).transcoder(for: request, identity: Golden.identity)
        let mapped = transcoder.mapError(status: 529, body: Array(#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.utf8))
        #expect(String(decoding: mapped, as: UTF8.self) == #"{"error":{"message":"Overloaded","type":"overloaded_error","param":null,"code":"upstream_error"}}"#)
        var out: [UInt8] = []
        _ = Array("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n".utf8).withUnsafeBytes { transcoder.transcode($0, into: &out) }
        transcoder.finish(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\",\"param\":null,\"code\":\"upstream_error\"}}\n\n")
    }

    @Test("Gemini: generateContent request with systemInstruction, generationConfig, functions, schema")
    func geminiRequest() throws {
        let adapter = GeminiAdapter(provider: Golden.provider(.gemini))
        let built = try adapter.upstreamRequest(for: Golden.request())
        #expect(built.url == "http://upstream.test:1234/v1beta/models/served-model:streamGenerateContent?alt=sse")
        try Golden.check(built.body, "gemini/chat-request.expected.json")
        #expect(try adapter.upstreamRequest(for: Golden.request(stream: false)).url == "http://upstream.test:1234/v1beta/models/served-model:generateContent")
        #expect(adapter.headerLines.contains("x-goog-api-key: sk-test"))
        let openAIHost = GeminiAdapter(provider: ProviderConfig(id: "g", apiHost: "https://generativelanguage.googleapis.com/v1beta/openai/", apiType: .gemini, modelPath: "models/gemini-2.0-flash"))
        #expect(try openAIHost.upstreamRequest(for: Golden.request(stream: false)).url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent")
    }

    @Test("Gemini: a whole answer with thoughts and a function call, and an SSE stream at every split")
    func geminiResponses() throws {
        let request = try Golden.request(stream: false)
        var transcoder = GeminiAdapter(provider: Golden.provider(.gemini)).transcoder(for: request, identity: Golden.identity)
        try Golden.check(try transcoder.transcodeWhole(Golden.bytes("gemini/chat-response.json")), "gemini/chat-response.expected.json")
        #expect(transcoder.usage == TokenUsage(promptTokens: 11, completionTokens: 8))
        let mapped = transcoder.mapError(status: 400, body: Array(#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}"#.utf8))
        #expect(String(decoding: mapped, as: UTF8.self) == #"{"error":{"message":"API key not valid.","type":"invalid_argument","param":null,"code":"upstream_error"}}"#)

        let streamed = try Golden.request()
        let usage = try Golden.checkStream({ GeminiAdapter(provider: Golden.provider(.gemini)).transcoder(for: streamed, identity: Golden.identity) },
                                           Golden.bytes("gemini/chat-stream.sse"), expected: "gemini/chat-stream.expected.sse")
        #expect(usage == TokenUsage(promptTokens: 4, completionTokens: 3))
    }

    @Test("a stream cut before its end finishes with an in-band error, never [DONE]")
    func truncatedStreams() throws {
        let request = try Golden.request()
        let cases: [(ResponseTranscoder, String)] = [
            (OllamaAdapter(provider: Golden.provider(.ollama)).transcoder(for: request, identity: Golden.identity), "ollama/chat-stream.ndjson"),
            (AnthropicAdapter(provider: Golden.provider(.anthropic)).transcoder(for: request, identity: Golden.identity), "anthropic/chat-stream.sse"),
        ]
        for (fresh, name) in cases {
            let input = try Golden.bytes(name)
            let cut = Array(input.prefix(input.count / 2))
            let output = String(decoding: Golden.stream({ fresh }, cut, cuts: []).output, as: UTF8.self)
            #expect(!output.contains("[DONE]"), "\(name)")
            #expect(output.hasSuffix("\"code\":\"upstream_error\"}}\n\n"), "\(name): \(output)")
        }
    }
}

@Suite("OpenAI-family usage accounting on bytes")
struct OpenAIUsageTests {
    private static let chunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n"
    private static let usageChunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\n"
    private static let done = "data: [DONE]\n\n"

    @Test("the usage-only chunk the router asked for is removed at every split, and its usage is kept")
    func stripsUsageChunk() {
        let input = Array((Self.chunk + Self.usageChunk + Self.done).utf8)
        for offset in [0] + Array(1..<input.count) {
            let result = Golden.stream({ OpenAIResponseTranscoder(clientModel: "m", providerModel: "m", stripUsageChunk: true) }, input, cuts: offset == 0 ? [] : [offset])
            #expect(String(decoding: result.output, as: UTF8.self) == Self.chunk + Self.done, "split at \(offset)")
            #expect(result.usage == TokenUsage(promptTokens: 5, completionTokens: 7))
        }
    }

    @Test("a client that asked for usage gets the chunk; the model name is still rewritten")
    func keepsUsageChunkWhenAsked() {
        let input = Array((Self.chunk + Self.usageChunk + Self.done).utf8)
        let result = Golden.stream({ OpenAIResponseTranscoder(clientModel: "m", providerModel: "m", stripUsageChunk: false) }, input, cuts: [3])
        #expect(String(decoding: result.output, as: UTF8.self) == Self.chunk + Self.usageChunk + Self.done)
        #expect(result.usage?.completionTokens == 7)
        let withModel = "data: {\"model\":\"served\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n"
        let renamed = Golden.stream({ OpenAIResponseTranscoder(clientModel: "alias", providerModel: "served") }, Array(withModel.utf8), cuts: [])
        #expect(String(decoding: renamed.output, as: UTF8.self) == withModel.replacingOccurrences(of: "served", with: "alias"))
    }

    @Test("pieces that end at an event and carry no usage pass untouched (zero-copy)")
    func fastPath() {
        var transcoder = OpenAIResponseTranscoder(clientModel: "m", providerModel: "m", stripUsageChunk: true)
        var out: [UInt8] = []
        let passed = Array(Self.chunk.utf8).withUnsafeBytes { transcoder.transcode($0, into: &out) }
        #expect(!passed && out.isEmpty)
        let nullUsage = Array("data: {\"choices\":[{\"index\":0}],\"usage\":null}\n\n".utf8)
        #expect(!nullUsage.withUnsafeBytes { transcoder.transcode($0, into: &out) })
    }

    @Test("a whole body's usage is read, not the usage key inside a string")
    func wholeBodyUsage() throws {
        var transcoder = OpenAIResponseTranscoder(clientModel: "m", providerModel: "m")
        let body = Array(#"{"choices":[{"message":{"content":"\"usage\":{\"prompt_tokens\":99}"}}],"usage": {"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#.utf8)
        #expect(try transcoder.transcodeWhole(body) == body)
        #expect(transcoder.usage == TokenUsage(promptTokens: 3, completionTokens: 4))
    }

    @Test("the router's include_usage request is inserted as the first member")
    func insertsStreamOptions() {
        let body = Array(#" {"model":"m","stream":true}"#.utf8)
        #expect(String(decoding: OpenAICompatibleAdapter.requestingStreamUsage(body), as: UTF8.self) == #" {"stream_options":{"include_usage":true},"model":"m","stream":true}"#)
    }
}
