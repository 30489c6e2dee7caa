import SwitchyardTestSupport
import Testing

@Suite("Errors reach clients in the OpenAI shape with the right status", .timeLimit(.minutes(1)))
struct ErrorResponseTests {
    /// A request body the router must refuse with 400 before choosing a provider.
    struct BadBody: CustomTestStringConvertible, Sendable {
        let label: String
        let body: String
        let param: String?
        var testDescription: String { label }
    }

    static let badBodies: [BadBody] = [
        BadBody(label: "empty body", body: "", param: nil),
        BadBody(label: "invalid JSON", body: #"{"model": "chat-model", "#, param: nil),
        BadBody(label: "JSON array", body: #"[{"model":"chat-model"}]"#, param: nil),
        BadBody(label: "JSON string", body: #""chat-model""#, param: nil),
        BadBody(label: "missing model", body: #"{"messages":[{"role":"user","content":"hi"}]}"#, param: "model"),
        BadBody(label: "model is a number", body: #"{"model":5,"messages":[]}"#, param: "model"),
        BadBody(label: "model is null", body: #"{"model":null,"messages":[]}"#, param: "model"),
    ]

    @Test("a malformed body is answered 400 invalid_request_error", arguments: badBodies)
    func malformedBodyIsRejected(_ bad: BadBody) throws {
        let unreachable = try ClosedPort()
        let router = try RouterProcess(config: .single("chat-model", providers: [.init(id: "a", apiHost: unreachable.url)]))

        let response = try router.post("/v1/chat/completions", bad.body)

        #expect(response.status == 400)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        let error = try #require(response.openAIError, "body: \(response.text)")
        #expect(error["type"]?.string == "invalid_request_error")
        if let param = bad.param { #expect(error["param"]?.string == param) }
    }

    @Test("an unknown model is answered 404 model_not_found")
    func unknownModelIsNotFound() throws {
        let unreachable = try ClosedPort()
        let router = try RouterProcess(config: .single("chat-model", providers: [.init(id: "a", apiHost: unreachable.url)]))

        let response = try router.post("/v1/chat/completions", RequestBody.chat(model: "no-such-model"))

        #expect(response.status == 404)
        let error = try #require(response.openAIError, "body: \(response.text)")
        #expect(error["code"]?.string == "model_not_found")
        #expect(error["message"]?.string?.contains("no-such-model") == true)
    }

    @Test("an unknown path is answered 404 in the OpenAI shape")
    func unknownPathIsNotFound() throws {
        let unreachable = try ClosedPort()
        let router = try RouterProcess(config: .single("chat-model", providers: [.init(id: "a", apiHost: unreachable.url)]))

        let response = try router.get("/v1/no/such/path")

        #expect(response.status == 404)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(response.openAIError != nil, "body: \(response.text)")
    }

    @Test("a wrong method is answered 405 with Allow in the OpenAI shape")
    func wrongMethodIsNotAllowed() throws {
        let unreachable = try ClosedPort()
        let router = try RouterProcess(config: .single("chat-model", providers: [.init(id: "a", apiHost: unreachable.url)]))

        let onProxy = try router.get("/v1/chat/completions")
        let onHealth = try RawHTTPClient.exchange(port: router.port, "DELETE", "/health")

        #expect(onProxy.status == 405)
        #expect(onProxy.header("Allow")?.contains("POST") == true)
        #expect(onProxy.openAIError != nil, "body: \(onProxy.text)")
        #expect(onHealth.status == 405)
        #expect(onHealth.header("Allow")?.contains("GET") == true)
        #expect(onHealth.openAIError != nil, "body: \(onHealth.text)")
    }

    @Test("an unreachable upstream is answered 502 without revealing its address")
    func unreachableUpstreamIsBadGateway() throws {
        let unreachable = try ClosedPort()
        let router = try RouterProcess(config: .single("chat-model", providers: [.init(id: "a", apiHost: unreachable.url)]))

        let response = try router.post("/v1/chat/completions", RequestBody.chat())

        #expect(response.status == 502)
        #expect(response.openAIError != nil, "body: \(response.text)")
        #expect(!response.text.contains("127.0.0.1:\(unreachable.port)"))
    }

    @Test("an upstream slower than the first-byte timeout is answered 504")
    func slowUpstreamIsGatewayTimeout() throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(
            config: .single("chat-model", providers: [mock.provider()]),
            environment: ["LLM_ROUTER_UPSTREAM_FIRST_BYTE_TIMEOUT": "1"])

        let response = try router.post("/v1/chat/completions", RequestBody.chat(mock: #"{"latency_ms":3000}"#))

        #expect(response.status == 504)
        #expect(response.openAIError != nil, "body: \(response.text)")
        #expect(!response.text.contains("127.0.0.1:\(mock.port)"))
    }

    @Test("an upstream's own client error is relayed with its status in the OpenAI shape", arguments: [400, 422])
    func upstreamClientErrorIsRelayed(status: Int) throws {
        let mock = try MockUpstream(id: "a")
        let router = try RouterProcess(config: .single("chat-model", providers: [mock.provider()]))

        let response = try router.post("/v1/chat/completions", RequestBody.chat(mock: #"{"status":\#(status)}"#))

        #expect(response.status == status)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(response.openAIError != nil, "body: \(response.text)")
        #expect(!response.text.contains("127.0.0.1:\(mock.port)"))
        #expect(!response.text.contains(mock.url))
    }
}
