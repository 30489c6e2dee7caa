/// What the mock reads from a request's input: a word count for `usage.prompt_tokens` and the text that seeds
/// the deterministic reply (the last user message, or the last prompt).
struct MockPrompt {
    /// Whitespace-separated words over every message content (or prompt).
    var tokenCount: Int
    /// The last user message (chat) or the last prompt (completions); empty if there is none.
    var lastUserText: String

    /// From a chat `messages` array; nil if `messages` is not an array.
    init?(messages: Any?) {
        guard let list = messages as? [Any] else { return nil }
        var count = 0
        var last = ""
        for case let message as [String: Any] in list {
            let text = Self.text(of: message["content"])
            count += Self.wordCount(text)
            if (message["role"] as? String) == "user" { last = text }
        }
        tokenCount = count
        lastUserText = last
    }

    /// From a completions `prompt`: a string, an array of strings, or token arrays; nil if missing or malformed.
    init?(prompt: Any?) {
        switch prompt {
        case let text as String:
            tokenCount = Self.wordCount(text)
            lastUserText = text
        case let list as [Any]:
            var count = 0
            var last = ""
            for item in list {
                if let text = item as? String {
                    count += Self.wordCount(text)
                    last = text
                } else if let tokens = item as? [Any] {
                    count += tokens.count
                    last = tokens.map { "\($0)" }.joined(separator: " ")
                } else if MockJSON.int(item) != nil {
                    count += 1
                    last = "\(item)"
                } else {
                    return nil
                }
            }
            tokenCount = count
            lastUserText = last
        default:
            return nil
        }
    }

    /// A message content as text: a string, or the `text` of each part of a content-part array.
    static func text(of content: Any?) -> String {
        if let text = content as? String { return text }
        if let parts = content as? [Any] {
            return parts.compactMap { ($0 as? [String: Any])?["text"] as? String }.joined(separator: " ")
        }
        return ""
    }

    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: \.isWhitespace)
    }

    static func wordCount(_ text: String) -> Int {
        words(text).count
    }
}
