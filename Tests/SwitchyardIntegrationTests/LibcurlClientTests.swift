import SwitchyardTestSupport
import Testing

/// The same data-plane behaviour through libcurl, which serves HTTPS upstreams and upstreams named by DNS. The
/// mocks listen on 127.0.0.1, where the built-in client would be chosen, so `--upstream-client curl` forces it.
@Suite("Upstreams through the libcurl client", .timeLimit(.minutes(1)))
struct LibcurlClientTests {
    static let curl = ["--upstream-client", "curl", "--workers", "1"]

    @Test("a non-streamed reply arrives with the client's model, and the upstream gets model_path and the token")
    func nonStreamed() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider(modelPath: "org/served", apiToken: "sk-curl")]), arguments: Self.curl)

        let response = try router.post("/v1/chat/completions", RequestBody.chat(model: "chat-model", extra: #""foo":"bar""#))

        #expect(response.status == 200)
        #expect(try response.json()["model"]?.string == "chat-model")
        let upstream = try mock.lastRequest()
        #expect(upstream["body"]?["model"]?.string == "org/served")
        #expect(upstream["body"]?["foo"]?.string == "bar")
        #expect(upstream["headers"]?["authorization"]?.string == "Bearer sk-curl")
    }

    @Test("a streamed reply is relayed event by event and ends with [DONE]")
    func streamed() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider(modelPath: "org/served")]), arguments: Self.curl)

        let response = try router.post("/v1/chat/completions", RequestBody.chat(model: "chat-model", stream: true, mock: #"{"tokens":5,"token_delay_ms":5}"#))

        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        let payloads = SSE.dataPayloads(response.text)
        #expect(payloads.last == "[DONE]")
        let events = payloads.dropLast()
        #expect(events.count == 7)  // role event, 5 tokens, finish event
        for event in events {
            #expect(try TestJSON(parsing: event)["model"]?.string == "chat-model")
        }
    }

    @Test("a client leaving mid-stream aborts the upstream transfer")
    func disconnectAborts() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), arguments: Self.curl)
        let client = try router.connect()
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions",
                                              body: RequestBody.chat(stream: true, mock: #"{"tokens":200,"token_delay_ms":20}"#)))
        _ = try client.readUntil("\"content\":\"[a] ")
        client.close()

        var stats = try mock.stats()
        let aborted = try Deadline.poll(seconds: 5, interval: 0.05) {
            stats = try mock.stats()
            return stats["streamsAbortedByClient"]?.int == 1 && stats["inFlight"]?.int == 0
        }
        #expect(aborted, "mock stats after the client left: \(stats)")
    }

    @Test("an unreachable upstream is a 502 and a silent one a 504, both in the OpenAI error shape")
    func failures() throws {
        let mock = try MockUpstream(id: "a")
        let closed = try ClosedPort()
        let dead = RouterConfig.Provider(id: "dead", apiHost: "http://127.0.0.1:\(closed.port)", modelPath: "m")
        let router = try RouterProcess(
            config: RouterConfig([
                .init("dead-model", providers: [dead]),
                .init("slow-model", providers: [mock.provider()]),
            ]),
            arguments: Self.curl + ["--first-byte-timeout", "1"])

        let unreachable = try router.post("/v1/chat/completions", RequestBody.chat(model: "dead-model"))
        #expect(unreachable.status == 502)
        #expect(try unreachable.json()["error"]?["code"]?.string == "upstream_unreachable")

        let silent = try router.post("/v1/chat/completions", RequestBody.chat(model: "slow-model", mock: #"{"latency_ms":3000}"#))
        #expect(silent.status == 504)
        #expect(try silent.json()["error"]?["code"]?.string == "upstream_timeout")
    }
}
