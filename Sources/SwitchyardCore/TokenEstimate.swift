/// A conservative, tokenizer-free estimate of the tokens a request needs, for context-window routing and TPM
/// reservations: one token per ``bytesPerToken`` bytes of the raw JSON of the prompt-bearing members
/// (`messages`, `prompt`, `input`, `tools`, `functions`), rounded up, plus ``overhead``.
///
/// How far off it can be: BPE tokenizers (tiktoken's cl100k/o200k, Llama 3, Qwen, Mistral) average about 4 bytes
/// per token on English prose and code, and counting the raw JSON adds the keys, quotes and escapes, so for such
/// text the estimate is 30–60% too high — on purpose: a prompt is rather kept off a provider whose window it
/// nearly fills than sent there to fail. It is too low only for text that tokenizes below 3 bytes per token:
/// CJK text (3 bytes per character, 1–2 tokens per character) can be under-estimated by up to 2×, and
/// pathological input (long runs of rare symbols or emoji, one token per byte) by up to 3×. Images sent as URLs
/// or base64 are counted as their bytes, which over-estimates them by far (providers bill images by size).
package enum TokenEstimate {
    /// Bytes of prompt JSON counted as one token.
    package static let bytesPerToken = 3
    /// Tokens added to every request (chat template and reply priming).
    package static let overhead = 8
    /// Members whose values end up in the prompt.
    private static let promptMembers: [String] = ["messages", "prompt", "input", "tools", "functions"]

    /// The estimated prompt tokens of a scanned request body.
    package static func promptTokens(scan: JSONObjectScan) -> Int {
        var bytes = 0
        for member in scan.members where promptMembers.contains(member.key) {
            bytes += member.valueEnd - member.valueStart
        }
        return (bytes + bytesPerToken - 1) / bytesPerToken + overhead
    }

    /// The reply budget the client asked for: `max_completion_tokens`, else `max_tokens` (whole numbers >= 0);
    /// nil when neither is given (or not a whole number).
    package static func maxTokens(body: UnsafeRawBufferPointer, scan: JSONObjectScan) -> Int? {
        guard let member = scan.member("max_completion_tokens") ?? scan.member("max_tokens"), member.kind == .number,
              member.valueEnd - member.valueStart <= 12
        else { return nil }
        var value = 0
        for offset in member.valueStart..<member.valueEnd {
            let byte = body[offset]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// Prompt estimate plus the reply budget (`max_tokens`, else `defaultMaxTokens`).
    package static func requiredTokens(body: UnsafeRawBufferPointer, scan: JSONObjectScan, defaultMaxTokens: Int) -> Int {
        promptTokens(scan: scan) + (maxTokens(body: body, scan: scan) ?? defaultMaxTokens)
    }
}
