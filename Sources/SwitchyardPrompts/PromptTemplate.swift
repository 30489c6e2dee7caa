/// One parsed prompt file: the placeholders its header declares and its system and user parts, each split into
/// literal text and placeholders, so rendering is one pass (a value that itself contains `{{x}}` is never expanded).
struct PromptTemplate: Sendable, Equatable {
    /// A run of literal text or a placeholder to fill.
    enum Segment: Sendable, Equatable {
        case text(String)
        case placeholder(String)
    }

    /// Declared placeholders, in the order the header lists them.
    var placeholders: [String]
    /// 1-based line of the `placeholders:` declaration, for problems about it.
    var placeholdersLine: Int
    /// The `--- system` part, if the file has one.
    var system: [Segment]?
    /// The `--- user` part.
    var user: [Segment]
    /// The file's text as read, which the snapshot for workers carries.
    var source: String

    /// The prompt with every placeholder replaced by its value, verbatim; `name` is for the error when a declared
    /// placeholder has no value. Values for names the prompt does not declare are ignored.
    func render(name: String, values: [String: String]) -> Result<RenderedPrompt, PromptError> {
        for placeholder in placeholders where values[placeholder] == nil {
            return .failure(.missingValue(placeholder, prompt: name))
        }
        func fill(_ segments: [Segment]) -> String {
            var result = ""
            for segment in segments {
                switch segment {
                case .text(let text): result += text
                case .placeholder(let placeholder): result += values[placeholder] ?? ""
                }
            }
            return result
        }
        return .success(RenderedPrompt(system: system.map(fill), user: fill(user)))
    }
}
