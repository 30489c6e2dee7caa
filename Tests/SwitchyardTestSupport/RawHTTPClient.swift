import Foundation
import Glibc

/// A blocking HTTP/1.1 client over one TCP connection, for tests that need byte-level control
/// (pipelining, malformed heads, half-sent requests, closing mid-stream).
///
/// Every read and write is bounded by `SO_RCVTIMEO`/`SO_SNDTIMEO` (socket(7)), so a silent server makes
/// the test fail with a timeout instead of hanging.
package final class RawHTTPClient {
    /// The port this client connected to on 127.0.0.1.
    package let port: Int
    private var fd: Int32
    /// Bytes received but not yet consumed by `readResponse`.
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; `timeout` bounds each later send and receive.
    package init(port: Int, timeout: Double = 5) throws {
        self.port = port
        // SOCK_CLOEXEC: a server spawned by a parallel test must not inherit (and keep open) this connection.
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed: \(String(cString: strerror(errno)))") }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            fd = -1
            throw TestSupportError("connect to 127.0.0.1:\(port) failed: \(message)")
        }
    }

    deinit { close() }

    /// Closes the connection (idempotent). Pending unread data makes the kernel send RST, like a client crash.
    package func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends all of `bytes`; throws on error or send timeout.
    package func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw TestSupportError("send failed after \(offset) of \(bytes.count) bytes: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
    }

    /// Sends the UTF-8 bytes of `text`.
    package func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads one complete response. `forHEAD` reads no body whatever the headers say (RFC 9110 §9.3.2).
    ///
    /// Bodies are framed by chunked coding, then Content-Length, then connection close (RFC 9112 §6.3).
    /// 1xx, 204 and 304 responses have no body. Bytes after the response stay buffered for the next call.
    package func readResponse(forHEAD: Bool = false) throws -> RawHTTPResponse {
        let headEnd = try fill(untilFound: [13, 10, 13, 10], what: "a response head")
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var cursor = headEnd + 4
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw TestSupportError("malformed status line: \(statusLine)")
        }
        var response = RawHTTPResponse(status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: [], body: [])
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestSupportError("malformed header line: \(line)") }
            response.headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let bodiless = forHEAD || (100..<200).contains(status) || status == 204 || status == 304
        if bodiless {
            // no body
        } else if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            response.body = try readChunkedBody(from: &cursor)
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText) else { throw TestSupportError("bad Content-Length: \(lengthText)") }
            try fill(toCount: cursor + length, what: "a \(length)-byte body")
            response.body = Array(buffer[cursor..<(cursor + length)])
            cursor += length
        } else {
            while try receive() {}
            response.body = Array(buffer[cursor...])
            cursor = buffer.count
        }
        buffer.removeFirst(cursor)
        return response
    }

    /// Receives until the bytes received so far (and not yet consumed) contain `marker`; returns them as text.
    ///
    /// Nothing is consumed, so a later `readResponse` still sees the whole response.
    @discardableResult
    package func readUntil(_ marker: String) throws -> String {
        _ = try fill(untilFound: Array(marker.utf8), what: "\"\(marker)\"")
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Receives until the peer closes the connection (a reset counts as closed) and returns every unconsumed byte.
    ///
    /// Throws if the peer keeps the connection open for longer than the receive timeout.
    package func readUntilClose() throws -> [UInt8] {
        while try receive() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Whether the peer has already closed (EOF or reset pending), checked without blocking or consuming
    /// anything (`recv(2)` with `MSG_PEEK | MSG_DONTWAIT`).
    ///
    /// A keep-alive client asks this before reusing the connection: a server may close an idle connection
    /// at any time (RFC 9112 §9.3), and a request sent after that close was never seen by the server.
    package var peerHasClosed: Bool {
        guard fd >= 0 else { return true }
        guard buffer.isEmpty else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        if count == 0 { return true }
        if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR }
        return false
    }

    // MARK: private

    /// Appends the next received bytes to `buffer`; false at end of stream (or on a reset).
    private func receive() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case ECONNRESET: return false
            case EAGAIN, EWOULDBLOCK: throw TestSupportError("receive timed out (\(buffer.count) bytes buffered)")
            default: throw TestSupportError("recv failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Receives until `buffer` contains `needle` (searching from `start`); returns its offset.
    private func fill(untilFound needle: [UInt8], from start: Int = 0, what: String) throws -> Int {
        var searchFrom = start
        while true {
            if let found = Self.find(needle, in: buffer, from: searchFrom) { return found }
            searchFrom = max(start, buffer.count - needle.count + 1)
            guard try receive() else {
                throw TestSupportError("connection closed before \(what); received: \(String(decoding: buffer, as: UTF8.self).prefix(500))")
            }
        }
    }

    /// Receives until `buffer` holds at least `count` bytes.
    private func fill(toCount count: Int, what: String) throws {
        while buffer.count < count {
            guard try receive() else { throw TestSupportError("connection closed before \(what)") }
        }
    }

    /// Decodes a chunked body starting at `cursor` (RFC 9112 §7.1), skipping extensions and trailers.
    private func readChunkedBody(from cursor: inout Int) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let lineEnd = try fill(untilFound: [13, 10], from: cursor, what: "a chunk size line")
            let line = String(decoding: buffer[cursor..<lineEnd], as: UTF8.self)
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw TestSupportError("bad chunk size line: \(line)")
            }
            cursor = lineEnd + 2
            if size == 0 {
                // Trailer section ends with an empty line.
                while true {
                    let trailerEnd = try fill(untilFound: [13, 10], from: cursor, what: "the chunked trailer")
                    let empty = trailerEnd == cursor
                    cursor = trailerEnd + 2
                    if empty { return body }
                }
            }
            try fill(toCount: cursor + size + 2, what: "a \(size)-byte chunk")
            body.append(contentsOf: buffer[cursor..<(cursor + size)])
            guard buffer[cursor + size] == 13, buffer[cursor + size + 1] == 10 else {
                throw TestSupportError("chunk of \(size) bytes not followed by CRLF")
            }
            cursor += size + 2
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = max(0, start)
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
