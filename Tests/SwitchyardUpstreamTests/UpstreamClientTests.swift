import SwitchyardIO
import Testing
@testable import SwitchyardUpstream

@Suite("Upstream client", .timeLimit(.minutes(1)))
struct UpstreamClientTests {
    /// A rate-limited answer after an interim 103 whose fields must not leak into the final head.
    static let rateLimited = "HTTP/1.1 103 Early Hints\r\nLink: </hint>\r\n\r\n"
        + "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 7\r\n"
        + "X-RateLimit-Remaining-Requests: 0\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\n{}"

    @Test("every field of the response head reaches the handler, rate-limit hints included", arguments: ClientKind.allCases)
    func fullHead(kind: ClientKind) throws {
        let server = try ScriptedUpstream { _ in .send(Self.rateLimited) }
        defer { server.stop() }
        let loop = try EventLoop()
        let client = UpstreamClient.make(loop: loop, kind: kind)
        let handler = RecordingHandler()
        handler.onFinish = { _ in loop.stop() }

        client.start(.make(port: server.port), handler: handler)
        #expect(loop.runUntilStopped())

        let head = try #require(handler.head)
        #expect(head.status == 429)
        #expect(head.headers["Retry-After"] == "7")
        #expect(head.headers["x-ratelimit-remaining-requests"] == "0")
        #expect(head.contentType == "application/json")
        #expect(head.headers.filter { $0.name == "Set-Cookie" }.map(\.value) == ["a=1", "b=2"])
        #expect(!head.headers.contains("Link"))
        #expect(handler.calls == ["head 429", "body", "finish"])
        #expect(handler.bodyText == "{}")
    }
}
