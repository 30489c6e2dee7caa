/// Why an upstream call failed. The only error type of `SwitchyardUpstream`; the gateway maps it to a status.
package struct UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Broad failure class.
    package enum Kind: String, Sendable {
        /// Could not resolve or connect (nothing was sent): safe to retry elsewhere.
        case connect
        /// A connect / first-byte / between-chunks / total deadline passed.
        case timeout
        /// The connection broke or the reply was malformed after sending.
        case protocolError = "protocol"
        /// TLS handshake or certificate failure.
        case tls
        /// Cancelled by us (client went away).
        case cancelled
    }

    package var kind: Kind
    /// Human-readable detail without URLs or addresses (safe to show to clients).
    package var message: String

    package init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { "\(kind.rawValue): \(message)" }
}
