import Foundation
import Glibc
import Synchronization

/// A blocking HTTP/1.1 server on 127.0.0.1 and a free port that answers with exact bytes, so the upstream clients
/// can be driven against misbehaving providers. Each accepted connection gets a thread that reads requests (head
/// and Content-Length body) and answers each as `reply` says. Every socket times out after 5 s, so no test can hang
/// on it; ``stop()`` closes everything.
final class ScriptedUpstream: Sendable {
    /// One request as the server read it.
    struct Request: Sendable {
        /// 1 for the first accepted connection, 2 for the second…
        var connection: Int
        /// 1 for the first request on its connection, 2 for the second…
        var index: Int
        var head: String
        var body: [UInt8]
    }

    /// What the server does with one request.
    enum Reply: Sendable {
        /// Writes these bytes in one `send`, then waits for the next request on the connection.
        case send(String)
        /// Writes these bytes, then closes the connection.
        case sendAndClose(String)
        /// Hands the socket to a custom conversation, then closes it.
        case converse(@Sendable (Int32) -> Void)
    }

    /// Why the server could not start.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private struct State {
        var accepts = 0
        var requests: [Request] = []
        var open: Set<Int32> = []
        var stopped = false
    }

    let port: Int
    private let listener: Int32
    private let state = Mutex(State())
    private let reply: @Sendable (Request) -> Reply

    /// Starts listening and accepting on a background thread.
    init(reply: @escaping @Sendable (Request) -> Reply) throws {
        self.reply = reply
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw Failure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            Glibc.close(fd)
            throw Failure("bind/listen: errno \(errno)")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "scripted-upstream-\(port)"
        thread.start()
    }

    /// Connections accepted so far.
    var acceptCount: Int { state.withLock { $0.accepts } }

    /// Requests read so far, in arrival order.
    var requests: [Request] { state.withLock { $0.requests } }

    /// Stops accepting and closes every connection (their threads then end).
    func stop() {
        state.withLock { state in
            state.stopped = true
            for fd in state.open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit { Glibc.close(listener) }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let number: Int? = state.withLock { state in
                if state.stopped { return nil }
                state.accepts += 1
                state.open.insert(fd)
                return state.accepts
            }
            guard let number else {
                Glibc.close(fd)
                return
            }
            let thread = Thread { [self] in serve(fd, connection: number) }
            thread.name = "scripted-upstream-\(port)-\(number)"
            thread.start()
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        defer {
            state.withLock { _ = $0.open.remove(fd) }
            Glibc.close(fd)
        }
        var buffer: [UInt8] = []
        var index = 0
        while let (head, body) = Self.readRequest(fd, buffer: &buffer) {
            index += 1
            let request = Request(connection: connection, index: index, head: head, body: body)
            state.withLock { $0.requests.append(request) }
            switch reply(request) {
            case .send(let text):
                guard Self.send(fd, text) else { return }
            case .sendAndClose(let text):
                _ = Self.send(fd, text)
                return
            case .converse(let conversation):
                conversation(fd)
                return
            }
        }
    }

    /// Reads one request head and its Content-Length body; nil at EOF, timeout or error.
    private static func readRequest(_ fd: Int32, buffer: inout [UInt8]) -> (String, [UInt8])? {
        let terminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        var headEnd: Int?
        while true {
            if headEnd == nil, buffer.count >= 4 {
                headEnd = (0...(buffer.count - 4)).first { Array(buffer[$0..<($0 + 4)]) == terminator }.map { $0 + 4 }
            }
            if let end = headEnd {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count >= end + length {
                    let body = Array(buffer[end..<(end + length)])
                    buffer.removeFirst(end + length)
                    return (head, body)
                }
            }
            guard let more = receive(fd), !more.isEmpty else { return nil }
            buffer += more
        }
    }

    /// One `recv`: the bytes, an empty array at EOF, nil on timeout or error.
    static func receive(_ fd: Int32) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(chunk[..<count]) }
            if errno == EINTR { continue }
            return nil
        }
    }

    /// Sends all of `text`; false if the peer is gone.
    @discardableResult
    static func send(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Reads and discards until the peer closes the connection: true if it did (EOF or reset), false on timeout.
    static func waitForPeerClose(_ fd: Int32) -> Bool {
        while true {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { continue }
            if count == 0 { return true }
            if errno == EINTR { continue }
            return errno == ECONNRESET
        }
    }
}
