/// Incremental, strict HTTP/1.1 request parser (RFC 9112). A value type fed from an ``InputBuffer``:
/// it consumes what it can and says whether a whole request is ready, more bytes are needed, or the
/// input must be rejected. Anything ambiguous is rejected, because a proxy that guesses at framing is a
/// request-smuggling vector.
package struct HTTPRequestParser: Sendable {
    /// Size limits; exceeding one yields 431 (header section) or 413 (body).
    package struct Limits: Sendable {
        package var maxHeaderBytes: Int
        package var maxHeaderCount: Int
        package var maxBodyBytes: Int

        package init(maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 128, maxBodyBytes: Int = 10 * 1024 * 1024) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// What ``parse(_:)`` found.
    package enum Outcome: Sendable {
        case needMore
        case request(HTTPRequest)
        case failure(HTTPParseError)
    }

    private enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed
    }

    package let limits: Limits
    private var state: State = .head
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// Bytes of the current head (or trailer section) already scanned for its terminating empty line.
    private var scanned = 0
    private var trailerBytes = 0

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The head of the request being received, once its header section is complete.
    package var pendingHead: HTTPRequestHead? { head }

    /// Body bytes of the request in progress already taken out of the input buffer.
    package var bufferedBodyBytes: Int { body.count }

    /// True between a complete head and a complete body: the moment to answer `Expect: 100-continue`.
    package var isAwaitingBody: Bool {
        switch state {
        case .head, .failed: return false
        default: return true
        }
    }

    /// Forgets any partial request (used after a response to a request that is being discarded).
    package mutating func reset() {
        state = .head
        head = nil
        body = []
        scanned = 0
        trailerBytes = 0
    }

    /// Consumes bytes from `buffer` and reports progress. After `.failure` the connection must be closed.
    package mutating func parse(_ buffer: inout InputBuffer) -> Outcome {
        while true {
            switch state {
            case .failed:
                return .failure(.bad("Connection is in a failed state."))
            case .head:
                switch parseHead(&buffer) {
                case .needMore: return .needMore
                case .failure(let error): return fail(error)
                case .request: continue
                }
            case .fixedBody(let remaining):
                let take = min(remaining, buffer.readableCount)
                if take > 0 {
                    body.append(contentsOf: buffer.storage[buffer.readerIndex..<(buffer.readerIndex + take)])
                    buffer.consume(take)
                }
                if take < remaining {
                    state = .fixedBody(remaining: remaining - take)
                    return .needMore
                }
                return complete()
            case .chunkSize:
                guard let lineEnd = findLineEnd(buffer, from: buffer.readerIndex) else {
                    if buffer.readableCount > 1024 { return fail(.bad("Chunk size line is too long.", code: "invalid_chunk")) }
                    return .needMore
                }
                switch Self.parseChunkSize(buffer.storage[buffer.readerIndex..<lineEnd.start]) {
                case .failure(let error): return fail(error)
                case .success(let size):
                    buffer.consume(lineEnd.next - buffer.readerIndex)
                    if size == 0 {
                        state = .trailers
                        scanned = buffer.readerIndex
                        trailerBytes = 0
                    } else {
                        if size > limits.maxBodyBytes - body.count { return fail(.bodyTooLarge(limits.maxBodyBytes)) }
                        state = .chunkData(remaining: size)
                    }
                }
            case .chunkData(let remaining):
                let take = min(remaining, buffer.readableCount)
                if take > 0 {
                    body.append(contentsOf: buffer.storage[buffer.readerIndex..<(buffer.readerIndex + take)])
                    buffer.consume(take)
                }
                if take < remaining {
                    state = .chunkData(remaining: remaining - take)
                    return .needMore
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                if buffer.readableCount < 2 { return .needMore }
                let i = buffer.readerIndex
                guard buffer.storage[i] == 0x0D, buffer.storage[i + 1] == 0x0A else {
                    return fail(.bad("Chunk data is not followed by CRLF.", code: "invalid_chunk"))
                }
                buffer.consume(2)
                state = .chunkSize
            case .trailers:
                // Trailer fields are validated like header fields, bounded like them, and then ignored.
                // The search resumes where the previous call stopped (`scanned`): rescanning the whole pending line
                // on every read would be quadratic in a trailer dribbled a byte at a time.
                let from = max(scanned, buffer.readerIndex)
                guard let lineEnd = findLineEnd(buffer, from: from) else {
                    if trailerBytes + buffer.readableCount > limits.maxHeaderBytes { return fail(.headerTooLarge) }
                    if case .failure(let error) = checkNoBareCR(buffer, from: from) { return fail(error) }
                    scanned = max(buffer.readerIndex, buffer.storage.count - 1) // a final CR may pair with the next LF
                    return .needMore
                }
                let line = buffer.storage[buffer.readerIndex..<lineEnd.start]
                trailerBytes += lineEnd.next - buffer.readerIndex
                if trailerBytes > limits.maxHeaderBytes { return fail(.headerTooLarge) }
                buffer.consume(lineEnd.next - buffer.readerIndex)
                scanned = buffer.readerIndex // consume may have compacted the storage
                if line.isEmpty { return complete() }
                if case .failure(let error) = Self.validateFieldLine(line) { return fail(error) }
            }
        }
    }

    // MARK: - head

    private enum HeadStep { case needMore, request, failure(HTTPParseError) }

    private mutating func parseHead(_ buffer: inout InputBuffer) -> HeadStep {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received before the request-line.
        while buffer.readableCount >= 2, buffer.storage[buffer.readerIndex] == 0x0D, buffer.storage[buffer.readerIndex + 1] == 0x0A {
            buffer.consume(2)
            scanned = buffer.readerIndex
        }
        let start = buffer.readerIndex
        scanned = max(scanned, start)
        let end = buffer.storage.count
        var headEnd = -1
        // Find CRLF CRLF; every LF must be preceded by CR and every CR followed by LF.
        let found: HeadStep? = buffer.storage.withUnsafeBufferPointer { bytes -> HeadStep? in
            var i = scanned
            while i < end {
                let byte = bytes[i]
                if byte == 0x0A {
                    if i == start || bytes[i - 1] != 0x0D { return .failure(.bad("Bare LF in header section.")) }
                    if i - start >= 3, bytes[i - 2] == 0x0A, bytes[i - 3] == 0x0D {
                        headEnd = i + 1
                        return nil
                    }
                } else if bytes[i - (i > start ? 1 : 0)] == 0x0D && i > start && byte != 0x0A {
                    return .failure(.bad("Bare CR in header section."))
                }
                i += 1
            }
            return .needMore
        }
        if headEnd < 0 {
            if case .failure(let error)? = found { return .failure(error) }
            // Keep a CR at the very end unscanned: its LF may be in the next read.
            scanned = max(start, end - 3)
            if end - start > limits.maxHeaderBytes { return .failure(.headerTooLarge) }
            return .needMore
        }
        if headEnd - start > limits.maxHeaderBytes { return .failure(.headerTooLarge) }
        let result = buildHead(buffer.storage, start: start, end: headEnd - 2)
        switch result {
        case .failure(let error):
            return .failure(error)
        case .success(let parsed):
            buffer.consume(headEnd - start)
            scanned = 0
            head = parsed
            body = []
            switch parsed.framing {
            case .none: state = .fixedBody(remaining: 0)
            case .contentLength(let length):
                if length > limits.maxBodyBytes { return .failure(.bodyTooLarge(limits.maxBodyBytes)) }
                body.reserveCapacity(length)
                state = .fixedBody(remaining: length)
            case .chunked: state = .chunkSize
            }
            return .request
        }
    }

    /// Builds the head from the lines in `bytes[start..<end]` (each line ends in CRLF; `end` is just past the last one).
    private func buildHead(_ bytes: [UInt8], start: Int, end: Int) -> Result<HTTPRequestHead, HTTPParseError> {
        bytes.withUnsafeBufferPointer { buf -> Result<HTTPRequestHead, HTTPParseError> in
            // Request line: method SP request-target SP HTTP-version CRLF (RFC 9112 §3).
            var lineEnd = start
            while buf[lineEnd] != 0x0D { lineEnd += 1 }
            var i = start
            while i < lineEnd, isTokenChar(buf[i]) { i += 1 }
            if i == start || i >= lineEnd || buf[i] != 0x20 { return .failure(.bad("Malformed request line: invalid method.")) }
            let method = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
            let targetStart = i + 1
            var j = targetStart
            while j < lineEnd, buf[j] > 0x20, buf[j] < 0x7F { j += 1 }
            if j == targetStart || j >= lineEnd || buf[j] != 0x20 { return .failure(.bad("Malformed request line: invalid request target.")) }
            let target = String(decoding: UnsafeBufferPointer(rebasing: buf[targetStart..<j]), as: UTF8.self)
            let versionStart = j + 1
            guard lineEnd - versionStart == 8,
                  buf[versionStart] == 0x48, buf[versionStart + 1] == 0x54, buf[versionStart + 2] == 0x54,
                  buf[versionStart + 3] == 0x50, buf[versionStart + 4] == 0x2F,
                  isDigit(buf[versionStart + 5]), buf[versionStart + 6] == 0x2E, isDigit(buf[versionStart + 7])
            else { return .failure(.bad("Malformed request line: invalid HTTP version.")) }
            let major = Int(buf[versionStart + 5] - 0x30)
            let minor = Int(buf[versionStart + 7] - 0x30)
            guard major == 1, minor <= 1 else {
                return .failure(HTTPParseError(status: 505, message: "HTTP version \(major).\(minor) is not supported.", code: "http_version_not_supported"))
            }
            if target.utf8.first != 0x2F && target != "*" && !target.hasPrefix("http://") && !target.hasPrefix("https://") {
                return .failure(.bad("Malformed request target."))
            }

            var headers = HTTPHeaders()
            var contentLength: Int?
            var chunked = false
            var sawTransferEncoding = false
            var hostCount = 0
            var connectionClose = false
            var connectionKeepAlive = false
            var expectsContinue = false
            var lineStart = lineEnd + 2
            while lineStart < end {
                var k = lineStart
                while buf[k] != 0x0D { k += 1 }
                let line = UnsafeBufferPointer(rebasing: buf[lineStart..<k])
                lineStart = k + 2
                if line.isEmpty { break }
                if headers.count >= limits.maxHeaderCount { return .failure(.tooManyHeaders) }
                // obs-fold (a line starting with whitespace) is rejected (RFC 9112 §5.2).
                if line[0] == 0x20 || line[0] == 0x09 { return .failure(.bad("Obsolete line folding in header section.")) }
                var colon = 0
                while colon < line.count, isTokenChar(line[colon]) { colon += 1 }
                if colon == 0 || colon >= line.count || line[colon] != 0x3A {
                    // Covers empty names, invalid characters and whitespace before the colon (RFC 9112 §5.1).
                    return .failure(.bad("Invalid header field name."))
                }
                var valueStart = colon + 1
                var valueEnd = line.count
                while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
                while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
                for v in valueStart..<valueEnd {
                    let c = line[v]
                    if (c < 0x20 && c != 0x09) || c == 0x7F { return .failure(.bad("Invalid character in header field value.")) }
                }
                let nameBytes = UnsafeBufferPointer(rebasing: line[0..<colon])
                let valueBytes = UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd])
                let name = String(decoding: nameBytes, as: UTF8.self)
                let value = String(decoding: valueBytes, as: UTF8.self)
                headers.add(name: name, value: value)
                switch knownHeader(nameBytes) {
                case .contentLength:
                    guard let parsed = parseContentLength(valueBytes) else { return .failure(.bad("Invalid Content-Length.", code: "invalid_content_length")) }
                    if let existing = contentLength, existing != parsed {
                        return .failure(.bad("Conflicting Content-Length values.", code: "invalid_content_length"))
                    }
                    contentLength = parsed
                case .transferEncoding:
                    if sawTransferEncoding { return .failure(.bad("Repeated Transfer-Encoding header.", code: "invalid_transfer_encoding")) }
                    sawTransferEncoding = true
                    if !equalsIgnoringCase(valueBytes, "chunked") {
                        return .failure(HTTPParseError(status: 501, message: "Transfer-Encoding '\(value)' is not supported; only 'chunked' is.", code: "unsupported_transfer_encoding"))
                    }
                    chunked = true
                case .connection:
                    for token in value.split(separator: ",") {
                        let t = token.trimmingSpaces()
                        if HTTPHeaders.equalsIgnoringCase(t, "close") { connectionClose = true }
                        if HTTPHeaders.equalsIgnoringCase(t, "keep-alive") { connectionKeepAlive = true }
                    }
                case .expect:
                    if equalsIgnoringCase(valueBytes, "100-continue") {
                        // RFC 9110 §10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request.
                        expectsContinue = minor == 1
                    } else {
                        return .failure(HTTPParseError(status: 417, message: "Unsupported expectation '\(value)'.", code: "expectation_failed"))
                    }
                case .host:
                    hostCount += 1
                case .other:
                    break
                }
            }
            if sawTransferEncoding && contentLength != nil {
                return .failure(.bad("Both Content-Length and Transfer-Encoding are present.", code: "ambiguous_framing"))
            }
            if sawTransferEncoding && minor == 0 {
                return .failure(.bad("Transfer-Encoding is not allowed in HTTP/1.0 requests.", code: "invalid_transfer_encoding"))
            }
            if minor == 1 && hostCount != 1 {
                return .failure(.bad(hostCount == 0 ? "Missing Host header." : "Multiple Host headers.", code: "invalid_host"))
            }
            if hostCount > 1 { return .failure(.bad("Multiple Host headers.", code: "invalid_host")) }
            let keepAlive = minor == 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
            let framing: BodyFraming = chunked ? .chunked : (contentLength.map { $0 > 0 ? .contentLength($0) : .none } ?? .none)
            return .success(HTTPRequestHead(method: method, target: target, minorVersion: minor, headers: headers, keepAlive: keepAlive, expectsContinue: expectsContinue, framing: framing))
        }
    }

    // MARK: - helpers

    private mutating func fail(_ error: HTTPParseError) -> Outcome {
        state = .failed
        return .failure(error)
    }

    private mutating func complete() -> Outcome {
        let request = HTTPRequest(head: head!, body: body)
        reset()
        return .request(request)
    }

    private struct LineEnd { var start: Int; var next: Int }

    /// Finds the next CRLF at or after `from`.
    private func findLineEnd(_ buffer: InputBuffer, from: Int) -> LineEnd? {
        var i = from
        let storage = buffer.storage
        while i + 1 < storage.count {
            if storage[i] == 0x0D && storage[i + 1] == 0x0A { return LineEnd(start: i, next: i + 2) }
            i += 1
        }
        return nil
    }

    private func checkNoBareCR(_ buffer: InputBuffer, from: Int) -> Result<Void, HTTPParseError> {
        let storage = buffer.storage
        var i = from
        while i + 1 < storage.count {
            if storage[i] == 0x0D && storage[i + 1] != 0x0A { return .failure(.bad("Bare CR in trailer section.")) }
            if storage[i] == 0x0A && (i == from || storage[i - 1] != 0x0D) { return .failure(.bad("Bare LF in trailer section.")) }
            i += 1
        }
        return .success(())
    }

    /// chunk-size = 1*HEXDIG, optional chunk-ext (RFC 9112 §7.1); sizes above 2^56 are rejected outright.
    static func parseChunkSize(_ line: ArraySlice<UInt8>) -> Result<Int, HTTPParseError> {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let value = hexValue(line[index]) {
            digits += 1
            if digits > 14 { return .failure(.bad("Chunk size is too large.", code: "invalid_chunk")) }
            size = size << 4 | value
            index += 1
        }
        if digits == 0 { return .failure(.bad("Invalid chunk size.", code: "invalid_chunk")) }
        if index < line.endIndex {
            // Only BWS and ';' may follow the size; extensions are ignored but must not contain controls.
            var rest = index
            while rest < line.endIndex, line[rest] == 0x20 || line[rest] == 0x09 { rest += 1 }
            guard rest < line.endIndex, line[rest] == 0x3B else { return .failure(.bad("Invalid chunk size.", code: "invalid_chunk")) }
            for c in line[rest...] where (c < 0x20 && c != 0x09) || c == 0x7F {
                return .failure(.bad("Invalid chunk extension.", code: "invalid_chunk"))
            }
        }
        return .success(size)
    }

    static func validateFieldLine(_ line: ArraySlice<UInt8>) -> Result<Void, HTTPParseError> {
        if line.first == 0x20 || line.first == 0x09 { return .failure(.bad("Obsolete line folding in trailer section.")) }
        var i = line.startIndex
        while i < line.endIndex, isTokenChar(line[i]) { i += 1 }
        if i == line.startIndex || i >= line.endIndex || line[i] != 0x3A { return .failure(.bad("Invalid trailer field name.")) }
        for c in line[(i + 1)...] where (c < 0x20 && c != 0x09) || c == 0x7F {
            return .failure(.bad("Invalid character in trailer field value."))
        }
        return .success(())
    }
}

