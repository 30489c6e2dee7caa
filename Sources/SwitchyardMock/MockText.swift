/// The deterministic reply to one request: `count` tokens (words), token `i` chosen from a fixed vocabulary by
/// `i` and the UTF-8 length of the last user message, so the same request always gets the same reply.
///
/// Token `i` is rendered as `"<word> "`; token 0 also carries the prefix `"[<id>] "`, so the concatenated stream
/// deltas equal the non-streamed `content` exactly.
struct MockText {
    static let vocabulary = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
        "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
        "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
        "yankee", "zulu", "one", "two", "three", "four", "five", "six",
    ]

    /// `"[<id>] "`.
    let prefix: String
    /// UTF-8 length of the last user message.
    let seed: Int
    /// In echo mode, the words to repeat.
    let echoWords: [String]?
    /// Tokens to generate after the `max_tokens` cap.
    let count: Int
    /// `"length"` when `max_tokens` cut the reply short, else `"stop"`.
    let finishReason: String

    init(id: String, lastUserText: String, plan: MockPlan, maxTokens: Int?) {
        prefix = "[\(id)] "
        seed = lastUserText.utf8.count
        let requested: Int
        if plan.echo {
            let words = MockPrompt.words(lastUserText).prefix(MockOptions.maxTokens).map(String.init)
            echoWords = words
            requested = words.count
        } else {
            echoWords = nil
            requested = plan.tokens
        }
        if let cap = maxTokens, cap >= 0, cap < requested {
            count = cap
            finishReason = "length"
        } else {
            count = requested
            finishReason = "stop"
        }
    }

    /// The word of token `i`.
    func word(_ i: Int) -> String {
        if let echoWords { return echoWords[i] }
        // 7 is odd, so consecutive tokens walk the whole 32-word vocabulary before repeating.
        return Self.vocabulary[(seed &* 31 &+ i &* 7) & 31]
    }

    /// Token `i` as it appears in the content.
    func piece(_ i: Int) -> String {
        i == 0 ? prefix + word(i) + " " : word(i) + " "
    }

    /// The whole reply.
    var content: String {
        var text = ""
        for i in 0..<count { text += piece(i) }
        return text
    }

    // MARK: hashing for embeddings and digests

    /// FNV-1a 64-bit hash of the UTF-8 bytes.
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// One SplitMix64 step: a well-mixed successor of `state`.
    static func mix(_ state: inout UInt64) -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Eight deterministic values in [-1, 1] (six decimals) derived from `text`.
    static func embedding(of text: String, dimensions: Int = 8) -> [Double] {
        var state = hash(text)
        return (0..<dimensions).map { _ in
            let unit = Double(mix(&state) >> 11) / Double(UInt64(1) << 53)
            return ((unit * 2 - 1) * 1_000_000).rounded() / 1_000_000
        }
    }

    /// A 64-hex-digit pseudo digest of `text` (for Ollama's `/api/tags`).
    static func digest(of text: String) -> String {
        var state = hash(text)
        var out = ""
        for _ in 0..<4 {
            let part = String(mix(&state), radix: 16)
            out += String(repeating: "0", count: 16 - part.count) + part
        }
        return out
    }
}
