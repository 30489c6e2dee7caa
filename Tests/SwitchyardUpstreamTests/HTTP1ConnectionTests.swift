import SwitchyardIO
import Testing
@testable import SwitchyardUpstream

@Suite("Built-in client connection reuse", .timeLimit(.minutes(1)))
struct HTTP1ConnectionTests {
    static let clean = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    static let second = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"

    /// How the first response on the first connection ends.
    struct FirstReply: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var reply: ScriptedUpstream.Reply
    }

    /// Sends two requests through the built-in client, the second once the first has finished (from the
    /// completion handler itself if `fromCompletion`, else from the next loop iteration).
    private func twoRequests(first: ScriptedUpstream.Reply, fromCompletion: Bool = false) throws -> (ScriptedUpstream, RecordingHandler, RecordingHandler) {
        let server = try ScriptedUpstream { request in
            request.connection == 1 && request.index == 1 ? first : .send(Self.second)
        }
        let loop = try EventLoop()
        let client = UpstreamClient.make(loop: loop, kind: .builtIn)
        let handlers = (RecordingHandler(), RecordingHandler())
        let startSecond = { _ = client.start(.make(port: server.port), handler: handlers.1) }
        handlers.0.onFinish = { _ in
            if fromCompletion { startSecond() } else { loop.afterCurrentIteration { startSecond() } }
        }
        handlers.1.onFinish = { _ in loop.stop() }

        client.start(.make(port: server.port), handler: handlers.0)
        #expect(loop.runUntilStopped())
        return (server, handlers.0, handlers.1)
    }

    @Test("a clean keep-alive response leaves its connection to the next request")
    func cleanResponseIsReused() throws {
        let (server, first, second) = try twoRequests(first: .send(Self.clean))
        defer { server.stop() }
        #expect(first.calls == ["head 200", "body", "finish"])
        #expect(second.bodyText == "second")
        #expect(server.acceptCount == 1)
    }

    @Test("a request started from the previous one's completion handler takes over its connection")
    func startFromCompletion() throws {
        let (server, first, second) = try twoRequests(first: .send(Self.clean), fromCompletion: true)
        defer { server.stop() }
        #expect(first.bodyText == "ok")
        #expect(second.calls == ["head 200", "body", "finish"])
        #expect(second.bodyText == "second")
        #expect(server.acceptCount == 1)
    }

    @Test("a connection is not reused after a response that cannot leave it clean", arguments: [
        FirstReply(testDescription: "more bytes than Content-Length", reply: .send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")),
        FirstReply(testDescription: "Connection: close, left open by the server", reply: .send("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")),
        FirstReply(testDescription: "HTTP/1.0 without keep-alive", reply: .send("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")),
        FirstReply(testDescription: "framed by the connection closing", reply: .sendAndClose("HTTP/1.1 200 OK\r\n\r\nok")),
    ])
    func notReused(first reply: FirstReply) throws {
        let (server, first, second) = try twoRequests(first: reply.reply)
        defer { server.stop() }
        #expect(first.calls == ["head 200", "body", "finish"])
        #expect(first.bodyText == "ok")
        #expect(second.calls == ["head 200", "body", "finish"])
        #expect(second.bodyText == "second")
        #expect(server.acceptCount == 2)
        #expect(server.requests.map(\.connection) == [1, 2])
    }
}
