import SwitchyardTestSupport
import Testing

@Suite("An upstream stream that breaks after the first byte", .timeLimit(.minutes(1)))
struct UpstreamStreamFailureTests {
    @Test("an upstream reset mid-stream ends the client's stream with an error event, not [DONE]")
    func resetEndsStreamWithError() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: ["--workers", "1"],
                                       environment: ["LLM_ROUTER_LOG_FORMAT": "json"])

        let response = try router.post(
            "/v1/chat/completions", RequestBody.chat(stream: true, mock: #"{"tokens":5,"reset_after":2}"#))

        #expect(response.status == 200)
        let payloads = SSE.dataPayloads(response.text)
        #expect(!payloads.contains("[DONE]"), "a broken stream must not look complete")
        let last = try TestJSON(parsing: try #require(payloads.last))
        #expect(last["error"]?["message"]?.string != nil, "last event: \(last)")
        #expect(!response.text.contains("127.0.0.1:\(mock.port)"))

        // The access log and the metrics say the stream broke, though the client saw a 200 head.
        let logged = Deadline.poll(seconds: 5) { router.logText.contains("stream_interrupted") }
        #expect(logged, "log: \(router.logText)")
        let line = router.logText.split(separator: "\n").first { $0.contains("stream_interrupted") }.map(String.init) ?? ""
        let entry = try TestJSON(parsing: line)
        #expect(entry["stream.broken"] == .bool(true) || entry["stream"]?["broken"] == .bool(true), "line: \(line)")
        let metrics = try router.get("/metrics").text
        #expect(metrics.contains("switchyard_http_streams_broken_total{route=\"chat_completions\"} 1"), "\(metrics)")
    }

    @Test("an upstream silent for longer than LLM_ROUTER_UPSTREAM_IDLE_TIMEOUT ends the stream with a timeout error")
    func idleUpstreamEndsStreamWithTimeout() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [mock.provider()]),
            environment: ["LLM_ROUTER_UPSTREAM_IDLE_TIMEOUT": "1"])

        let response = try router.post(
            "/v1/chat/completions", RequestBody.chat(stream: true, mock: #"{"tokens":3,"token_delay_ms":4000}"#))

        let payloads = SSE.dataPayloads(response.text)
        #expect(!payloads.contains("[DONE]"))
        let last = try TestJSON(parsing: try #require(payloads.last))
        #expect(last["error"]?["message"]?.string != nil, "last event: \(last)")
    }
}
