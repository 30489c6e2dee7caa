import SwitchyardHTTP
import Testing

@Suite("HTTPRequestParser accepts valid requests however the bytes arrive")
struct HTTPRequestParserTests {
    @Test("a simple GET is parsed with its headers in order")
    func simpleGet() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "GET /v1/models?limit=2 HTTP/1.1\r\nHost: localhost:8080\r\nAccept: application/json\r\n\r\n"
        ))
        #expect(transcript.requests == [.make(target: "/v1/models?limit=2", headers: ["Host: localhost:8080", "Accept: application/json"])])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("a POST with Content-Length gets exactly that many body bytes")
    func postWithContentLength() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"model\":\"m\",\"messages\":[]}"
        ))
        #expect(transcript.requests == [.make(
            method: "POST", target: "/v1/chat/completions",
            headers: ["Host: a", "Content-Type: application/json", "Content-Length: 27"],
            framing: .contentLength(27), body: "{\"model\":\"m\",\"messages\":[]}"
        )])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("a chunked body with extensions and trailers is decoded and the trailers are dropped")
    func chunkedWithExtensionsAndTrailers() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n"
                + "1A ; ext=\"quoted\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                + "0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
        ))
        #expect(transcript.requests == [.make(
            method: "POST", target: "/upload", headers: ["Host: a", "Transfer-Encoding: chunked"],
            framing: .chunked, body: "helloabcdefghijklmnopqrstuvwxyz"
        )])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("a large body and large trailers fed in pieces parse like the whole, then the next request follows")
    func largeChunkedBodyAndTrailers() {
        let body = (0..<70_000).map { UInt8(0x61 + $0 % 26) }
        let trailer = String(repeating: "t", count: 20_000)
        let input = bytes("POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n11170\r\n") + body
            + bytes("\r\n0\r\nX-A: \(trailer)\r\nX-B: \(trailer)\r\nX-C: \(trailer)\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n")
        let transcript = expectSameParseForEveryFeeding(input, limits: .init(maxHeaderBytes: 128 * 1024), sampledSplits: 40)
        #expect(transcript.requests.map(\.target) == ["/big", "/next"])
        #expect(transcript.requests.first?.body == body)
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("two pipelined requests in one buffer are both parsed, in order")
    func twoPipelined() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /b HTTP/1.1\r\nHost: a\r\n\r\n"
        ))
        #expect(transcript.requests == [
            .make(method: "POST", target: "/a", headers: ["Host: a", "Content-Length: 3"], framing: .contentLength(3), body: "abc"),
            .make(target: "/b", headers: ["Host: a"]),
        ])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("three pipelined requests (fixed, chunked, closing) are parsed, in order, and a partial fourth waits")
    func threePipelined() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
                + "\r\n" // a stray CRLF after a body, as some clients send, is tolerated
                + "DELETE /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                + "GET /4 HTTP/1.1\r\nHo"
        ))
        #expect(transcript.requests == [
            .make(target: "/1", headers: ["Host: a"]),
            .make(method: "POST", target: "/2", headers: ["Host: a", "Transfer-Encoding: chunked"], framing: .chunked, body: "hi"),
            .make(method: "DELETE", target: "/3", headers: ["Host: a", "Connection: close"], keepAlive: false),
        ])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("HTTP/1.0 closes by default and keeps the connection alive only when asked")
    func http10KeepAlive() {
        let closing = expectSameParseForEveryFeeding(bytes("GET /old HTTP/1.0\r\n\r\n"))
        #expect(closing.requests == [.make(target: "/old", minorVersion: 0, headers: [], keepAlive: false)])

        let keepingAlive = expectSameParseForEveryFeeding(bytes("GET /old HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        #expect(keepingAlive.requests == [.make(target: "/old", minorVersion: 0, headers: ["Connection: Keep-Alive"], keepAlive: true)])

        let both = expectSameParseForEveryFeeding(bytes("GET /old HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"))
        #expect(both.requests.map(\.keepAlive) == [false])
    }

    @Test("Connection: close ends keep-alive on HTTP/1.1, among other tokens and in any case")
    func connectionClose() {
        let plain = expectSameParseForEveryFeeding(bytes("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
        #expect(plain.requests.map(\.keepAlive) == [false])

        let listed = expectSameParseForEveryFeeding(bytes("GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, \tCLOSE \r\n\r\n"))
        #expect(listed.requests.map(\.keepAlive) == [false])

        let other = expectSameParseForEveryFeeding(bytes("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n"))
        #expect(other.requests.map(\.keepAlive) == [true])
    }

    @Test("Expect: 100-continue is reported, and the parser awaits the body once the head is complete")
    func expectContinue() {
        let head = bytes("POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        let transcript = expectSameParseForEveryFeeding(head + bytes("hello"))
        #expect(transcript.requests == [.make(
            method: "POST", target: "/e", headers: ["Host: a", "Expect: 100-continue", "Content-Length: 5"],
            expectsContinue: true, framing: .contentLength(5), body: "hello"
        )])

        // Every strict prefix of the head leaves the parser waiting for the head, not the body.
        for cut in 1..<head.count {
            let partial = HTTPRequestParser.transcript(of: [Array(head[..<cut])])
            #expect(partial == ParseTranscript(requests: [], ending: .needMore(awaitingBody: false)), "cut at \(cut)")
        }

        var parser = HTTPRequestParser.make()
        var buffer = InputBuffer(head)
        guard case .needMore = parser.parse(&buffer) else {
            Issue.record("A complete head without its body must ask for more.")
            return
        }
        #expect(parser.isAwaitingBody)
        #expect(parser.pendingHead?.expectsContinue == true)
        #expect(parser.pendingHead?.framing == .contentLength(5))
        #expect(buffer.readableCount == 0)

        buffer.append(bytes("hel"))
        guard case .needMore = parser.parse(&buffer) else {
            Issue.record("Part of the body must ask for more.")
            return
        }
        #expect(parser.isAwaitingBody)

        buffer.append(bytes("lo"))
        guard case .request(let request) = parser.parse(&buffer) else {
            Issue.record("The whole body must complete the request.")
            return
        }
        #expect(request.body == bytes("hello"))
        #expect(!parser.isAwaitingBody)
        #expect(parser.pendingHead == nil)
    }

    @Test("Expect: 100-continue without a body completes at once")
    func expectContinueWithoutBody() {
        let transcript = expectSameParseForEveryFeeding(bytes("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n"))
        #expect(transcript.requests.map(\.expectsContinue) == [true])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("Expect: 100-continue is ignored on HTTP/1.0 (RFC 9110 §10.1.1)")
    func expectContinueIgnoredOnHTTP10() {
        let transcript = expectSameParseForEveryFeeding(bytes("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"))
        #expect(transcript.requests.map(\.expectsContinue) == [false])
        #expect(transcript.requests.map(\.body) == [bytes("hi")])
    }

    @Test("empty lines before the request line are tolerated (RFC 9112 §2.2)")
    func leadingEmptyLines() {
        let transcript = expectSameParseForEveryFeeding(bytes("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(transcript.requests == [.make(headers: ["Host: a"])])
        #expect(transcript.ending == .needMore(awaitingBody: false))
    }

    @Test("an identical duplicate Content-Length, as a repeated field or a list, is accepted")
    func identicalDuplicateContentLength() {
        let repeated = expectSameParseForEveryFeeding(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"))
        #expect(repeated.requests.map(\.framing) == [.contentLength(3)])
        #expect(repeated.requests.map(\.body) == [bytes("abc")])

        let listed = expectSameParseForEveryFeeding(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc"))
        #expect(listed.requests.map(\.body) == [bytes("abc")])
    }

    @Test("Content-Length: 0 means no body")
    func zeroContentLength() {
        let transcript = expectSameParseForEveryFeeding(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(transcript.requests.map(\.framing) == [.none, .none])
        #expect(transcript.requests.map(\.method) == ["POST", "GET"])
    }

    @Test("header names are matched case-insensitively, for framing, Host, Connection and Expect")
    func caseInsensitiveNames() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "PUT /x HTTP/1.1\r\nhOsT: a\r\ncOnTeNt-LeNgTh: 2\r\nCONNECTION: CLOSE\r\nEXPECT: 100-CONTINUE\r\n\r\nhi"
        ))
        #expect(transcript.requests == [.make(
            method: "PUT", target: "/x", headers: ["hOsT: a", "cOnTeNt-LeNgTh: 2", "CONNECTION: CLOSE", "EXPECT: 100-CONTINUE"],
            keepAlive: false, expectsContinue: true, framing: .contentLength(2), body: "hi"
        )])

        let chunked = expectSameParseForEveryFeeding(bytes("POST / HTTP/1.1\r\nHOST: a\r\ntransfer-encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"))
        #expect(chunked.requests.map(\.body) == [bytes("x")])
    }

    @Test("whitespace around field values is trimmed, inner whitespace and obs-text are kept")
    func valueWhitespace() {
        let transcript = expectSameParseForEveryFeeding(
            bytes("GET / HTTP/1.1\r\nHost:a\r\nX-Spaces: \t inner  value \t\r\nX-Empty:\r\nX-Latin: caf") + [0xC3, 0xA9] + bytes("\r\n\r\n")
        )
        #expect(transcript.requests.first?.headers == ["Host: a", "X-Spaces: inner  value", "X-Empty: ", "X-Latin: café"])
    }

    @Test("absolute-form and asterisk-form targets are accepted")
    func otherTargetForms() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "GET http://example.com/a HTTP/1.1\r\nHost: example.com\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"
        ))
        #expect(transcript.requests.map(\.target) == ["http://example.com/a", "*"])
    }

    @Test("a head of exactly maxHeaderBytes and exactly maxHeaderCount fields is accepted")
    func limitsAreInclusive() {
        let head = "GET / HTTP/1.1\r\nHost: a\r\nX-B: 1\r\nX-C: 1\r\n\r\n"
        let limits = HTTPRequestParser.Limits(maxHeaderBytes: head.utf8.count, maxHeaderCount: 3, maxBodyBytes: 4)
        let transcript = expectSameParseForEveryFeeding(bytes(head), limits: limits)
        #expect(transcript.requests.count == 1)

        let bodyLimit = HTTPRequestParser.Limits(maxBodyBytes: 4)
        let chunked = expectSameParseForEveryFeeding(
            bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"), limits: bodyLimit
        )
        #expect(chunked.requests.map(\.body) == [bytes("abcd")])
        let fixed = expectSameParseForEveryFeeding(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd"), limits: bodyLimit)
        #expect(fixed.requests.map(\.body) == [bytes("abcd")])
    }

    @Test("the head splits the target into path and query")
    func pathAndQuery() {
        let head = HTTPRequestHead(method: "GET", target: "/v1/models?limit=2&x")
        #expect(head.path == "/v1/models")
        #expect(head.query == "limit=2&x")
        let bare = HTTPRequestHead(method: "HEAD", target: "/health")
        #expect(bare.path == "/health")
        #expect(bare.query == nil)
        #expect(bare.isHead)
    }

    @Test("reset forgets a request whose body is still pending")
    func resetForgetsPartialRequest() {
        var parser = HTTPRequestParser.make()
        var buffer = InputBuffer.make("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        guard case .needMore = parser.parse(&buffer) else {
            Issue.record("A partial body must ask for more.")
            return
        }
        #expect(parser.isAwaitingBody)
        parser.reset()
        #expect(!parser.isAwaitingBody)
        #expect(parser.pendingHead == nil)

        var next = InputBuffer.make("GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
        guard case .request(let request) = parser.parse(&next) else {
            Issue.record("After reset a new request must parse.")
            return
        }
        #expect(request.head.target == "/next")
        #expect(request.body.isEmpty)
    }

    @Test("after a failure the parser keeps failing, whatever arrives next")
    func failureIsSticky() {
        var parser = HTTPRequestParser.make()
        var buffer = InputBuffer.make("GET / HTTP/1.1\nHost: a\r\n\r\n")
        guard case .failure(let first) = parser.parse(&buffer) else {
            Issue.record("A bare LF must fail.")
            return
        }
        #expect(first.status == 400)
        #expect(!parser.isAwaitingBody)
        for _ in 0..<3 {
            buffer.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
            guard case .failure(let again) = parser.parse(&buffer) else {
                Issue.record("A failed parser must not parse again.")
                return
            }
            #expect(again.status == 400)
        }
    }
}

/// A request the parser must reject, and how.
struct Rejection: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var status: Int
    var code: String
    var limits = HTTPRequestParser.Limits()

    init(_ name: String, _ input: String, _ status: Int, _ code: String, limits: HTTPRequestParser.Limits = .init()) {
        self.name = name
        self.input = bytes(input)
        self.status = status
        self.code = code
        self.limits = limits
    }

    var testDescription: String { name }
}

