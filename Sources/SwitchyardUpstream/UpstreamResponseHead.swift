import SwitchyardHTTP

/// The final head of an upstream response (status ≥ 200), as both clients deliver it to an
/// ``UpstreamResponseHandler``: the status and every header field, hop-by-hop ones included (the gateway filters).
package struct UpstreamResponseHead: Sendable {
    /// The status code.
    package var status: Int
    /// Every header field in arrival order, names spelled as received, duplicates kept.
    package var headers: HTTPHeaders

    /// The first `Content-Type` value, if any.
    package var contentType: String? { headers["Content-Type"] }

    package init(status: Int, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.headers = headers
    }
}
