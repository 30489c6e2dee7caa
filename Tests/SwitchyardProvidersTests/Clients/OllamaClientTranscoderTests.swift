import SwitchyardCore
import SwitchyardProviders
import Testing

@Suite("OpenAI answers to Ollama")
struct OllamaClientTranscoderTests {
    private func transcoder(_ operation: OllamaOperation = .chat) -> OllamaClientTranscoder {
        let clock = SteppingClock()
        return OllamaClientTranscoder(operation: operation, model: "llama3.2", createdAt: "2026-01-02T03:04:05Z", now: clock.read)
    }

    @Test("a chat stream with reasoning and tool calls becomes its golden NDJSON, whatever the byte splits")
    func chatStreamEverySplit() throws {
        let input = try ClientGolden.bytes("openai/chat_stream.sse")
        let whole = transcode(transcoder(), input, cuts: [])
        try ClientGolden.expect(whole, matches: "ollama/chat_stream.ndjson")
        for cut in 0...input.count {
            #expect(transcode(transcoder(), input, cuts: [cut]) == whole, "split at \(cut)")
        }
        #expect(transcode(transcoder(), input, cuts: Array(0...input.count)) == whole, "one byte at a time")
        let lines = String(decoding: whole, as: UTF8.self).split(separator: "\n")
        let last = try #require(JSONValue.parse(Array(lines.last!.utf8)))
        #expect(last["done"]?.bool == true && last["done_reason"]?.string == "stop")
        #expect(last["prompt_eval_count"]?.int == 42 && last["eval_count"]?.int == 17)
        #expect(last["total_duration"]?.int != nil && last["eval_duration"]?.int != nil)
        let calls = try #require(JSONValue.parse(Array(lines[lines.count - 2].utf8)))
        #expect(calls["message"]?["tool_calls"]?[0]?["function"]?["arguments"]?["city"]?.string == "Paris")
    }

    @Test("a generate stream with CRLF endings ends with done_reason length, its count from the pieces")
    func generateStream() throws {
        let input = try ClientGolden.bytes("openai/text_stream_crlf.sse")
        let out = transcode(transcoder(.generate), input, cuts: [])
        try ClientGolden.expect(out, matches: "ollama/generate_stream.ndjson")
        for cut in 0...input.count { #expect(transcode(transcoder(.generate), input, cuts: [cut]) == out) }
    }

    @Test("an error event in the provider's stream ends the NDJSON with an error line")
    func errorInStream() throws {
        let input = try ClientGolden.bytes("openai/error_stream.sse")
        let out = transcode(transcoder(), input, cuts: [])
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1] == #"{"error":"The model ran out of memory"}"#)
        for cut in 0...input.count { #expect(transcode(transcoder(), input, cuts: [cut]) == out) }
    }

    @Test("a stream broken by the router ends with an error line and nothing after it")
    func brokenStream() throws {
        let t = transcoder()
        var out: [UInt8] = []
        Array("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n".utf8).withUnsafeBytes { t.transcode($0, into: &out) }
        t.fail(.upstreamFailed("connection reset"), into: &out)
        t.finish(into: &out)
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(JSONValue.parse(Array(lines[1].utf8))?["error"]?.string?.contains("connection reset") == true)
    }

    @Test("whole answers become one Ollama object; asked for a stream, the stream's objects")
    func wholeAnswers() throws {
        let body = try ClientGolden.bytes("openai/chat_whole.json")
        try ClientGolden.expect(ClientGolden.json(try #require(transcoder().whole(body, stream: false))), matches: "ollama/chat_whole.json")
        try ClientGolden.expect(try #require(transcoder().whole(body, stream: true)), matches: "ollama/chat_whole_as_stream.ndjson")
        let generate = try #require(transcoder(.generate).whole(try ClientGolden.bytes("openai/text_whole.json"), stream: false))
        let value = try #require(JSONValue.parse(generate))
        #expect(value["response"]?.string == "Hi there" && value["done"]?.bool == true && value["eval_count"]?.int == 2)
        #expect(transcoder().whole(Array("not json".utf8), stream: false) == nil)
    }

    @Test("embeddings come back in index order, as embed's list or embeddings' single vector")
    func embeddings() throws {
        let body = try ClientGolden.bytes("openai/embeddings_whole.json")
        let embedBody = try #require(transcoder(.embed).whole(body, stream: false))
        let embed = try #require(JSONValue.parse(embedBody))
        #expect(embed["embeddings"]?.serialized == "[[0.25,0.125],[0.5,-1]]")
        #expect(embed["prompt_eval_count"]?.int == 4 && embed["model"]?.string == "llama3.2")
        let old = try #require(transcoder(.embeddings).whole(body, stream: false))
        #expect(String(decoding: old, as: UTF8.self) == #"{"embedding":[0.25,0.125]}"#)
    }

    @Test("an error object inside a successful answer becomes a 502 with its message; an unreadable answer a 502")
    func errorInsideWholeAnswer() throws {
        guard case .failure(let error) = transcoder().wholeAnswer(Array(#"{"error":{"message":"quota"}}"#.utf8), stream: false) else {
            Issue.record("an error answer was translated")
            return
        }
        #expect(error.status == 502 && error.message == "quota")
        guard case .failure(let unreadable) = transcoder().wholeAnswer(Array("<html>".utf8), stream: false) else {
            Issue.record("HTML was translated")
            return
        }
        #expect(unreadable.status == 502)
        #expect(try transcoder().wholeAnswer(try ClientGolden.bytes("openai/text_whole.json"), stream: false).get().isEmpty == false)
    }

    @Test("router and provider errors use Ollama's shape")
    func errors() {
        #expect(String(decoding: transcoder().errorBody(.noProvider("m")), as: UTF8.self) == #"{"error":"No provider is available for model 'm'."}"#)
        let provider = transcoder().providerErrorBody(status: 400, body: Array(#"{"error":{"message":"bad \"x\"","type":"invalid_request_error"}}"#.utf8))
        #expect(String(decoding: provider, as: UTF8.self) == #"{"error":"bad \"x\""}"#)
    }
}
