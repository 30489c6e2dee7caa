import SwitchyardCore

/// Turns a provider's error response into a client-safe OpenAI error body.
enum UpstreamErrorBody {
    /// Keeps a provider's OpenAI-shaped error (`{"error": …}`) as is, wraps anything else, and in both cases
    /// replaces every spelling of the provider's address with a neutral name, so internal URLs never reach clients.
    static func sanitize(_ body: [UInt8], status: Int, provider: ProviderConfig?) -> [UInt8] {
        var bytes = body
        if let provider { bytes = redactingAddress(of: provider, in: bytes) }
        if case .success(let scan) = bytes.withUnsafeBytes({ JSONScanner.scanObject($0) }), let error = scan.member("error"), error.kind == .object {
            return bytes
        }
        var snippet = String(decoding: bytes, as: UTF8.self)
        if snippet.count > 500 { snippet = String(snippet.prefix(500)) + "…" }
        let message = snippet.isEmpty ? "Provider error (HTTP \(status))." : "Provider error (HTTP \(status)): \(snippet)"
        return RouterError(status: status, message: message, code: "upstream_error").body
    }

    /// `text` with the provider's address replaced, in every form a provider's error text may use: the
    /// configured `api_host`, `scheme://authority`, `host:port`, the bare host (when it is a dotted name, an IP
    /// or `localhost`), each also with JSON-escaped slashes (`http:\/\/…`). Matching ignores ASCII case.
    static func redactingAddress(of provider: ProviderConfig, in text: [UInt8]) -> [UInt8] {
        let forms = addressForms(provider.apiHost)
        guard !forms.isEmpty else { return text }
        let label = Array(safeLabel(for: provider, forms: forms).utf8)
        var result = text
        for form in forms { result = replacingAll(Array(form.utf8), in: result, with: label) }
        return result
    }

    /// Spellings of the address in `apiHost`, longest first so a longer form is replaced before its parts.
    static func addressForms(_ apiHost: String) -> [String] {
        var forms: Set<String> = []
        func add(_ form: String) {
            guard !form.isEmpty else { return }
            forms.insert(form)
            if form.utf8.contains(0x2F) { forms.insert(form.replacingAll("/", with: "\\/")) }
        }
        let trimmed = apiHost.hasSuffix("/") ? String(apiHost.dropLast()) : apiHost
        add(trimmed)
        if let parts = URLParts(parsing: apiHost), let host = parts.host, !host.isEmpty {
            let authority = parts.port.map { "\(host):\($0)" } ?? host
            add("\(parts.scheme)://\(authority)")
            add(authority)
            let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            if bareHost.utf8.contains(0x2E) || bareHost.utf8.contains(0x3A) || bareHost == "localhost" {
                add(host)
                add(bareHost)
            }
        }
        return forms.sorted { $0.utf8.count > $1.utf8.count }
    }

    /// `provider '<id>'`, unless the id itself spells the address (LLMStream and SGLang configs derive ids
    /// from `host:port`): then the model path names it. Quotes and backslashes are dropped so the label can
    /// stand inside a JSON string.
    private static func safeLabel(for provider: ProviderConfig, forms: [String]) -> String {
        let lowered = String(decoding: provider.id.utf8.map(asciiLowercased), as: UTF8.self)
        let leaks = forms.contains { lowered.contains(String(decoding: $0.utf8.map(asciiLowercased), as: UTF8.self)) }
        let name = leaks ? "serving \(provider.modelPath)" : provider.id
        return "provider '" + String(decoding: name.utf8.filter { $0 != 0x22 && $0 != 0x5C && $0 >= 0x20 }, as: UTF8.self) + "'"
    }

    /// Replaces every ASCII-case-insensitive occurrence of `needle` in `haystack` with `replacement`.
    static func replacingAll(_ needle: [UInt8], in haystack: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return haystack }
        let first = asciiLowercased(needle[0])
        var result: [UInt8] = []
        var copiedUpTo = 0
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if asciiLowercased(haystack[i]) == first, matches(needle, in: haystack, at: i) {
                if result.isEmpty { result.reserveCapacity(haystack.count) }
                result.append(contentsOf: haystack[copiedUpTo..<i])
                result.append(contentsOf: replacement)
                i += needle.count
                copiedUpTo = i
            } else {
                i += 1
            }
        }
        if copiedUpTo == 0 { return haystack }
        result.append(contentsOf: haystack[copiedUpTo...])
        return result
    }

    private static func matches(_ needle: [UInt8], in haystack: [UInt8], at offset: Int) -> Bool {
        for j in 1..<needle.count where asciiLowercased(haystack[offset + j]) != asciiLowercased(needle[j]) { return false }
        return true
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}

extension String {
    /// Replaces every occurrence of `target` (plain byte-wise substring match, no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let replaced = UpstreamErrorBody.replacingAll(Array(target.utf8), in: Array(utf8), with: Array(replacement.utf8))
        return String(decoding: replaced, as: UTF8.self)
    }
}
