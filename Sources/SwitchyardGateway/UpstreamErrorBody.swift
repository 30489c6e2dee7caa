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
    /// Replaces every occurrence of `target` (plain substring match).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
