import Foundation
import Glibc
import Synchronization
import SwitchyardHTTP
import SwitchyardIO

/// The error body a gateway would render: the OpenAI error shape.
func openAIErrorBody(_ error: HTTPParseError) -> [UInt8] {
    Array(#"{"error":{"message":"\#(error.message)","type":"invalid_request_error","param":null,"code":"\#(error.code)"}}"#.utf8)
}

extension HTTPServer.Configuration {
    /// Test configuration: OpenAI-shaped error bodies, optional rejection observer.
    static func make(
        limits: HTTPRequestParser.Limits = .init(), headerTimeout: Double = 10,
        onRejected: ((HTTPParseError) -> Void)? = nil
    ) -> HTTPServer.Configuration {
        var configuration = HTTPServer.Configuration(limits: limits, headerTimeout: headerTimeout, errorBody: openAIErrorBody)
        configuration.onRejected = onRejected
        return configuration
    }
}

/// A responder that forwards to a closure (called on the loop thread).
final class ClosureResponder: HTTPResponder {
    private let handle: (HTTPRequest, HTTPServerResponse) -> Void

    init(_ handle: @escaping (HTTPRequest, HTTPServerResponse) -> Void) { self.handle = handle }

    func respond(to request: HTTPRequest, response: HTTPServerResponse) { handle(request, response) }
}

/// Values appended from the loop thread and read from the test thread.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }

    var all: [Value] { values.withLock { $0 } }
}

/// An ``HTTPServer`` on 127.0.0.1 and a free port, its ``EventLoop`` running on a background thread.
/// `@unchecked Sendable`: after `make` returns, `loop` and `server` are only touched on the loop thread
/// (through ``onLoop(_:)`` and ``stop()``, which go through the thread-safe waker).
final class RunningHTTPServer: @unchecked Sendable {
    let loop: EventLoop
    let server: HTTPServer
    let port: Int
    private let listeningSocket: Int32
    private let stopped = DispatchSemaphore(value: 0)

    private init(loop: EventLoop, server: HTTPServer, port: Int, listeningSocket: Int32) {
        self.loop = loop
        self.server = server
        self.port = port
        self.listeningSocket = listeningSocket
    }

    /// Starts a server whose responder is `handler` (called on the loop thread with the loop, for timers).
    static func make(
        configuration: HTTPServer.Configuration = .make(),
        handler: @escaping (HTTPRequest, HTTPServerResponse, EventLoop) -> Void
    ) throws -> RunningHTTPServer {
        let loop = try EventLoop()
        let fd = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = try Socket.localPort(fd)
        let responder = ClosureResponder { [unowned loop] request, response in handler(request, response, loop) }
        let server = HTTPServer(loop: loop, listeningSocket: fd, configuration: configuration, responder: responder)
        try server.start()
        let running = RunningHTTPServer(loop: loop, server: server, port: port, listeningSocket: fd)
        let thread = Thread { [running] in
            running.loop.run()
            running.stopped.signal()
        }
        thread.name = "http-test-loop-\(port)"
        thread.start()
        return running
    }

    /// Runs `body` on the loop thread and returns its result (nil if the loop did not answer within 5 s).
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (RunningHTTPServer) -> T) -> T? {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        loop.waker.execute { [self] in
            box.set(body(self))
            done.signal()
        }
        guard done.wait(timeout: .now() + 5) == .success else { return nil }
        return box.get()
    }

    /// Closes every connection, stops the loop, waits (at most 5 s) for its thread and closes the listener.
    func stop() {
        loop.waker.execute { [self] in
            server.closeAll()
            loop.stop()
        }
        _ = stopped.wait(timeout: .now() + 5)
        Socket.close(listeningSocket)
    }
}

private final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ newValue: T) { value.withLock { $0 = newValue } }
    func get() -> T? { value.withLock { $0 } }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A response as read off the wire.
struct RawResponse {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []
    /// The chunks of a chunked body, as framed by the server.
    var chunks: [[UInt8]] = []

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking loopback client that writes raw bytes and reads responses; every read times out after
/// `timeoutSeconds` (SO_RCVTIMEO), so no test can hang on a silent server.
final class RawHTTPClient {
    private var fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let socketFD = fd
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw ClientError("connect to port \(port) failed: errno \(code)")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ data: [UInt8]) throws {
        var offset = 0
        while offset < data.count {
            let socketFD = fd
            let written = data[offset...].withUnsafeBytes { Glibc.send(socketFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ClientError("send failed: errno \(errno)")
            }
            offset += written
        }
    }

    /// Reads more bytes into the buffer; false at end of stream. Throws on timeout or a socket error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let socketFD = fd
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += chunk[..<count]
                return true
            }
            if count == 0 { return false }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw ClientError("timed out waiting for the server") }
            throw ClientError("recv failed: errno \(errno)")
        }
    }

    private func readLine() throws -> String {
        while true {
            if let end = buffer.indices.dropLast().first(where: { buffer[$0] == 0x0D && buffer[$0 + 1] == 0x0A }) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeSubrange(..<(end + 2))
                return line
            }
            guard try fill() else { throw ClientError("connection closed mid-line; have \(escaped(buffer))") }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw ClientError("connection closed after \(buffer.count) of \(count) bytes") }
        }
        let out = Array(buffer[..<count])
        buffer.removeSubrange(..<count)
        return out
    }

    /// Reads a status line and header section.
    func readHead() throws -> RawResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw ClientError("bad status line: \(statusLine)")
        }
        var response = RawResponse(status: status, reason: String(parts[2]), headers: [])
        while true {
            let line = try readLine()
            if line.isEmpty { return response }
            guard let colon = line.firstIndex(of: ":") else { throw ClientError("bad header line: \(line)") }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            response.headers.append((String(line[..<colon]), String(value)))
        }
    }

    /// Reads one chunk of a chunked body; nil for the last chunk (its trailer section is consumed too).
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.prefix { $0 != ";" }, radix: 16) else { throw ClientError("bad chunk size line: \(sizeLine)") }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try readExactly(size)
        guard try readExactly(2) == [0x0D, 0x0A] else { throw ClientError("chunk not followed by CRLF") }
        return data
    }

    /// Reads one whole response, framed as RFC 9112 §6.3 says (1xx and HEAD responses have no body).
    func readResponse(toHead isHeadRequest: Bool = false) throws -> RawResponse {
        var response = try readHead()
        if isHeadRequest || (100..<200).contains(response.status) || response.status == 204 || response.status == 304 {
            return response
        }
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while let chunk = try readChunk() {
                response.chunks.append(chunk)
                response.body += chunk
            }
        } else if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            response.body = try readExactly(length)
        } else {
            response.body = try readToEnd()
        }
        return response
    }

    /// Reads until the server closes the connection and returns whatever arrived (normally nothing).
    func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }
}
