import SwitchyardHTTP
import Testing

@Suite("HTTPResponseEncoder writes status lines, headers and chunk framing byte for byte")
struct HTTPResponseEncoderTests {
    static let reasons: [(Int, String)] = [
        (100, "Continue"), (200, "OK"), (201, "Created"), (202, "Accepted"), (204, "No Content"),
        (301, "Moved Permanently"), (302, "Found"), (304, "Not Modified"),
        (400, "Bad Request"), (401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"),
        (405, "Method Not Allowed"), (408, "Request Timeout"), (409, "Conflict"), (411, "Length Required"),
        (413, "Content Too Large"), (415, "Unsupported Media Type"), (417, "Expectation Failed"),
        (422, "Unprocessable Content"), (429, "Too Many Requests"), (431, "Request Header Fields Too Large"),
        (499, "Client Closed Request"), (500, "Internal Server Error"), (501, "Not Implemented"),
        (502, "Bad Gateway"), (503, "Service Unavailable"), (504, "Gateway Timeout"), (505, "HTTP Version Not Supported"),
        (299, "Status 299"), (599, "Status 599"),
    ]

    @Test("each status has its RFC 9110 reason phrase, unknown ones a generic one", arguments: reasons)
    func reasonPhrase(status: Int, reason: String) {
        #expect(HTTPResponseEncoder.reason(status) == reason)
        var out: [UInt8] = []
        HTTPResponseEncoder.appendHead(status: status, headers: HTTPHeaders(), to: &out)
        #expect(out == bytes("HTTP/1.1 \(status) \(reason)\r\n\r\n"))
    }

    @Test("header fields are written in order, duplicates kept, as 'Name: value' lines ending in an empty line")
    func headerSerialisation() {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream")
        headers.add(name: "Set-Cookie", value: "a=1")
        headers.add(name: "Set-Cookie", value: "b=2")
        headers.add(name: "X-Empty", value: "")
        var out: [UInt8] = []
        HTTPResponseEncoder.appendHead(status: 200, headers: headers, to: &out)
        #expect(String(decoding: out, as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Empty: \r\n\r\n")
    }

    @Test("the head is appended after bytes already in the output")
    func appendsToExistingOutput() {
        var out = bytes("HTTP/1.1 100 Continue\r\n\r\n")
        HTTPResponseEncoder.appendHead(status: 204, headers: HTTPHeaders([("Date", "x")]), to: &out)
        #expect(out == bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"))
    }

    static let chunkSizes: [(Int, String)] = [(1, "1"), (9, "9"), (10, "a"), (15, "f"), (16, "10"), (255, "ff"), (256, "100"), (4096, "1000"), (65_537, "10001")]

    @Test("a chunk is lower-case hex size, CRLF, data, CRLF", arguments: chunkSizes)
    func chunkFraming(size: Int, hex: String) {
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var out = bytes("prefix")
        data.withUnsafeBytes { HTTPResponseEncoder.appendChunk($0, to: &out) }
        #expect(out == bytes("prefix") + bytes(hex + "\r\n") + data + bytes("\r\n"))
    }

    @Test("an empty chunk writes nothing, because it would end the body")
    func emptyChunkIsSkipped() {
        var out = bytes("x")
        [UInt8]().withUnsafeBytes { HTTPResponseEncoder.appendChunk($0, to: &out) }
        #expect(out == bytes("x"))
    }

    @Test("the last chunk is a zero size and an empty trailer section")
    func lastChunk() {
        #expect(HTTPResponseEncoder.lastChunk == bytes("0\r\n\r\n"))
    }

    @Test("chunks written by the encoder are read back by the parser as the same body")
    func roundTripsThroughParser() {
        let pieces: [[UInt8]] = [bytes("data: 1\n\n"), Array(repeating: 0x41, count: 300), bytes("x"), Array(repeating: 0x42, count: 16)]
        var stream = bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in pieces { piece.withUnsafeBytes { HTTPResponseEncoder.appendChunk($0, to: &stream) } }
        stream += HTTPResponseEncoder.lastChunk
        let transcript = expectSameParseForEveryFeeding(stream, sampledSplits: 60)
        #expect(transcript.requests.map(\.body) == [pieces.flatMap { $0 }])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }
}
