import SwitchyardCore

/// Turns a provider's error response into a client-safe OpenAI error body.
enum UpstreamErrorBody {
    /// Keeps a provider's OpenAI-shaped error (`{"error": …}`) as is, wraps anything else, and in both cases
    /// replaces the provider's address with its id so internal URLs never reach clients.
    static func sanitize(_ body: [UInt8], status: Int, provider: ProviderConfig?) -> [UInt8] {
        var text = String(decoding: body, as: UTF8.self)
        if let provider, !provider.apiHost.isEmpty {
            text = text.replacingAll(provider.apiHost, with: "provider '\(provider.id)'")
            if let hostOnly = provider.apiHost.split(separator: "/").dropFirst().first {
                text = text.replacingAll(String(hostOnly), with: "provider '\(provider.id)'")
            }
        }
        let bytes = Array(text.utf8)
        if case .success(let scan) = bytes.withUnsafeBytes({ JSONScanner.scanObject($0) }), let error = scan.member("error"), error.kind == .object {
            return bytes
        }
        var snippet = text
        if snippet.count > 500 { snippet = String(snippet.prefix(500)) + "…" }
        let message = snippet.isEmpty ? "Provider error (HTTP \(status))." : "Provider error (HTTP \(status)): \(snippet)"
        return RouterError(status: status, message: message, code: "upstream_error").body
    }
}

extension String {
    /// Replaces every occurrence of `target` (plain byte-wise substring match, no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let haystack = Array(utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return self }
        var result: [UInt8] = []
        result.reserveCapacity(haystack.count)
        var i = 0
        var replaced = false
        while i < haystack.count {
            if i + needle.count <= haystack.count, haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) {
                result.append(contentsOf: replacement.utf8)
                i += needle.count
                replaced = true
            } else {
                result.append(haystack[i])
                i += 1
            }
        }
        return replaced ? String(decoding: result, as: UTF8.self) : self
    }
}
