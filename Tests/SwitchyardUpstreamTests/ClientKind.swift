import Testing

/// Which of the two clients behind ``UpstreamClient`` a test drives.
enum ClientKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The built-in HTTP/1.1 client (plain HTTP at an IP address).
    case builtIn
    /// libcurl (forced for the same loopback URL).
    case curl

    var testDescription: String { rawValue }
}
