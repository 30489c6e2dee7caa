import SwitchyardCore

/// `POST /v1/messages/count_tokens`: an estimate, since the router has no tokenizer of the provider's model.
///
/// The request is validated like a Messages request (without `max_tokens`) and translated; then every string
/// of its messages and tools (texts, tool inputs and results, names, schemas) counts one token per 4 UTF-8
/// bytes (rounded up), each message 4 tokens of framing, each image 1,600 tokens (Anthropic's upper bound for
/// an image), plus 3 for the reply's start. English prose comes out close; code and non-Latin scripts are
/// underestimated by tokenizers that split them finer.
package enum AnthropicTokenEstimate {
    /// Tokens per image part.
    package static let imageTokens = 1_600

    /// The model the request names and the estimate, or a 400 naming the field at fault.
    package static func count(_ body: [UInt8]) -> Result<(model: String, tokens: Int), RouterError> {
        switch AnthropicRequestTranslator.translate(body, requireMaxTokens: false) {
        case .failure(let error): return .failure(error)
        case .success(let translated):
            guard let value = JSONValue.parse(translated.body) else { return .success((translated.model, 0)) }
            var bytes = 0
            var images = 0
            let messages = value["messages"]?.array ?? []
            for message in messages { measure(message, bytes: &bytes, images: &images) }
            if let tools = value["tools"] { measure(tools, bytes: &bytes, images: &images) }
            let tokens = (bytes + 3) / 4 + messages.count * 4 + images * imageTokens + 3
            return .success((translated.model, tokens))
        }
    }

    private static func measure(_ value: JSONValue, bytes: inout Int, images: inout Int) {
        switch value {
        case .string(let text):
            if text.hasPrefix("data:image/") { images += 1 } else { bytes += text.utf8.count }
        case .array(let items):
            for item in items { measure(item, bytes: &bytes, images: &images) }
        case .object(let object):
            for member in object.members where member.key != "role" && member.key != "type" {
                measure(member.value, bytes: &bytes, images: &images)
            }
        case .number(let text, _):
            bytes += text.utf8.count
        default:
            break
        }
    }
}
