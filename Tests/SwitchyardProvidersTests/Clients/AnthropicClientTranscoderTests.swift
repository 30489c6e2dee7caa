import SwitchyardCore
import SwitchyardProviders
import Testing

@Suite("OpenAI answers to Anthropic")
struct AnthropicClientTranscoderTests {
    private func transcoder() -> AnthropicClientTranscoder {
        AnthropicClientTranscoder(model: "claude-sonnet-4", requestID: "req-1")
    }

    /// The `event:` names of an Anthropic SSE stream, in order.
    private func eventNames(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.hasPrefix("event: ") ? String(line.dropFirst(7)) : nil
        }
    }

    @Test("a stream with reasoning, text and two tool calls becomes its golden event stream, whatever the byte splits")
    func streamEverySplit() throws {
        let input = try ClientGolden.bytes("openai/chat_stream.sse")
        let whole = transcode(transcoder(), input, cuts: [])
        try ClientGolden.expect(whole, matches: "anthropic/chat_stream.sse")
        for cut in 0...input.count {
            #expect(transcode(transcoder(), input, cuts: [cut]) == whole, "split at \(cut)")
        }
        #expect(transcode(transcoder(), input, cuts: Array(0...input.count)) == whole, "one byte at a time")
        #expect(eventNames(whole) == [
            "message_start",
            "content_block_start", "content_block_delta", "content_block_stop",  // thinking
            "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",  // text
            "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",  // get_weather
            "content_block_start", "content_block_delta", "content_block_stop",  // get_time
            "message_delta", "message_stop",
        ])
        let text = String(decoding: whole, as: UTF8.self)
        #expect(text.contains(#""stop_reason":"tool_use""#) && text.contains(#""usage":{"input_tokens":42,"output_tokens":17}"#))
        #expect(text.contains(#""id":"msg_abc""#))
    }

    @Test("a CRLF text stream that hit the token limit ends with max_tokens")
    func textStream() throws {
        let input = try ClientGolden.bytes("openai/text_stream_crlf.sse")
        let out = transcode(transcoder(), input, cuts: [])
        #expect(eventNames(out) == ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"])
        #expect(String(decoding: out, as: UTF8.self).contains(#""stop_reason":"max_tokens""#))
        for cut in 0...input.count { #expect(transcode(transcoder(), input, cuts: [cut]) == out) }
    }

    @Test("an error in the provider's stream becomes a final error event")
    func errorInStream() throws {
        let input = try ClientGolden.bytes("openai/error_stream.sse")
        let out = transcode(transcoder(), input, cuts: [])
        #expect(eventNames(out) == ["message_start", "content_block_start", "content_block_delta", "error"])
        #expect(String(decoding: out, as: UTF8.self).hasSuffix(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"The model ran out of memory\"}}\n\n"))
    }

    @Test("a stream the router breaks ends with one error event; a stream with no pieces still starts and stops")
    func brokenAndEmpty() {
        let broken = transcoder()
        var out: [UInt8] = []
        broken.fail(RouterError(status: 504, message: "late", code: "upstream_timeout"), into: &out)
        broken.finish(into: &out)
        #expect(eventNames(out) == ["error"])
        #expect(String(decoding: out, as: UTF8.self).contains(#""type":"timeout_error""#))
        let empty = transcode(transcoder(), Array("data: [DONE]\n\n".utf8), cuts: [])
        #expect(eventNames(empty) == ["message_start", "message_delta", "message_stop"])
    }

    @Test("a whole answer becomes a message with thinking, text and tool_use blocks; asked for a stream, its events")
    func whole() throws {
        let body = try ClientGolden.bytes("openai/chat_whole.json")
        try ClientGolden.expect(ClientGolden.json(try #require(transcoder().whole(body, stream: false))), matches: "anthropic/message.json")
        let streamed = try #require(transcoder().whole(body, stream: true))
        #expect(eventNames(streamed).first == "message_start" && eventNames(streamed).last == "message_stop")
        let plainBody = try #require(transcoder().whole(try ClientGolden.bytes("openai/text_whole.json"), stream: false))
        let plain = try #require(JSONValue.parse(plainBody))
        #expect(plain["content"]?[0]?["text"]?.string == "Hi there" && plain["stop_reason"]?.string == "end_turn")
        #expect(plain["usage"]?["input_tokens"]?.int == 5 && plain["usage"]?["output_tokens"]?.int == 2)
    }

    @Test("a stop string the provider names (vLLM's stop_reason) becomes stop_sequence, whole and streamed")
    func matchedStopSequence() throws {
        let body = Array(#"{"id":"chatcmpl-s","choices":[{"index":0,"message":{"role":"assistant","content":"a"},"finish_reason":"stop","stop_reason":"END"}]}"#.utf8)
        let messageBody = try #require(transcoder().whole(body, stream: false))
        let message = try #require(JSONValue.parse(messageBody))
        #expect(message["stop_reason"]?.string == "stop_sequence" && message["stop_sequence"]?.string == "END")
        let stream = Array("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"stop_reason\":\"END\"}]}\n\n".utf8)
        let events = String(decoding: transcode(transcoder(), stream, cuts: []), as: UTF8.self)
        #expect(events.contains(#""delta":{"stop_reason":"stop_sequence","stop_sequence":"END"}"#), "\(events)")
        let plain = Array(#"{"choices":[{"index":0,"message":{"content":"a"},"finish_reason":"stop","stop_reason":null}]}"#.utf8)
        #expect(String(decoding: try #require(transcoder().whole(plain, stream: false)), as: UTF8.self).contains(#""stop_reason":"end_turn","stop_sequence":null"#))
    }

    @Test("router errors get Anthropic's type for their status", arguments: [
        (400, "invalid_request_error"), (401, "authentication_error"), (404, "not_found_error"), (413, "request_too_large"),
        (429, "rate_limit_error"), (500, "api_error"), (502, "api_error"), (503, "overloaded_error"), (504, "timeout_error"),
    ])
    func errorTypes(status: Int, type: String) throws {
        let body = transcoder().errorBody(RouterError(status: status, message: "m", code: "c"))
        #expect(String(decoding: body, as: UTF8.self) == "{\"type\":\"error\",\"error\":{\"type\":\"\(type)\",\"message\":\"m\"}}")
    }
}
