/// One HTTP/1.1 response as read off the wire by `RawHTTPClient` (chunked bodies already decoded).
package struct RawHTTPResponse: Sendable {
    /// Status code, e.g. 200.
    package var status: Int
    /// Reason phrase, e.g. "OK".
    package var reason: String
    /// Header fields in wire order, names as sent.
    package var headers: [(name: String, value: String)]
    /// The body: de-chunked when the response used chunked transfer coding.
    package var body: [UInt8]

    /// The first value of header `name` (case-insensitive), or nil.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body decoded as UTF-8.
    package var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON.
    package func json() throws -> TestJSON { try TestJSON(parsing: body) }

    /// The `error` object of an OpenAI-shaped error body, or nil if the body does not have that shape.
    package var openAIError: TestJSON? {
        guard let error = (try? json())?["error"], error.object != nil, error["message"]?.string != nil else { return nil }
        return error
    }
}
