import SwitchyardCore

/// What the mock reads from a request's input: a word count for `usage.prompt_tokens` and the text that seeds
/// the deterministic reply (the last user message, or the last prompt).
struct MockPrompt {
    /// Whitespace-separated words over every message content (or prompt).
    var tokenCount: Int
    /// The last user message (chat) or the last prompt (completions); empty if there is none.
    var lastUserText: String

    /// From a chat `messages` array; nil if `messages` is not an array.
    init?(messages: JSONValue?) {
        guard let list = messages?.array else { return nil }
        var count = 0
        var last = ""
        for message in list where message.object != nil {
            let text = Self.text(of: message["content"])
            count += Self.wordCount(text)
            if message["role"]?.string == "user" { last = text }
        }
        tokenCount = count
        lastUserText = last
    }

    /// From a completions `prompt`: a string, an array of strings, or token arrays; nil if missing or malformed.
    init?(prompt: JSONValue?) {
        switch prompt {
        case .string(let text)?:
            tokenCount = Self.wordCount(text)
            lastUserText = text
        case .array(let list)?:
            var count = 0
            var last = ""
            for item in list {
                if case .string(let text) = item {
                    count += Self.wordCount(text)
                    last = text
                } else if case .array(let tokens) = item {
                    count += tokens.count
                    last = tokens.map(MockJSON.text).joined(separator: " ")
                } else if MockJSON.int(item) != nil {
                    count += 1
                    last = MockJSON.text(item)
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
    static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let text)?: text
        case .array(let parts)?: parts.compactMap { $0["text"]?.string }.joined(separator: " ")
        default: ""
        }
    }

    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: \.isWhitespace)
    }

    static func wordCount(_ text: String) -> Int {
        words(text).count
    }
}
