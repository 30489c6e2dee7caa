import CCurl

/// One upstream exchange in flight, whichever client runs it.
package protocol UpstreamTransfer: AnyObject {
    /// Aborts the exchange now; the upstream connection is closed (so the model server frees the slot) and the
    /// handler hears nothing more.
    func cancel()
    /// Resumes delivery after the handler returned false from `upstreamDidReceive`.
    func resume()
}

/// A prepared list of request header lines (`Name: value`), built once per provider and shared by requests.
package final class UpstreamHeaderList {
    let list: UnsafeMutablePointer<curl_slist>?
    /// The same lines as HTTP/1.1 wire bytes (`Name: value\r\n` each), for the built-in client.
    let wire: [UInt8]

    /// `lines` are complete header lines such as `"Authorization: Bearer …"`. An `Expect:` line is always
    /// added: curl would otherwise send `Expect: 100-continue` for large bodies and wait a round trip.
    package init(_ lines: [String]) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines + ["Expect:"] {
            list = curl_slist_append(list, line)
        }
        self.list = list
        var wire: [UInt8] = []
        for line in lines { wire.append(contentsOf: line.utf8); wire.append(0x0D); wire.append(0x0A) }
        self.wire = wire
    }

    deinit { curl_slist_free_all(list) }
}

/// One call to an upstream: URL, method, headers and body, plus optional per-request deadlines (seconds).
package struct UpstreamRequest {
    package var url: String
    package var method: String
    package var headers: UpstreamHeaderList
    package var body: [UInt8]
    /// Total time allowed for the whole exchange; nil = the client's default.
    package var totalTimeout: Double?
    /// Sent as `X-Request-Id` after ``headers`` when not empty (the caller guarantees no CR, LF or NUL in it).
    package var requestID = ""
    /// Monotonic time (loop clock, nanoseconds) by which the first response byte must have arrived, whatever the
    /// client's own first-byte timeout; 0 = none. Enforced by the clients' sweep (every 250 ms), so one timer per
    /// request is not needed for a budget that spans several attempts.
    package var firstByteDeadline: UInt64 = 0

    package init(url: String, method: String = "POST", headers: UpstreamHeaderList, body: [UInt8] = [], totalTimeout: Double? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.totalTimeout = totalTimeout
    }
}

/// Receives one upstream response as it arrives, on the loop thread.
package protocol UpstreamResponseHandler: AnyObject {
    /// The final response head (status ≥ 200) with every header field. Called once, before any body bytes.
    func upstreamDidReceiveHead(_ head: UpstreamResponseHead)
    /// A piece of the body. Return false to pause delivery until ``UpstreamTransfer/resume()``.
    func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// The exchange ended: `nil` on success. Called exactly once unless the transfer was cancelled.
    func upstreamDidFinish(error: UpstreamError?)
}
