import SwitchyardHTTP
import SwitchyardUpstream

/// The provider response fields a client gets: `Retry-After` and rate-limit information (`x-ratelimit-*`,
/// `anthropic-ratelimit-*`, `ratelimit-*`), which clients use to pace themselves. Everything else (server,
/// framing, cookies, the provider's own ids) stays behind the router.
enum RelayedHeaders {
    /// The relayed fields of a provider's head; strings are made only for the fields that pass.
    static func from(_ head: UpstreamResponseHead?) -> HTTPHeaders {
        var kept = HTTPHeaders()
        head?.forEachField { name, value in
            guard isRelayed(name) else { return }
            kept.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }
        return kept
    }

    /// The relayed fields of decoded `headers`.
    static func from(_ headers: HTTPHeaders) -> HTTPHeaders {
        var kept = HTTPHeaders()
        for field in headers {
            var name = field.name
            if name.withUTF8({ isRelayed(UnsafeRawBufferPointer($0)) }) { kept.add(name: field.name, value: field.value) }
        }
        return kept
    }

    /// Whether a field named `name` (its bytes, any case) is relayed.
    static func isRelayed(_ name: UnsafeRawBufferPointer) -> Bool {
        // Most fields (content-type, date, server, …) are ruled out by their first letter.
        guard let first = name.first.map(asciiLower), first == 0x72 || first == 0x78 || first == 0x61 else { return false }
        return isRetryAfter(name) || hasPrefix(name, "x-ratelimit-")
            || hasPrefix(name, "ratelimit") || hasPrefix(name, "anthropic-ratelimit-")
    }

    /// Whether a field name (its bytes, any case) is `Retry-After`; no allocation.
    static func isRetryAfter(_ name: UnsafeRawBufferPointer) -> Bool {
        name.count == 11 && hasPrefix(name, "retry-after")
    }

    /// Whether `name` starts with `lowercase` (ASCII), ignoring the case of `name`; no allocation.
    private static func hasPrefix(_ name: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard name.count >= count else { return false }
        let prefix = lowercase.utf8Start
        for index in 0..<count where asciiLower(name[index]) != prefix[index] { return false }
        return true
    }
}