@Suite("HTTPRequestParser rejects ambiguous or malformed requests with a precise status")
struct HTTPRequestParserRejectionTests {
    static let framing: [Rejection] = [
        Rejection("Content-Length then Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "ambiguous_framing"),
        Rejection("Transfer-Encoding then Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", 400, "ambiguous_framing"),
        Rejection("differing duplicate Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "invalid_content_length"),
        Rejection("differing Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", 400, "invalid_content_length"),
        Rejection("non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400, "invalid_content_length"),
        Rejection("hexadecimal Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400, "invalid_content_length"),
        Rejection("negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "invalid_content_length"),
        Rejection("signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400, "invalid_content_length"),
        Rejection("empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400, "invalid_content_length"),
        Rejection("Content-Length with inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400, "invalid_content_length"),
        Rejection("Content-Length list with an empty member", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3,\r\n\r\nabc", 400, "invalid_content_length"),
        Rejection("overflowing Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "invalid_content_length"),
        Rejection("Transfer-Encoding gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported_transfer_encoding"),
        Rejection("Transfer-Encoding chunked, gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501, "unsupported_transfer_encoding"),
        Rejection("Transfer-Encoding gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "unsupported_transfer_encoding"),
        Rejection("Transfer-Encoding identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501, "unsupported_transfer_encoding"),
        Rejection("repeated Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "invalid_transfer_encoding"),
        Rejection("Transfer-Encoding on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "invalid_transfer_encoding"),
    ]

    static let chunks: [Rejection] = [
        Rejection("chunk size zz", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "invalid_chunk"),
        Rejection("empty chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk size of 15 hex digits", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n100000000000000\r\n", 400, "invalid_chunk"),
        Rejection("chunk size -1", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400, "invalid_chunk"),
        Rejection("chunk size 0x5", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk size with trailing garbage", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk size ended by a bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk extension with a control character", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\u{1}b\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk data followed by other bytes", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk data followed by a bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk data longer than its size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunk"),
        Rejection("chunk size line over 1 KiB", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "e", count: 1100), 400, "invalid_chunk"),
        Rejection("trailer with an invalid name", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: x\r\n\r\n", 400, "bad_request"),
        Rejection("trailer with obs-fold", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n", 400, "bad_request"),
        Rejection("trailer with a bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\nY: b\r\n\r\n", 400, "bad_request"),
        Rejection("trailer with NUL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\u{0}b\r\n\r\n", 400, "bad_request"),
    ]

    static let fields: [Rejection] = [
        Rejection("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "bad_request"),
        Rejection("empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400, "bad_request"),
        Rejection("space inside a field name", "GET / HTTP/1.1\r\nHost: a\r\na b: c\r\n\r\n", 400, "bad_request"),
        Rejection("@ in a field name", "GET / HTTP/1.1\r\nHost: a\r\nx@y: z\r\n\r\n", 400, "bad_request"),
        Rejection("parenthesis in a field name", "GET / HTTP/1.1\r\nHost: a\r\nx(y): z\r\n\r\n", 400, "bad_request"),
        Rejection("quote in a field name", "GET / HTTP/1.1\r\nHost: a\r\nx\"y: z\r\n\r\n", 400, "bad_request"),
        Rejection("non-ASCII field name", "GET / HTTP/1.1\r\nHost: a\r\nnamé: z\r\n\r\n", 400, "bad_request"),
        Rejection("line without a colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, "bad_request"),
        Rejection("obs-fold with spaces", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  continued\r\n\r\n", 400, "bad_request"),
        Rejection("obs-fold with a tab", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\tcontinued\r\n\r\n", 400, "bad_request"),
        Rejection("whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "bad_request"),
        Rejection("CR inside a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400, "bad_request"),
        Rejection("bare LF inside a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n", 400, "bad_request"),
        Rejection("NUL inside a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", 400, "bad_request"),
        Rejection("SOH inside a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", 400, "bad_request"),
        Rejection("ESC inside a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1B}b\r\n\r\n", 400, "bad_request"),
        Rejection("DEL inside a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}b\r\n\r\n", 400, "bad_request"),
        Rejection("bare LF line endings", "GET / HTTP/1.1\nHost: a\n\n", 400, "bad_request"),
        Rejection("a bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bad_request"),
        Rejection("a bare LF ending one field", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400, "bad_request"),
        Rejection("a bare CR ending a line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("a bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("missing Host on HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, "invalid_host"),
        Rejection("two Hosts on HTTP/1.1", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "invalid_host"),
        Rejection("two identical Hosts on HTTP/1.1", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400, "invalid_host"),
        Rejection("two Hosts on HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400, "invalid_host"),
        Rejection("unsupported expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417, "expectation_failed"),
    ]

    static let requestLines: [Rejection] = [
        Rejection("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "http_version_not_supported"),
        Rejection("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, "http_version_not_supported"),
        Rejection("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505, "http_version_not_supported"),
        Rejection("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("two-digit version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("no version", "GET /\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("one word", "HELLO\r\n\r\n", 400, "bad_request"),
        Rejection("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("trailing word", "GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("method with a non-token character", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("relative target", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("control character in the target", "GET /a\u{1}b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("tab as a separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Rejection("empty request line after the tolerated CRLFs", "\r\n\r\n \r\n\r\n", 400, "bad_request"),
    ]

    static let limits: [Rejection] = [
        Rejection(
            "header section over the limit, terminated",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 300) + "\r\n\r\n", 431, "header_too_large",
            limits: .init(maxHeaderBytes: 256)
        ),
        Rejection(
            "header section over the limit, unterminated",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 300), 431, "header_too_large",
            limits: .init(maxHeaderBytes: 256)
        ),
        Rejection(
            "head one byte over the limit",
            "GET / HTTP/1.1\r\nHost: a\r\nX-B: 12\r\n\r\n", 431, "header_too_large",
            limits: .init(maxHeaderBytes: 35)
        ),
        Rejection(
            "too many header fields",
            "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431, "header_too_large",
            limits: .init(maxHeaderCount: 4)
        ),
        Rejection(
            "trailer section over the limit",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + String(repeating: "t", count: 120) + "\r\n\r\n", 431, "header_too_large",
            limits: .init(maxHeaderBytes: 100)
        ),
        Rejection(
            "Content-Length over the body limit, before any body byte",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n", 413, "request_too_large",
            limits: .init(maxBodyBytes: 1024)
        ),
        Rejection(
            "chunked body growing past the limit",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3ff\r\n" + String(repeating: "c", count: 1023) + "\r\n2\r\n", 413, "request_too_large",
            limits: .init(maxBodyBytes: 1024)
        ),
        Rejection(
            "one huge chunk",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffff\r\n", 413, "request_too_large",
            limits: .init(maxBodyBytes: 1024)
        ),
    ]

    private func expectRejected(_ rejection: Rejection) {
        let transcript = expectSameParseForEveryFeeding(rejection.input, limits: rejection.limits, sampledSplits: 200)
        #expect(transcript.requests.isEmpty)
        #expect(transcript.ending == .failure(status: rejection.status, code: rejection.code), "\(rejection.name)")
    }

    @Test("ambiguous or unsupported body framing is rejected", arguments: framing)
    func rejectsFraming(_ rejection: Rejection) { expectRejected(rejection) }

    @Test("malformed chunks and trailers are rejected", arguments: chunks)
    func rejectsChunks(_ rejection: Rejection) { expectRejected(rejection) }

    @Test("malformed header fields are rejected", arguments: fields)
    func rejectsFields(_ rejection: Rejection) { expectRejected(rejection) }

    @Test("malformed request lines and unsupported versions are rejected", arguments: requestLines)
    func rejectsRequestLines(_ rejection: Rejection) { expectRejected(rejection) }

    @Test("requests over a size limit are rejected", arguments: limits)
    func rejectsOversized(_ rejection: Rejection) { expectRejected(rejection) }

    @Test("a rejection after a valid pipelined request still delivers that request first")
    func rejectionAfterValidRequest() {
        let transcript = expectSameParseForEveryFeeding(bytes(
            "GET /ok HTTP/1.1\r\nHost: a\r\n\r\nPOST /bad HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
        ))
        #expect(transcript.requests.map(\.target) == ["/ok"])
        #expect(transcript.ending == .failure(status: 400, code: "ambiguous_framing"))
    }
}
