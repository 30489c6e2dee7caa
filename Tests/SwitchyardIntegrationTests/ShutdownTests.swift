import Glibc
import SwitchyardTestSupport
import Testing

@Suite("Stopping the router", .timeLimit(.minutes(1)))
struct ShutdownTests {
    @Test("SIGQUIT lets an in-flight stream finish with [DONE], then the router exits 0")
    func quitDrainsInFlightStream() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]))
        let client = try router.connect()
        // 30 tokens × 30 ms ≈ 1 s of stream left after the signal.
        try client.send(RawHTTPClient.request(
            "POST", "/v1/chat/completions", headers: [("Connection", "close")],
            body: RequestBody.chat(stream: true, mock: #"{"tokens":30,"token_delay_ms":30}"#)))
        try client.readUntil("\"content\":\"[a] ")

        router.process.signal(SIGQUIT)
        let response = try client.readResponse()

        #expect(response.status == 200)
        let payloads = SSE.dataPayloads(response.text)
        #expect(payloads.last == "[DONE]", "stream ended with: \(payloads.suffix(2))")
        #expect(try SSE.jsonEvents(response.text).count == 32)  // role + 30 tokens + finish
        #expect(router.process.waitForExit(timeout: 10) == 0, "stderr: \(router.logText)")
    }

    @Test("SIGQUIT with nothing in flight exits 0 promptly")
    func quitWhenIdleExits() throws {
        let router = try RouterProcess(config: nil)

        router.process.signal(SIGQUIT)

        #expect(router.process.waitForExit(timeout: 5) == 0, "stderr: \(router.logText)")
    }

    @Test("SIGTERM stops the router within a few seconds, even with a stream in flight")
    func termStopsQuickly() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]))
        let client = try router.connect()
        // A stream that would run for a minute: TERM must not wait for it.
        try client.send(RawHTTPClient.request(
            "POST", "/v1/chat/completions",
            body: RequestBody.chat(stream: true, mock: #"{"tokens":600,"token_delay_ms":100}"#)))
        try client.readUntil("\"content\":\"[a] ")

        router.process.signal(SIGTERM)

        let status = router.process.waitForExit(timeout: 5)
        #expect(status != nil, "still running 5 s after SIGTERM")
        #expect(status == 0, "stderr: \(router.logText)")
    }

    @Test("SIGQUIT does not wait for an idle kept-alive connection")
    func quitClosesIdleConnections() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]))
        let client = try router.connect()
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        #expect(try client.readResponse().status == 200)

        router.process.signal(SIGQUIT)

        // The drain timeout is 30 s and the keep-alive timeout 75 s; an idle connection must not hold either.
        #expect(router.process.waitForExit(timeout: 10) == 0, "stderr: \(router.logText)")
        #expect(try client.readUntilClose().isEmpty)
    }
}
