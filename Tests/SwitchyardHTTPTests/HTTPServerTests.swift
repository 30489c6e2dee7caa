import Foundation
import Glibc
@testable import SwitchyardHTTP
import SwitchyardIO
import Testing

/// Every test binds 127.0.0.1 port 0, runs the loop on its own thread and reads with a 5 s socket timeout.
@Suite("HTTPServer answers real clients over loopback sockets", .serialized)
struct HTTPServerTests {
    /// Answers `METHOD target body=…` as text/plain; `/slow` answers 50 ms later, from a loop timer.
    static func echo(_ request: HTTPRequest, _ response: HTTPServerResponse, _ loop: EventLoop) {
        let answer = {
            response.send(
                status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]),
                body: bytes("\(request.head.method) \(request.head.target) body=\(String(decoding: request.body, as: UTF8.self))")
            )
        }
        if request.head.path == "/slow" {
            loop.schedule(afterNanoseconds: 50_000_000, answer)
        } else {
            answer()
        }
    }

    @Test("two requests on one keep-alive connection are both answered and the connection stays open")
    func keepAlive() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
        let first = try client.readResponse()
        #expect(first.status == 200)
        #expect(first.reason == "OK")
        #expect(first.bodyText == "GET /first body=")
        #expect(first.header("Content-Length") == "16")
        #expect(first.header("Content-Type") == "text/plain")
        #expect(first.header("Connection") == nil)
        #expect(first.header("Date")?.hasSuffix(" GMT") == true)

        try client.send("POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
        let second = try client.readResponse()
        #expect(second.status == 200)
        #expect(second.bodyText == "POST /second body=hi")
        #expect(second.header("Connection") == nil)
        #expect(server.onLoop { $0.server.connectionCount } == 1)
    }

    @Test("pipelined requests in one write are answered in order, even when the first answers late")
    func pipelining() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send(
            "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /fast HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /last HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        let bodies = try (0..<3).map { _ in try client.readResponse().bodyText }
        #expect(bodies == ["GET /slow body=", "POST /fast body=abc", "GET /last body="])
    }

    @Test("Connection: close gets its response, marked close, and then the server closes")
    func connectionClose() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("GET /bye HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "GET /bye body=")
        #expect(response.header("Connection") == "close")
        #expect(try client.readToEnd() == [])
        #expect(server.onLoop { $0.server.connectionCount } == 0)
    }

    @Test("an HTTP/1.0 request without keep-alive is answered and closed")
    func http10Closes() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("GET /old HTTP/1.0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.bodyText == "GET /old body=")
        #expect(response.header("Connection") == "close")
        #expect(try client.readToEnd() == [])
    }

    @Test("Expect: 100-continue gets an interim 100 before the body is sent, then the final response")
    func expectContinue() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        #expect(interim.reason == "Continue")
        #expect(interim.headers.isEmpty)

        try client.send("hello")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.bodyText == "POST /upload body=hello")
    }

    @Test("HEAD gets the GET headers with Content-Length but no body, and the connection stays usable")
    func head() throws {
        let server = try RunningHTTPServer.make { request, response, _ in
            response.send(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: bytes("hello world"))
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n")
        let head = try client.readResponse(toHead: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "11")
        // Had the server sent the 11 body bytes, they would now corrupt the next response's status line.
        try client.send("GET /h HTTP/1.1\r\nHost: a\r\n\r\n")
        let get = try client.readResponse()
        #expect(get.status == 200)
        #expect(get.bodyText == "hello world")
    }

    @Test("ambiguous framing gets 400 with Connection: close and the configured OpenAI-shaped body, then a close")
    func ambiguousFraming() throws {
        let rejected = Recorder<HTTPParseError>()
        let handled = Recorder<String>()
        let server = try RunningHTTPServer.make(configuration: .make(onRejected: { rejected.append($0) })) { request, response, loop in
            handled.append(request.head.target)
            Self.echo(request, response, loop)
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        let response = try client.readResponse()
        let expectedBody = #"{"error":{"message":"Both Content-Length and Transfer-Encoding are present.","type":"invalid_request_error","param":null,"code":"ambiguous_framing"}}"#
        #expect(response.status == 400)
        #expect(response.reason == "Bad Request")
        #expect(response.header("Connection") == "close")
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("Content-Length") == String(expectedBody.utf8.count))
        #expect(response.bodyText == expectedBody)
        #expect(try client.readToEnd() == [])
        #expect(server.onLoop { _ in rejected.all.map(\.code) } == ["ambiguous_framing"])
        #expect(handled.all.isEmpty)
    }

    @Test("a 70 KiB header section gets 431 and a close")
    func headerTooLarge() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "x", count: 70 * 1024) + "\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 431)
        #expect(response.reason == "Request Header Fields Too Large")
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains(#""code":"header_too_large""#))
        #expect(try client.readToEnd() == [])
    }

    @Test("a Content-Length over the body limit gets 413 before the body is sent")
    func bodyTooLarge() throws {
        let server = try RunningHTTPServer.make(configuration: .make(limits: .init(maxBodyBytes: 1024)), handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4096\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains(#""code":"request_too_large""#))
        #expect(try client.readToEnd() == [])
    }

    @Test("a head that stalls past the header timeout gets 408 and a close")
    func headerTimeout() throws {
        let server = try RunningHTTPServer.make(configuration: .make(headerTimeout: 1), handler: Self.echo)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("GET /slowloris HTTP/1.1\r\nHost: a\r\nX-Part")
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(response.reason == "Request Timeout")
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains(#""code":"request_timeout""#))
        #expect(try client.readToEnd() == [])
    }

    @Test("a streamed response arrives as the chunks written, ends with the last chunk and keeps the connection")
    func streaming() throws {
        let completions = Recorder<String>()
        let server = try RunningHTTPServer.make { request, response, loop in
            guard request.head.path == "/stream" else { return Self.echo(request, response, loop) }
            response.onComplete = { status, bodyBytes, aborted in completions.append("\(status) \(bodyBytes) \(aborted)") }
            response.startStream(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]))
            response.write(bytes("data: 1\n\n"))
            loop.schedule(afterNanoseconds: 20_000_000) {
                response.write(bytes("data: 2\n\n"))
                response.write([UInt8]()) // an empty write must not end the body
                response.write(bytes("data: [DONE]\n\n"))
                response.finish()
            }
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("POST /stream HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.header("Content-Length") == nil)
        #expect(response.header("Content-Type") == "text/event-stream")
        #expect(response.chunks == [bytes("data: 1\n\n"), bytes("data: 2\n\n"), bytes("data: [DONE]\n\n")])

        try client.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().bodyText == "GET /after body=")
        #expect(server.onLoop { _ in completions.all } == ["200 32 false"])
    }

    @Test("a client that disconnects during a stream fires onAbort, and the response reports itself aborted")
    func clientDisconnectAbortsStream() throws {
        let aborted = DispatchSemaphore(value: 0)
        let completions = Recorder<String>()
        let server = try RunningHTTPServer.make { _, response, _ in
            response.onAbort = { aborted.signal() }
            response.onComplete = { status, bodyBytes, wasAborted in completions.append("\(status) \(bodyBytes) \(wasAborted)") }
            response.startStream(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]))
            response.write(bytes("data: 1\n\n"))
            // Never finished: the upstream is "still generating" when the client leaves.
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)

        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
        let head = try client.readHead()
        #expect(head.status == 200)
        #expect(try client.readChunk() == bytes("data: 1\n\n"))
        client.close()

        #expect(aborted.wait(timeout: .now() + 5) == .success)
        #expect(server.onLoop { _ in completions.all } == ["200 9 true"])
        #expect(server.onLoop { $0.server.connectionCount } == 0)
    }

    /// Makes the server's next accept fail with `code` before the real accepts resume.
    private static func failNextAccept(of server: RunningHTTPServer, with code: Int32) -> Bool? {
        server.onLoop { running in
            var failNext = true
            running.server.acceptConnection = { fd throws(IOError) in
                if failNext {
                    failNext = false
                    throw IOError(call: "accept4", code: code)
                }
                return try Socket.accept(fd)
            }
            return true
        }
    }

    @Test("a connection aborted inside accept is skipped and the next one is accepted without pausing")
    func acceptErrorOfOneConnectionIsSkipped() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        #expect(Self.failNextAccept(of: server, with: ECONNABORTED) == true)
        let client = try RawHTTPClient(port: server.port)

        try client.send("GET /after-abort HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().bodyText == "GET /after-abort body=")
        #expect(server.onLoop { $0.server.acceptPauses } == 0)
    }

    @Test("running out of descriptors pauses accepting, and the waiting client is served once it resumes")
    func exhaustionPausesAccepting() throws {
        let server = try RunningHTTPServer.make(handler: Self.echo)
        defer { server.stop() }
        #expect(Self.failNextAccept(of: server, with: EMFILE) == true)
        let client = try RawHTTPClient(port: server.port)

        try client.send("GET /after-pause HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().bodyText == "GET /after-pause body=")
        #expect(server.onLoop { $0.server.acceptPauses } == 1)
    }
}
