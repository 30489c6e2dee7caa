/// Why a request was rejected by the HTTP layer: status to answer with, a client-facing message and a
/// stable machine-readable code. The only error type of `SwitchyardHTTP`.
package struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package var status: Int
    package var message: String
    package var code: String

    package init(status: Int, message: String, code: String) {
        self.status = status
        self.message = message
        self.code = code
    }

    package var description: String { "\(status) \(code): \(message)" }

    static func bad(_ message: String, code: String = "bad_request") -> HTTPParseError {
        HTTPParseError(status: 400, message: message, code: code)
    }

    static let headerTooLarge = HTTPParseError(status: 431, message: "Request header section is too large.", code: "header_too_large")
    static let tooManyHeaders = HTTPParseError(status: 431, message: "Request has too many header fields.", code: "header_too_large")
    static func bodyTooLarge(_ limit: Int) -> HTTPParseError {
        HTTPParseError(status: 413, message: "Request body exceeds the limit of \(limit) bytes.", code: "request_too_large")
    }
}