// MARK: - byte classes

private enum KnownHeader { case contentLength, transferEncoding, connection, expect, host, other }

@inline(__always)
private func knownHeader(_ name: UnsafeBufferPointer<UInt8>) -> KnownHeader {
    switch name.count {
    case 4 where equalsIgnoringCase(name, "host"): return .host
    case 6 where equalsIgnoringCase(name, "expect"): return .expect
    case 10 where equalsIgnoringCase(name, "connection"): return .connection
    case 14 where equalsIgnoringCase(name, "content-length"): return .contentLength
    case 17 where equalsIgnoringCase(name, "transfer-encoding"): return .transferEncoding
    default: return .other
    }
}

@inline(__always)
private func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    guard bytes.count == literal.utf8CodeUnitCount else { return false }
    let lit = literal.utf8Start
    for i in 0..<bytes.count where asciiLower(bytes[i]) != lit[i] { return false }
    return true
}

/// Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of identical values ("5, 5") is accepted, anything else is not.
private func parseContentLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var result: Int?
    var current = 0
    var digits = 0
    func finish() -> Bool {
        if digits == 0 || digits > 18 { return false }
        if let r = result, r != current { return false }
        result = current
        current = 0
        digits = 0
        return true
    }
    var i = 0
    while i < bytes.count {
        let c = bytes[i]
        if isDigit(c) {
            // Count before multiplying: a 19th digit would overflow Int (a trap, or UB under -Ounchecked).
            digits += 1
            if digits > 18 { return nil }
            current = current * 10 + Int(c - 0x30)
        } else if c == 0x2C {
            if !finish() { return nil }
            while i + 1 < bytes.count, bytes[i + 1] == 0x20 || bytes[i + 1] == 0x09 { i += 1 }
        } else {
            return nil
        }
        i += 1
    }
    return finish() ? result : nil
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// The value of a hexadecimal digit (chunk sizes, RFC 9112 §7.1), or nil.
@inline(__always) package func hexValue(_ c: UInt8) -> Int? {
    switch c {
    case 0x30...0x39: return Int(c - 0x30)
    case 0x41...0x46: return Int(c - 0x41 + 10)
    case 0x61...0x66: return Int(c - 0x61 + 10)
    default: return nil
    }
}

/// tchar (RFC 9110 §5.6.2).
@inline(__always)
package func isTokenChar(_ c: UInt8) -> Bool {
    switch c {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
    default: return false
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
