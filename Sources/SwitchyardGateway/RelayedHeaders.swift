import SwitchyardHTTP

/// The provider response fields a client gets: `Retry-After` and rate-limit information (`x-ratelimit-*`,
/// `anthropic-ratelimit-*`, `ratelimit-*`), which clients use to pace themselves. Everything else (server,
/// framing, cookies, the provider's own ids) stays behind the router.
enum RelayedHeaders {
    static func from(_ headers: HTTPHeaders) -> HTTPHeaders {
        var kept = HTTPHeaders()
        for field in headers where isRelayed(field.name) { kept.add(name: field.name, value: field.value) }
        return kept
    }

    static func isRelayed(_ name: String) -> Bool {
        // Most fields (content-type, date, server, …) are ruled out by their first letter without lower-casing.
        guard let first = name.utf8.first.map(asciiLower), first == 0x72 || first == 0x78 || first == 0x61 else { return false }
        let lower = String(decoding: name.utf8.map(asciiLower), as: UTF8.self)
        return lower == "retry-after" || lower.hasPrefix("x-ratelimit-") || lower.hasPrefix("ratelimit")
            || lower.hasPrefix("anthropic-ratelimit-")
    }
}
