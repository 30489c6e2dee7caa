/// Serialises response heads and chunked-transfer framing into bytes.
package enum HTTPResponseEncoder {
    /// Reason phrase for the statuses we send.
    package static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 499: return "Client Closed Request"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }

    private static let statusLine200: [UInt8] = Array("HTTP/1.1 200 OK\r\n".utf8)

    /// Appends `HTTP/1.1 <status> <reason>` and the header lines (with the terminating empty line) to `out`.
    package static func appendHead(status: Int, headers: HTTPHeaders, to out: inout [UInt8]) {
        if status == 200 {
            out.append(contentsOf: statusLine200)
        } else {
            appendUTF8("HTTP/1.1 \(status) \(reason(status))\r\n", to: &out)
        }
        for field in headers {
            // Never let a value (or name) smuggle a line break or NUL onto the wire (response splitting).
            if !isSafe(field.name) || !isSafe(field.value) { continue }
            appendUTF8(field.name, to: &out)
            out.append(0x3A)
            out.append(0x20)
            appendUTF8(field.value, to: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Appends a string's UTF-8 bytes in one copy (native strings are contiguous).
    @inline(__always)
    static func appendUTF8(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// Appends one chunk (`size CRLF data CRLF`) to `out`. Empty data is skipped: an empty chunk would end the body.
    @inline(__always)
    package static func appendChunk(_ data: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        if data.isEmpty { return }
        var size: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &size) { writeChunkSize(data.count, into: $0) }
        withUnsafeBytes(of: &size) { out.append(contentsOf: $0[..<count]) }
        out.append(contentsOf: data)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// An empty buffer, for the unused parts of a gathered write.
    static var none: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    @inline(__always)
    private static func isSafe(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 && (byte == 0x0D || byte == 0x0A || byte == 0x00) { return false }
            return true
        }
    }

    static let crlf: [UInt8] = [0x0D, 0x0A]

    /// Writes `<hex size>\r\n` into `buffer` (at least 18 bytes); returns the number of bytes written.
    @inline(__always)
    static func writeChunkSize(_ size: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let digits: StaticString = "0123456789abcdef"
        var shift = max(0, (Int.bitWidth - size.leadingZeroBitCount + 3) / 4 * 4 - 4)
        var count = 0
        while shift >= 0 {
            buffer[count] = digits.utf8Start[(size >> shift) & 0xF]
            count += 1
            shift -= 4
        }
        buffer[count] = 0x0D
        buffer[count + 1] = 0x0A
        return count + 2
    }

    /// The last chunk with an empty trailer section.
    package static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}
