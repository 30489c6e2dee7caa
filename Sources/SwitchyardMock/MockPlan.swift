import SwitchyardCore
import SwitchyardHTTP

/// The knobs for one request: the ``MockOptions``, overridden by `X-Mock-*` headers, overridden by the body's
/// `"mock"` object (`status`, `latency_ms`, `tokens`, `token_delay_ms`, `reset_after`, `echo`, `retry_after`).
struct MockPlan {
    /// Status of an injected failure (400...599), or nil to answer normally.
    var failStatus: Int?
    /// Pause before the response head.
    var latencyNs: UInt64
    /// Tokens to generate before any `max_tokens` cap.
    var tokens: Int
    /// Pause before each token.
    var tokenDelayNs: UInt64
    /// Close the connection after this many tokens.
    var resetAfter: Int?
    /// Repeat the last user message instead of the vocabulary.
    var echo: Bool
    /// `Retry-After` seconds sent with an injected failure.
    var retryAfter: Int?

    init(options: MockOptions, headers: HTTPHeaders, overrides: JSONValue.Object?) {
        var status = options.failStatus
        var latencyMs = options.latencyMs
        var tokens = options.tokens
        var tokenDelayMs = options.tokenDelayMs
        var resetAfter = options.resetAfterTokens
        var echo = options.echo
        var retryAfter = options.retryAfterSeconds

        if let value = headers["X-Mock-Status"] { status = MockJSON.int(value) }
        if let value = headers["X-Mock-Latency-Ms"], let ms = MockJSON.double(value) { latencyMs = ms }
        if let value = headers["X-Mock-Tokens"], let count = MockJSON.int(value) { tokens = count }
        if let value = headers["X-Mock-Token-Delay-Ms"], let ms = MockJSON.double(value) { tokenDelayMs = ms }
        if let value = headers["X-Mock-Reset-After"] { resetAfter = MockJSON.int(value) }
        if let value = headers["X-Mock-Echo"], let flag = MockJSON.bool(value) { echo = flag }
        if let value = headers["X-Mock-Retry-After"] { retryAfter = MockJSON.int(value) }

        if let overrides {
            if let value = overrides["status"] { status = MockJSON.int(value) }
            if let ms = MockJSON.double(overrides["latency_ms"]) { latencyMs = ms }
            if let count = MockJSON.int(overrides["tokens"]) { tokens = count }
            if let ms = MockJSON.double(overrides["token_delay_ms"]) { tokenDelayMs = ms }
            if let value = overrides["reset_after"] { resetAfter = MockJSON.int(value) }
            if let flag = MockJSON.bool(overrides["echo"]) { echo = flag }
            if let value = overrides["retry_after"] { retryAfter = MockJSON.int(value) }
        }

        // Anything outside the error range (0, 200, null, garbage) means "no failure for this request".
        self.failStatus = status.flatMap { (400...599).contains($0) ? $0 : nil }
        self.latencyNs = Self.nanoseconds(milliseconds: latencyMs)
        self.tokens = min(max(tokens, 0), MockOptions.maxTokens)
        self.tokenDelayNs = Self.nanoseconds(milliseconds: tokenDelayMs)
        self.resetAfter = resetAfter.flatMap { $0 >= 0 ? min($0, MockOptions.maxTokens) : nil }
        self.echo = echo
        self.retryAfter = retryAfter.flatMap { $0 >= 0 ? $0 : nil }
    }

    private static func nanoseconds(milliseconds: Double) -> UInt64 {
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        return UInt64(min(milliseconds, MockOptions.maxDelayMs) * 1_000_000)
    }

    /// Latency plus `tokens` token delays, saturating.
    func delay(forTokens tokens: Int) -> UInt64 {
        let (product, overflow) = tokenDelayNs.multipliedReportingOverflow(by: UInt64(max(tokens, 0)))
        let (sum, overflow2) = latencyNs.addingReportingOverflow(product)
        return overflow || overflow2 ? UInt64.max / 2 : sum
    }
}
