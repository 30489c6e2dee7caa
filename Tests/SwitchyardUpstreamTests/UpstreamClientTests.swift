import Synchronization
import SwitchyardIO
import Testing
@testable import SwitchyardUpstream

@Suite("Upstream client", .timeLimit(.minutes(1)))
struct UpstreamClientTests {
    /// A rate-limited answer after an interim 103 whose fields must not leak into the final head.
    static let rateLimited = "HTTP/1.1 103 Early Hints\r\nLink: </hint>\r\n\r\n"
        + "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 7\r\n"
        + "X-RateLimit-Remaining-Requests: 0\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\n{}"

    static let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\nok"

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

    @Test("a transfer libcurl refuses to add gives its easy handle back and reports one error")
    func addHandleFailure() throws {
        let loop = try EventLoop()
        let client = UpstreamClient.make(loop: loop, kind: .curl)
        let handlers = [RecordingHandler(), RecordingHandler()]
        var transfers: [CurlTransfer] = []
        for handler in handlers {
            client.failNextHandleAdd = true
            transfers.append(try #require(client.start(.make(port: 9), handler: handler) as? CurlTransfer))
            #expect(client.activeCount == 0)
            // The second start reuses the handle the first gave back.
            #expect(client.idleHandleCount == 1)
        }
        #expect(transfers.allSatisfy { $0.easy == nil && !$0.holdsRequestBody })

        loop.afterCurrentIteration { loop.stop() }
        #expect(loop.runUntilStopped())
        for handler in handlers {
            #expect(handler.calls == ["finish protocol"])
        }
    }

    /// Where a handler cancels its own transfer.
    enum CancelPoint: String, CaseIterable, Sendable {
        case head, firstBodyPiece
    }

    @Test("a transfer cancelled mid-response hears nothing more and closes the upstream connection",
          arguments: ClientKind.allCases, CancelPoint.allCases)
    func cancelMidResponse(kind: ClientKind, point: CancelPoint) throws {
        let loop = try EventLoop()
        let stop = loop.stopFromAnyThread
        let peerClosed = Mutex<Bool?>(nil)
        let server = try ScriptedUpstream { _ in
            .converse { fd in
                // Head and two chunks in one write, the end never: only the cancel can finish this exchange.
                ScriptedUpstream.send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n")
                let closed = ScriptedUpstream.waitForPeerClose(fd)
                peerClosed.withLock { $0 = closed }
                stop()
            }
        }
        defer { server.stop() }
        let client = UpstreamClient.make(loop: loop, kind: kind)
        let handler = RecordingHandler()
        var transfer: UpstreamTransfer?
        switch point {
        case .head: handler.onHead = { _ in transfer?.cancel() }
        case .firstBodyPiece: handler.onBody = { transfer?.cancel() }
        }

        transfer = client.start(.make(port: server.port), handler: handler)
        #expect(loop.runUntilStopped())

        #expect(peerClosed.withLock { $0 } == true)
        #expect(handler.calls == (point == .head ? ["head 200"] : ["head 200", "body"]))
        #expect(client.activeCount == 0)
        if kind == .curl { #expect(client.idleHandleCount == 1) }
    }

    @Test("a transfer cancelled before its start failure was reported stays silent", arguments: ClientKind.allCases)
    func cancelBeforeFailureReport(kind: ClientKind) throws {
        // A port nobody listens on: the built-in client's connect is refused; libcurl's add is made to fail.
        let listener = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = try Socket.localPort(listener)
        Socket.close(listener)
        let loop = try EventLoop()
        let client = UpstreamClient.make(loop: loop, kind: kind)
        let cancelled = RecordingHandler()
        let control = RecordingHandler()
        control.onFinish = { _ in loop.stop() }

        client.failNextHandleAdd = kind == .curl
        client.start(.make(port: port), handler: cancelled).cancel()
        client.failNextHandleAdd = kind == .curl
        client.start(.make(port: port), handler: control)
        #expect(loop.runUntilStopped())

        #expect(control.calls.count == 1 && control.calls[0].hasPrefix("finish "))
        #expect(cancelled.calls.isEmpty)
        #expect(client.activeCount == 0)
    }

    @Test("a request started from inside another's head callback runs", arguments: ClientKind.allCases)
    func startFromHeadCallback(kind: ClientKind) throws {
        let server = try ScriptedUpstream { _ in .send(Self.ok) }
        defer { server.stop() }
        let loop = try EventLoop()
        let client = UpstreamClient.make(loop: loop, kind: kind)
        let first = RecordingHandler()
        let second = RecordingHandler()
        var finished = 0
        for handler in [first, second] {
            handler.onFinish = { _ in
                finished += 1
                if finished == 2 { loop.stop() }
            }
        }
        first.onHead = { _ in client.start(.make(port: server.port), handler: second) }

        client.start(.make(port: server.port), handler: first)
        #expect(loop.runUntilStopped())

        #expect(first.calls == ["head 200", "body", "finish"])
        #expect(second.calls == ["head 200", "body", "finish"])
        #expect(second.bodyText == "ok")
    }
}

@Suite("Upstream client: the caller's first-byte deadline", .timeLimit(.minutes(1)))
struct UpstreamFirstByteDeadlineTests {
    @Test("a provider silent past the request's first-byte deadline is ended with a timeout naming the budget", arguments: ClientKind.allCases)
    func deadlineEndsSilentTransfer(kind: ClientKind) throws {
        // The server reads the request and never answers (until the client gives up and closes).
        let server = try ScriptedUpstream { _ in .converse { fd in _ = ScriptedUpstream.waitForPeerClose(fd) } }
        defer { server.stop() }
        let loop = try EventLoop()
        let client = UpstreamClient.make(loop: loop, kind: kind)  // its own first-byte timeout is 10 s
        let handler = RecordingHandler()
        var error: UpstreamError?
        handler.onFinish = { finished in
            error = finished
            loop.stop()
        }
        var request = UpstreamRequest.make(port: server.port)
        request.firstByteDeadline = loop.now + 300_000_000
        client.start(request, handler: handler)
        #expect(loop.runUntilStopped())
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("budget") == true, "\(String(describing: error))")
    }
}
