import Testing
@testable import SwitchyardUpstream

/// What the parser reported for one response.
struct Parsed: Equatable {
    var status: Int?
    var contentType: String?
    var body: [UInt8] = []
    var end: Bool?  // reusable
    var failed = false
    /// `Name: value` per field, when asked for.
    var headers: [String]?
}

/// Feeds `text` to a fresh parser in the given pieces (then EOF if `eof`).
private func parse(_ text: String, splits: [Int] = [], eof: Bool = false, expectsBody: Bool = true, withHeaders: Bool = false) -> Parsed {
    let bytes = Array(text.utf8)
    var parser = HTTP1ResponseParser(expectsBody: expectsBody)
    var result = Parsed()
    var cuts = [0] + splits.filter { $0 > 0 && $0 < bytes.count } + [bytes.count]
    cuts.sort()
    let onEvent: (HTTP1ResponseParser.Event) -> Void = { event in
        switch event {
        case .head(let head):
            result.status = head.status
            result.contentType = head.contentType
            if withHeaders { result.headers = head.headers.map { "\($0.name): \($0.value)" } }
        case .end(let reusable):
            result.end = reusable
        }
    }
    do {
        for (start, end) in zip(cuts, cuts.dropFirst()) {
            try bytes[start..<end].withUnsafeBytes { piece in
                try parser.feed(piece, events: onEvent, body: { result.body.append(contentsOf: $0) })
            }
        }
        if eof { try parser.finishAtEOF(events: onEvent) }
    } catch {
        result.failed = true
    }
    return result
}

@Suite("Upstream response parser")
struct HTTP1ResponseParserTests {
    fileprivate static let cases: [(String, Parsed)] = [
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello",
         Parsed(status: 200, contentType: "application/json", body: Array("hello".utf8), end: true)),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n5;x=1\r\ndata:\r\n3\r\n ok\r\n0\r\nX-Trailer: t\r\n\r\n",
         Parsed(status: 200, contentType: "text/event-stream", body: Array("data: ok".utf8), end: true)),
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
         Parsed(status: 201, contentType: nil, body: [], end: true)),
        ("HTTP/1.1 204 No Content\r\n\r\n", Parsed(status: 204, end: true)),
        ("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno",
         Parsed(status: 503, body: Array("no".utf8), end: false)),
        ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", Parsed(status: 200, body: Array("hi".utf8), end: false)),
    ]

    @Test("every framing parses identically however the bytes are split")
    func splitsAnywhere() {
        for (text, expected) in Self.cases {
            #expect(parse(text) == expected, "whole: \(text.debugDescription)")
            for split in 1..<text.utf8.count {
                #expect(parse(text, splits: [split]) == expected, "split at \(split): \(text.debugDescription)")
            }
            let everyByte = Array(1..<text.utf8.count)
            #expect(parse(text, splits: everyByte) == expected, "byte by byte: \(text.debugDescription)")
        }
    }

    @Test("every header field of the final head is delivered in arrival order, duplicates and spelling kept")
    func allHeaderFields() {
        let text = "HTTP/1.1 100 Continue\r\nX-Interim: dropped\r\n\r\n"
            + "HTTP/1.1 429 Too Many Requests\r\nRetry-After:  7 \r\nx-ratelimit-remaining-requests:0\r\n"
            + "Set-Cookie: a=1\r\nContent-Type: application/json\r\nSet-Cookie: b=2\r\nX-Empty:\r\n"
            + "Content-Length: 2\r\n\r\n{}"
        let expected = Parsed(
            status: 429, contentType: "application/json", body: Array("{}".utf8), end: true,
            headers: [
                "Retry-After: 7", "x-ratelimit-remaining-requests: 0", "Set-Cookie: a=1", "Content-Type: application/json",
                "Set-Cookie: b=2", "X-Empty: ", "Content-Length: 2",
            ])
        #expect(parse(text, withHeaders: true) == expected)
        for split in 1..<text.utf8.count {
            #expect(parse(text, splits: [split], withHeaders: true) == expected, "split at \(split)")
        }
        #expect(parse(text, splits: Array(1..<text.utf8.count), withHeaders: true) == expected, "byte by byte")
    }

    @Test("bytes arriving with the end of a response make the connection not reusable", arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "EXTRA", Parsed(status: 200, body: Array("ok".utf8), end: false)),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "junk", Parsed(status: 200, body: Array("ok".utf8), end: false)),
        ("HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 200 OK\r\n", Parsed(status: 204, end: false)),
    ])
    fileprivate func extraBytesAfterResponse(response: String, extra: String, expected: Parsed) {
        let text = response + extra
        let boundary = response.utf8.count
        for split in 0..<text.utf8.count where split != boundary {
            #expect(parse(text, splits: [split]) == expected, "split at \(split)")
        }
        // Split exactly there, the response ended cleanly; the connection notices the rest arriving while idle.
        #expect(parse(text, splits: [boundary]).end == true)
    }

    @Test("a body without length or chunking runs until the connection closes and is never reused")
    func closeDelimited() {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"
        #expect(parse(text, eof: true) == Parsed(status: 200, contentType: "text/plain", body: Array("until the end".utf8), end: false))
    }

    @Test("a connection closed before the response is complete is an error")
    func truncated() {
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", eof: true).failed)
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Le", eof: true).failed)
    }

    @Test("malformed responses are rejected", arguments: [
        "HTTX/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
    ])
    func malformed(_ text: String) {
        #expect(parse(text).failed)
    }

    @Test("a response to HEAD has no body even with a Content-Length")
    func headResponse() {
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", expectsBody: false) == Parsed(status: 200, end: true))
    }
}
