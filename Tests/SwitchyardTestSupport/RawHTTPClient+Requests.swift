/// Request builders and one-shot exchanges.
extension RawHTTPClient {
    /// The bytes of an HTTP/1.1 request. `Host` is added, and `Content-Length` when there is a body and
    /// the caller set neither it nor `Transfer-Encoding`.
    package static func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil
    ) -> String {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if let body, !framed { text += "Content-Length: \(body.utf8.count)\r\n" }
        if let body, !headers.contains(where: { $0.0.lowercased() == "content-type" }), !body.isEmpty {
            text += "Content-Type: application/json\r\n"
        }
        return text + "\r\n" + (body ?? "")
    }

    /// Opens a connection, sends one request, reads one response and closes.
    package static func exchange(
        port: Int, _ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil
    ) throws -> RawHTTPResponse {
        let client = try RawHTTPClient(port: port)
        try client.send(request(method, target, headers: headers, body: body))
        return try client.readResponse(forHEAD: method == "HEAD")
    }
}
