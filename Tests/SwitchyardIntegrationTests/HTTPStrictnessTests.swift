import SwitchyardTestSupport
import Testing

@Suite("HTTP/1.1 strictness of the real router", .timeLimit(.minutes(1)))
struct HTTPStrictnessTests {
    /// A router whose only model is served by `mock`, with extra environment.
    private func router(_ mock: MockUpstream, environment: [String: String] = [:]) throws -> RouterProcess {
        try RouterProcess(config: .single("chat-model", providers: [mock.provider()]), environment: environment)
    }

    @Test("Content-Length together with Transfer-Encoding is answered 400 and the connection is closed")
    func conflictingFramingIsRejected() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()
        let body = RequestBody.chat()
        // RFC 9112 §6.1: a request with both is a smuggling vector; a server must not reuse the connection.
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", headers: [
            ("Content-Length", String(body.utf8.count)), ("Transfer-Encoding", "chunked"),
        ], body: body))

        let response = try client.readResponse()

        #expect(response.status == 400)
        #expect(response.openAIError != nil, "body: \(response.text)")
        #expect(try client.readUntilClose().isEmpty)
        #expect(try mock.stats()["completions"]?.int == 0)
    }

    @Test("a body larger than LLM_ROUTER_MAX_REQUEST_BODY_SIZE is answered 413")
    func oversizedBodyIsRejected() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock, environment: ["LLM_ROUTER_MAX_REQUEST_BODY_SIZE": "1024"])
        let body = RequestBody.chat(content: String(repeating: "x", count: 2048))

        let response = try router.post("/v1/chat/completions", body)

        #expect(response.status == 413)
        #expect(response.openAIError != nil, "body: \(response.text)")
        #expect(try mock.stats()["completions"]?.int == 0)
    }

    @Test("a body within LLM_ROUTER_MAX_REQUEST_BODY_SIZE is accepted")
    func bodyWithinLimitIsAccepted() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock, environment: ["LLM_ROUTER_MAX_REQUEST_BODY_SIZE": "1024"])

        let response = try router.post("/v1/chat/completions", RequestBody.chat(content: String(repeating: "x", count: 100)))

        #expect(response.status == 200)
    }

    @Test("a 70 KiB request head is answered 431")
    func oversizedHeadIsRejected() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()
        let request = RawHTTPClient.request("GET", "/health", headers: [("X-Padding", String(repeating: "p", count: 70 * 1024))])

        // The router may answer and close before reading everything; the response is what matters.
        try? client.send(request)
        let response = try client.readResponse()

        #expect(response.status == 431)
        #expect(response.openAIError != nil, "body: \(response.text)")
    }

    @Test("a request head not completed within LLM_ROUTER_HEADER_TIMEOUT is answered 408 and closed")
    func slowHeadTimesOut() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock, environment: ["LLM_ROUTER_HEADER_TIMEOUT": "1"])
        let client = try router.connect()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")

        let response = try client.readResponse()

        #expect(response.status == 408)
        #expect(try client.readUntilClose().isEmpty)
    }

    @Test("three requests are served in turn on one kept-alive connection")
    func keepAliveServesSeveralRequests() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()

        for index in 0..<3 {
            try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat(content: "turn \(index)")))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Connection")?.lowercased() != "close")
            #expect(try mock.lastRequest()["body"]?["messages"]?[0]?["content"]?.string == "turn \(index)")
        }
        try client.send(RawHTTPClient.request("GET", "/health"))
        #expect(try client.readResponse().status == 200)
    }

    @Test("two pipelined requests in one write get two responses in request order")
    func pipelinedRequestsAreAnsweredInOrder() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()
        // The first request is proxied and slowed down; the second is answered locally at once.
        // Responses must still come back in request order (RFC 9112 §9.3.2).
        let first = RawHTTPClient.request(
            "POST", "/v1/chat/completions", body: RequestBody.chat(mock: #"{"latency_ms":200}"#))
        let second = RawHTTPClient.request("GET", "/v1/models")
        try client.send(first + second)

        let firstResponse = try client.readResponse()
        let secondResponse = try client.readResponse()

        #expect(firstResponse.status == 200)
        #expect(try firstResponse.json()["object"]?.string == "chat.completion")
        #expect(secondResponse.status == 200)
        #expect(try secondResponse.json()["object"]?.string == "list")
    }

    @Test("HEAD /health answers the headers without a body")
    func headHasNoBody() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()

        try client.send(RawHTTPClient.request("HEAD", "/health"))
        let head = try client.readResponse(forHEAD: true)
        // If the HEAD response carried a body, its bytes would be read here as the next status line.
        try client.send(RawHTTPClient.request("GET", "/health"))
        let get = try client.readResponse()

        #expect(head.status == 200)
        #expect(head.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(get.status == 200)
        #expect(try get.json()["status"]?.string == "ok")
    }

    @Test("Expect: 100-continue gets 100 Continue, then the final response after the body")
    func expectContinueIsHonoured() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()
        let body = RequestBody.chat()
        let head = RawHTTPClient.request("POST", "/v1/chat/completions", headers: [
            ("Content-Type", "application/json"), ("Content-Length", String(body.utf8.count)), ("Expect", "100-continue"),
        ])

        try client.send(head)
        let interim = try client.readResponse()
        try client.send(body)
        let final = try client.readResponse()

        #expect(interim.status == 100)
        #expect(final.status == 200)
        #expect(try final.json()["model"]?.string == "chat-model")
    }

    @Test("a chunked request body is accepted and reaches the upstream intact")
    func chunkedRequestBodyIsAccepted() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()
        let body = Array(RequestBody.chat(content: "chunked hello").utf8)
        let chunks = [body[..<10], body[10...]].map { "\(String($0.count, radix: 16))\r\n\(String(decoding: $0, as: UTF8.self))\r\n" }
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", headers: [
            ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"),
        ]) + chunks.joined() + "0\r\n\r\n")

        let response = try client.readResponse()

        #expect(response.status == 200)
        #expect(try mock.lastRequest()["body"]?["messages"]?[0]?["content"]?.string == "chunked hello")
    }

    @Test("a chunked body larger than LLM_ROUTER_MAX_REQUEST_BODY_SIZE is answered 413")
    func oversizedChunkedBodyIsRejected() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock, environment: ["LLM_ROUTER_MAX_REQUEST_BODY_SIZE": "1024"])
        let client = try router.connect()
        let chunk = "200\r\n" + String(repeating: "x", count: 512) + "\r\n"
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", headers: [("Transfer-Encoding", "chunked")])
            + String(repeating: chunk, count: 4) + "0\r\n\r\n")

        let response = try client.readResponse()

        #expect(response.status == 413)
        #expect(response.openAIError != nil, "body: \(response.text)")
        #expect(try mock.stats()["completions"]?.int == 0)
    }

    @Test("an HTTP/1.1 request without Host is answered 400")
    func missingHostIsRejected() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()
        // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request that lacks a Host field.
        try client.send("GET /health HTTP/1.1\r\n\r\n")

        let response = try client.readResponse()

        #expect(response.status == 400)
        #expect(response.openAIError != nil, "body: \(response.text)")
    }

    @Test("an absolute-form request target is routed by its path")
    func absoluteFormTargetIsRouted() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()
        // RFC 9112 §3.2.2: "A server MUST accept the absolute-form in requests".
        try client.send(RawHTTPClient.request("GET", "http://127.0.0.1:\(router.port)/health"))
        let health = try client.readResponse()
        try client.send(RawHTTPClient.request(
            "POST", "http://127.0.0.1:\(router.port)/v1/chat/completions", body: RequestBody.chat()))
        let chat = try client.readResponse()

        #expect(health.status == 200, "body: \(health.text)")
        #expect(chat.status == 200, "body: \(chat.text)")
    }

    @Test("a rejected body does not spoil the connection for the next request")
    func connectionSurvivesRejectedBody() throws {
        let mock = try MockUpstream(id: "a")
        let router = try router(mock)
        let client = try router.connect()

        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: "not json"))
        let rejected = try client.readResponse()
        try client.send(RawHTTPClient.request("POST", "/v1/chat/completions", body: RequestBody.chat()))
        let served = try client.readResponse()

        #expect(rejected.status == 400)
        #expect(served.status == 200)
    }
}
