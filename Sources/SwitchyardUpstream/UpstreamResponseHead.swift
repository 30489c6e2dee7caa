import Glibc
import SwitchyardHTTP

/// The final head of an upstream response (status ≥ 200), as both clients deliver it to an
/// ``UpstreamResponseHandler``: the status and every header field, hop-by-hop ones included (the gateway filters).
///
/// The fields are kept as their wire bytes (`Name: value\r\n` lines, one copy of the head) and turned into strings
/// only on demand: most heads are read for two or three fields, and making a string pair of every field measured
/// ~1,500 instructions per proxied request.
package struct UpstreamResponseHead: Sendable {
    /// The status code.
    package var status: Int
    /// The first `Content-Type` value, if any (found once, by the parser when it can, not per use).
    package let contentType: String?
    /// Header lines as received, each ending in CRLF, names spelled as received, duplicates kept.
    private let block: [UInt8]

    /// A head from decoded fields; `contentType` is looked up in `headers` unless the caller already found it.
    package init(status: Int, headers: HTTPHeaders = HTTPHeaders(), contentType: String?? = nil) {
        self.status = status
        var bytes: [UInt8] = []
        for field in headers {
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(0x3A)
            bytes.append(0x20)
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(0x0D)
            bytes.append(0x0A)
        }
        self.block = bytes
        self.contentType = contentType ?? headers["Content-Type"]
    }

    /// A head from the header lines of a response (`Name: value\r\n` each, already validated by the parser).
    package init(status: Int, headerLines: UnsafeRawBufferPointer, contentType: String?) {
        self.status = status
        self.block = Array(headerLines)
        self.contentType = contentType
    }

    /// Every field, decoded, in arrival order.
    package var headers: HTTPHeaders {
        var result = HTTPHeaders()
        forEachField { name, value in
            result.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }
        return result
    }

    /// Calls `body` with the name and the value (surrounding whitespace trimmed) of every field, without copying.
    package func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        block.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var lineStart = 0
            // memchr for each line end and colon: this runs once per proxied response.
            while lineStart < bytes.count, let hit = memchr(base + lineStart, 0x0A, bytes.count - lineStart) {
                let lf = base.distance(to: UnsafeRawPointer(hit))
                let lineEnd = lf > lineStart && bytes[lf - 1] == 0x0D ? lf - 1 : lf
                if lineEnd > lineStart, let colonHit = memchr(base + lineStart, 0x3A, lineEnd - lineStart) {
                    let colon = base.distance(to: UnsafeRawPointer(colonHit))
                    var valueStart = colon + 1
                    while valueStart < lineEnd, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
                    var valueEnd = lineEnd
                    while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
                    body(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colon]), UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
                }
                lineStart = lf + 1
            }
        }
    }
}
