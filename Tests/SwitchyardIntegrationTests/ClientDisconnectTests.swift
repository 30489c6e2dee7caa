import Glibc
import SwitchyardTestSupport
import Testing

@Suite("A client that goes away mid-stream", .timeLimit(.minutes(1)))
struct ClientDisconnectTests {
    @Test("closing the client socket mid-stream aborts the upstream stream")
    func disconnectAbortsUpstream() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]))
        let client = try router.connect()
        // 200 tokens × 20 ms ≈ 4 s: the stream is certainly still running when the client leaves.
        try client.send(RawHTTPClient.request(
            "POST", "/v1/chat/completions",
            body: RequestBody.chat(stream: true, mock: #"{"tokens":200,"token_delay_ms":20}"#)))
        let received = try client.readUntil("\"content\":\"[a] ")
        #expect(received.hasPrefix("HTTP/1.1 200"))

        client.close()

        var stats = try mock.stats()
        let aborted = try Deadline.poll(seconds: 5, interval: 0.05) {
            stats = try mock.stats()
            return stats["streamsAbortedByClient"]?.int == 1 && stats["inFlight"]?.int == 0
        }
        #expect(aborted, "mock stats after the client left: \(stats)")
        #expect(stats["streamsCompleted"]?.int == 0)
    }

    @Test("closing the client socket during a slow non-streamed request aborts the upstream request")
    func disconnectAbortsNonStreamedUpstream() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]))
        let client = try router.connect()
        try client.send(RawHTTPClient.request(
            "POST", "/v1/chat/completions", body: RequestBody.chat(mock: #"{"latency_ms":3000}"#)))
        var stats = try mock.stats()
        let started = try Deadline.poll(seconds: 5) {
            stats = try mock.stats()
            return stats["inFlight"]?.int == 1
        }
        #expect(started, "the request never reached the mock: \(stats)")

        client.close()

        let aborted = try Deadline.poll(seconds: 5, interval: 0.05) {
            stats = try mock.stats()
            return stats["requestsAbortedByClient"]?.int == 1 && stats["inFlight"]?.int == 0
        }
        #expect(aborted, "mock stats after the client left: \(stats)")
    }
}
