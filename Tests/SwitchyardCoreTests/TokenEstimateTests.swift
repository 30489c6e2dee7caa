import Testing
@testable import SwitchyardCore

@Suite("Token estimate")
struct TokenEstimateTests {
    private func scan(_ json: String) -> ([UInt8], JSONObjectScan) {
        let bytes = Array(json.utf8)
        guard case .success(let scan) = bytes.withUnsafeBytes({ JSONScanner.scanObject($0) }) else { fatalError("bad test JSON") }
        return (bytes, scan)
    }

    @Test("the prompt estimate is one token per 3 bytes of the prompt members, plus the overhead")
    func prompt() {
        let text = String(repeating: "a", count: 298)
        let (_, scanned) = scan(#"{"model": "m", "messages": "\#(text)", "temperature": 0.5}"#)
        #expect(TokenEstimate.promptTokens(scan: scanned) == 100 + TokenEstimate.overhead)
    }

    @Test("tools count toward the prompt; other members do not")
    func tools() {
        let (_, without) = scan(#"{"model": "a-very-long-model-name-indeed", "messages": []}"#)
        let (_, with) = scan(#"{"model": "m", "messages": [], "tools": [{"type": "function", "function": {"name": "f"}}]}"#)
        #expect(TokenEstimate.promptTokens(scan: without) == 1 + TokenEstimate.overhead)
        #expect(TokenEstimate.promptTokens(scan: with) > TokenEstimate.promptTokens(scan: without))
    }

    @Test("English prose is over-estimated, never under-estimated (about 4 bytes per real token)")
    func conservative() {
        let sentence = "The quick brown fox jumps over the lazy dog. "
        let text = String(repeating: sentence, count: 100)  // ~1,000 real tokens
        let (_, scanned) = scan(#"{"messages": [{"role": "user", "content": "\#(text)"}]}"#)
        let estimate = TokenEstimate.promptTokens(scan: scanned)
        #expect(estimate >= 1_000 && estimate <= 1_600)
    }

    @Test("max_completion_tokens wins over max_tokens; anything but a whole number is ignored")
    func maxTokens() {
        let (a, sa) = scan(#"{"max_tokens": 512}"#)
        #expect(a.withUnsafeBytes { TokenEstimate.maxTokens(body: $0, scan: sa) } == 512)
        let (b, sb) = scan(#"{"max_tokens": 10, "max_completion_tokens": 20}"#)
        #expect(b.withUnsafeBytes { TokenEstimate.maxTokens(body: $0, scan: sb) } == 20)
        let (c, sc) = scan(#"{"max_tokens": 1.5}"#)
        #expect(c.withUnsafeBytes { TokenEstimate.maxTokens(body: $0, scan: sc) } == nil)
        let (d, sd) = scan(#"{"max_tokens": "9"}"#)
        #expect(d.withUnsafeBytes { TokenEstimate.maxTokens(body: $0, scan: sd) } == nil)
        #expect(d.withUnsafeBytes { TokenEstimate.requiredTokens(body: $0, scan: sd, defaultMaxTokens: 256) } == TokenEstimate.overhead + 256)
    }
}
