/// An absolute URI split into its RFC 3986 components (section 3), without Foundation's `URLComponents`.
///
/// Splitting follows RFC 3986 section 3 and the choices of swift-foundation's parser, so configuration files
/// are judged as they were when `URLComponents` did this: the userinfo ends at the last `@`, a port needs at
/// least one digit (`http://h:` has none), and a host must be an IP literal in brackets or a registered name
/// (unreserved characters, sub-delimiters, `%XX` escapes, or non-ASCII bytes, which `URLComponents` would
/// IDNA-encode). Userinfo, path, query and fragment are not checked character by character, as
/// `URLComponents` percent-encodes invalid characters there instead of rejecting them.
package struct URLParts: Sendable, Equatable {
    /// The scheme as written (compare case-insensitively, RFC 3986 section 3.1).
    package var scheme: String
    /// The userinfo before `@`, if any.
    package var userinfo: String?
    /// The host as written (IP literals keep their brackets); nil when there is no `//` authority, empty when the
    /// authority names no host (`http://:80`).
    package var host: String?
    /// The port's digits as written; nil when there is no port or it is empty.
    package var port: String?
    /// The path (possibly empty).
    package var path: String
    /// The query after `?` (possibly empty), or nil when there is no `?`.
    package var query: String?
    /// The fragment after `#` (possibly empty), or nil when there is no `#`.
    package var fragment: String?

    /// Splits `text`; nil when it has no valid scheme, a port that is not all digits, an invalid host, or
    /// characters after an IP literal other than a `:port`.
    package init?(parsing text: String) {
        let bytes = Array(text.utf8)
        // Scheme (section 3.1): up to the first ":", unless a character that cannot precede it comes first.
        guard let colon = bytes.firstIndex(where: { Self.endsSchemeSearch($0) }), bytes[colon] == UInt8(ascii: ":"),
              colon > 0, Self.isValidScheme(bytes[..<colon])
        else { return nil }
        scheme = Self.string(bytes[..<colon])
        var position = colon + 1

        // Authority (section 3.2): "//" up to the next "/", "?" or "#".
        if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "/"), bytes[position + 1] == UInt8(ascii: "/") {
            position += 2
            let start = position
            while position < bytes.count, !Self.endsAuthority(bytes[position]) { position += 1 }
            guard let authority = Self.splitAuthority(bytes[start..<position]) else { return nil }
            (userinfo, host, port) = authority
        }

        let pathStart = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "?"), bytes[position] != UInt8(ascii: "#") {
            position += 1
        }
        path = Self.string(bytes[pathStart..<position])
        if position < bytes.count, bytes[position] == UInt8(ascii: "?") {
            let queryStart = position + 1
            position = bytes[queryStart...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
            query = Self.string(bytes[queryStart..<position])
        }
        if position < bytes.count {  // "#"
            fragment = Self.string(bytes[(position + 1)...])
        }
    }

    /// The host with `%XX` escapes decoded (IP literals keep their brackets); nil when there is no host or the
    /// escapes do not decode to UTF-8 (as `URLComponents.host` did).
    package var decodedHost: String? {
        host.flatMap(Self.percentDecoded)
    }

    /// `text` with `%XX` escapes decoded (RFC 3986 section 2.1); nil when an escape is malformed or the result is
    /// not UTF-8.
    package static func percentDecoded(_ text: String) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.next().flatMap(Self.hexValue), let low = utf8.next().flatMap(Self.hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    // MARK: splitting

    /// Splits an authority into userinfo, host and port (section 3.2); nil when the port or host is invalid.
    private static func splitAuthority(_ authority: ArraySlice<UInt8>) -> (String?, String?, String?)? {
        var userinfo: String?
        var hostStart = authority.startIndex
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            userinfo = string(authority[..<at])
            hostStart = at + 1
        }
        var hostEnd = authority.endIndex
        var portRange: Range<Int>?
        if hostStart < authority.endIndex, authority[hostStart] == UInt8(ascii: "["),
           let bracket = authority[hostStart...].firstIndex(of: UInt8(ascii: "]")) {
            hostEnd = bracket + 1
            if hostEnd < authority.endIndex {
                guard authority[hostEnd] == UInt8(ascii: ":") else { return nil }
                portRange = (hostEnd + 1)..<authority.endIndex
            }
            guard isValidIPLiteral(authority[(hostStart + 1)..<bracket]) else { return nil }
        } else {
            if let colon = authority[hostStart...].firstIndex(of: UInt8(ascii: ":")) {
                hostEnd = colon
                portRange = (colon + 1)..<authority.endIndex
            }
            guard isValidRegisteredName(authority[hostStart..<hostEnd]) else { return nil }
        }
        var port: String?
        if let portRange, !portRange.isEmpty {
            let digits = authority[portRange]
            guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
            port = string(digits)
        }
        return (userinfo, string(authority[hostStart..<hostEnd]), port)
    }

    /// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (section 3.1).
    private static func isValidScheme(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, isAlpha(first) else { return false }
        return bytes.allSatisfy { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// The inside of `[...]` (section 3.2.2): an IPv6 address or IPvFuture, checked for its character set only
    /// (as `URLComponents` does), optionally followed by a zone identifier after `%` (RFC 6874).
    private static func isValidIPLiteral(_ inner: ArraySlice<UInt8>) -> Bool {
        let zone = inner.firstIndex(of: UInt8(ascii: "%")) ?? inner.endIndex
        let address = inner[..<zone]
        guard address.allSatisfy({ isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") }) else {
            return false
        }
        return inner[zone...].allSatisfy { isUnreserved($0) || $0 == UInt8(ascii: "%") }
    }

    /// `reg-name = *( unreserved / pct-encoded / sub-delims )` (section 3.2.2), plus non-ASCII bytes.
    private static func isValidRegisteredName(_ name: ArraySlice<UInt8>) -> Bool {
        var index = name.startIndex
        while index < name.endIndex {
            let byte = name[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < name.endIndex,
                      hexValue(name[index + 1]) != nil, hexValue(name[index + 2]) != nil
                else { return false }
                index += 3
                continue
            }
            guard byte >= 0x80 || isUnreserved(byte) || isSubDelimiter(byte) else { return false }
            index += 1
        }
        return true
    }

    // MARK: character classes (RFC 3986 section 2)

    private static func endsSchemeSearch(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "@"): true
        default: false
        }
    }

    private static func endsAuthority(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `ALPHA / DIGIT / "-" / "." / "_" / "~"`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    /// `"!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="`.
    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
             UInt8(ascii: "="): true
        default: false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
