/// The parsed request line and header section of one request.
package struct HTTPRequestHead: Sendable {
    /// Method token exactly as sent (methods are case-sensitive, RFC 9110 §9.1).
    package var method: String
    /// The request-target as sent (origin-form `/path?query` in practice).
    package var target: String
    /// Minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    package var minorVersion: Int
    package var headers: HTTPHeaders
    /// Whether the connection may be reused after this request (version default and `Connection`).
    package var keepAlive: Bool
    /// The client sent `Expect: 100-continue`.
    package var expectsContinue: Bool
    /// Declared body framing.
    package var framing: BodyFraming

    /// The path part of the target, without the query string. An absolute-form target
    /// (`http://host/path`, RFC 9112 §3.2.2) is reduced to its path.
    package var path: Substring {
        let utf8 = target.utf8
        var start = utf8.startIndex
        if let first = utf8.first, first != 0x2F {
            // Absolute form: skip "scheme://authority".
            var i = utf8.startIndex
            var slashes = 0
            start = utf8.endIndex
            while i < utf8.endIndex {
                if utf8[i] == 0x2F {
                    slashes += 1
                    if slashes == 3 { start = i; break }
                }
                i = utf8.index(after: i)
            }
            if start == utf8.endIndex { return "/" }
        }
        var end = start
        while end < utf8.endIndex, utf8[end] != 0x3F { end = utf8.index(after: end) }
        return target[start..<end]
    }

    /// The query string (after `?`), if any.
    package var query: Substring? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: q)...]
    }

    package var isHead: Bool { method == "HEAD" }

    package init(method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders(), keepAlive: Bool = true, expectsContinue: Bool = false, framing: BodyFraming = .none) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.framing = framing
    }
}

/// How a request body is delimited (RFC 9112 §6.3).
package enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked
}

/// A complete request: head and the whole (bounded) body.
package struct HTTPRequest: Sendable {
    package var head: HTTPRequestHead
    package var body: [UInt8]

    package init(head: HTTPRequestHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }
}
