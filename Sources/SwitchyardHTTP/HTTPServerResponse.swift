/// The one-request handle a responder uses to answer: either ``send(status:headers:body:)`` once, or
/// ``startStream(status:headers:)`` followed by ``write(_:)`` calls and ``finish()``.
///
/// Back-pressure: ``write(_:)`` returns false once the connection holds more than ``highWaterMark`` unsent
/// bytes; the producer should then pause until ``onWritable`` is called. ``onAbort`` is called if the client
/// goes away (or the connection times out) before the response is finished — the place to cancel upstream work.
package final class HTTPServerResponse {
    /// Unsent bytes above which ``write(_:)`` asks the producer to pause.
    package static let highWaterMark = 256 * 1024

    private weak var connection: HTTPServerConnection?
    /// The request this response answers.
    package let requestHead: HTTPRequestHead
    /// Monotonic time the request became complete, for access logs.
    package let receivedAt: UInt64
    /// Called once the client has drained buffered output after ``write(_:)`` returned false.
    package var onWritable: (() -> Void)?
    /// Called at most once, if the response can no longer be delivered.
    package var onAbort: (() -> Void)?
    /// Called once when the response has been fully handed to the socket (or aborted), for access logging.
    package var onComplete: ((_ status: Int, _ bodyBytes: Int, _ aborted: Bool) -> Void)?
    /// The request's id, set by the responder when it takes the request (logs, echoed header, upstream header).
    package var requestID = ""
    /// The id of the client key the request was authenticated with, set by the responder (never the key itself).
    package var clientKeyID: String?

    package private(set) var status = 0
    package private(set) var bodyBytes = 0
    package private(set) var headSent = false
    package private(set) var finished = false
    private var streaming = false
    private var closeDelimited = false

    init(connection: HTTPServerConnection, head: HTTPRequestHead, receivedAt: UInt64) {
        self.connection = connection
        self.requestHead = head
        self.receivedAt = receivedAt
    }

    /// Sends a complete response with `Content-Length`. HEAD requests get the same head without the body.
    package func send(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]) {
        guard !headSent, let connection else { return }
        self.status = status
        headSent = true
        finished = true
        bodyBytes = body.count
        var fields = headers
        // No Content-Length on 1xx, 204 and 304 (RFC 9110 §8.6); such responses never have a body.
        let bodyless = status < 200 || status == 204 || status == 304
        if !bodyless { fields.add(name: "Content-Length", value: String(body.count)) }
        connection.decorate(&fields, http10: requestHead.minorVersion == 0)
        var head: [UInt8] = []
        head.reserveCapacity(256)
        HTTPResponseEncoder.appendHead(status: status, headers: fields, to: &head)
        head.withUnsafeBytes { headBytes in
            if requestHead.isHead || bodyless {
                connection.enqueue(headBytes, HTTPResponseEncoder.none, HTTPResponseEncoder.none)
            } else {
                body.withUnsafeBytes { connection.enqueue(headBytes, $0, HTTPResponseEncoder.none) }
            }
        }
        connection.responseFinished(self)
        onComplete?(status, body.count, false)
        onComplete = nil
    }

    /// Starts a chunked response (e.g. `text/event-stream`). HEAD requests get the head and an immediate end.
    package func startStream(status: Int, headers: HTTPHeaders = HTTPHeaders()) {
        guard !headSent, let connection else { return }
        self.status = status
        headSent = true
        streaming = true
        var fields = headers
        // HTTP/1.0 clients cannot read chunked bodies: their stream is delimited by closing the connection.
        closeDelimited = requestHead.minorVersion == 0
        if closeDelimited {
            connection.closeAfterFlush()
        } else if !requestHead.isHead {
            fields.add(name: "Transfer-Encoding", value: "chunked")
        }
        connection.decorate(&fields, http10: false)
        var out: [UInt8] = []
        HTTPResponseEncoder.appendHead(status: status, headers: fields, to: &out)
        connection.enqueue(out)
    }

    /// Writes one chunk of a streamed body. Returns false when the producer should wait for ``onWritable``.
    @discardableResult
    package func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard streaming, !finished, let connection else { return false }
        if requestHead.isHead || bytes.isEmpty { return true }
        bodyBytes += bytes.count
        if closeDelimited {
            connection.enqueue(bytes, HTTPResponseEncoder.none, HTTPResponseEncoder.none)
        } else {
            // "<hex size>\r\n" + data + "\r\n", gathered without copying the data.
            var size: (UInt64, UInt64, UInt64) = (0, 0, 0)
            let sizeCount = withUnsafeMutableBytes(of: &size) { HTTPResponseEncoder.writeChunkSize(bytes.count, into: $0) }
            withUnsafeBytes(of: &size) { sizeBytes in
                HTTPResponseEncoder.crlf.withUnsafeBytes { crlf in
                    connection.enqueue(UnsafeRawBufferPointer(rebasing: sizeBytes[..<sizeCount]), bytes, crlf)
                }
            }
        }
        return connection.pendingOutputBytes < Self.highWaterMark
    }

    /// Writes one chunk of a streamed body.
    @discardableResult
    package func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Ends a streamed body with the last chunk.
    package func finish() {
        guard streaming, !finished, let connection else { return }
        finished = true
        if !requestHead.isHead && !closeDelimited { connection.enqueue(HTTPResponseEncoder.lastChunk) }
        connection.responseFinished(self)
        onComplete?(status, bodyBytes, false)
        onComplete = nil
    }

    /// Ends a streamed response abnormally: the connection is closed without the last chunk, so the client
    /// can tell the body is incomplete (RFC 9112 §8).
    package func abortStream() {
        guard !finished, let connection else { return }
        finished = true
        connection.closeAfterFlush()
        connection.responseFinished(self)
        onComplete?(status, bodyBytes, true)
        onComplete = nil
    }

    /// Called by the connection when the client vanished or timed out.
    func connectionLost() {
        guard !finished else { return }
        finished = true
        connection = nil
        let abort = onAbort
        onAbort = nil
        onWritable = nil
        abort?()
        onComplete?(status == 0 ? 499 : status, bodyBytes, true)
        onComplete = nil
    }

    func drained() {
        if !finished { onWritable?() }
    }
}
