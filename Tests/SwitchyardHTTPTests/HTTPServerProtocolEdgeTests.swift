import Foundation
import SwitchyardHTTP
import SwitchyardIO
import Testing

/// Protocol edges of the server's response side: HTTP/1.0 framing, bodyless statuses, header injection and
/// lingering close after an error.
@Suite("HTTPServer frames responses correctly at the protocol's edges", .serialized)
struct HTTPServerProtocolEdgeTests {
    @Test("a stream to an HTTP/1.0 client is not chunked and ends by closing the connection")
    func http10StreamIsCloseDelimited() throws {
        let server = try RunningHTTPServer.make { _, response, _ in
            response.startStream(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]))
            response.write(Array("data: a\n\n".utf8))
            response.write(Array("data: b\n\n".utf8))
            response.finish()
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /stream HTTP/1.0\r\n\r\n")
        let head = try client.readHead()
        #expect(head.status == 200)
        #expect(head.header("Transfer-Encoding") == nil)
        #expect(head.header("Connection") == "close")
        let body = try client.readToEnd()
        #expect(String(decoding: body, as: UTF8.self) == "data: a\n\ndata: b\n\n")
    }

    @Test("an HTTP/1.0 keep-alive request is confirmed with Connection: keep-alive and the connection is reused")
    func http10KeepAliveIsConfirmed() throws {
        let server = try RunningHTTPServer.make { _, response, _ in response.send(status: 200, body: Array("ok".utf8)) }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try client.readResponse()
        #expect(first.header("Connection") == "keep-alive")
        try client.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let second = try client.readResponse()
        #expect(second.status == 200)
        #expect(second.bodyText == "ok")
    }

    @Test("a 204 carries no Content-Length and no body")
    func noContentHasNoLength() throws {
        let server = try RunningHTTPServer.make { _, response, _ in response.send(status: 204, body: Array("ignored".utf8)) }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let first = try client.readHead()
        #expect(first.status == 204)
        #expect(first.header("Content-Length") == nil)
        // The next response starts right after the head: nothing of "ignored" was written.
        let second = try client.readHead()
        #expect(second.status == 204)
    }

    @Test("a header value containing CR LF is dropped instead of splitting the response")
    func headerInjectionIsDropped() throws {
        let server = try RunningHTTPServer.make { _, response, _ in
            response.send(status: 200, headers: HTTPHeaders([("X-A", "a\r\nSet-Cookie: evil=1"), ("X-B", "fine")]), body: [])
        }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.header("Set-Cookie") == nil)
        #expect(response.header("X-A") == nil)
        #expect(response.header("X-B") == "fine")
    }

    @Test("after a 413 the server keeps reading the unsent body, so the client can still read the error")
    func lingeringCloseAfterError() throws {
        let configuration = HTTPServer.Configuration.make(limits: .init(maxHeaderBytes: 8192, maxHeaderCount: 32, maxBodyBytes: 1024))
        let server = try RunningHTTPServer.make(configuration: configuration) { _, response, _ in response.send(status: 200, body: []) }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let body = [UInt8](repeating: 0x61, count: 2 * 1024 * 1024)
        try client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.count)\r\n\r\n")
        // Keep sending after the server has decided: without a lingering close this write races a reset.
        try? client.send(body)
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains("\"code\":\"request_too_large\""))
    }
}
