/// Why a prompt cannot be rendered for a request: a client mistake, which the gateway answers with 400 in the
/// OpenAI error shape (`message`, `param`, `code`).
package struct PromptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for the client.
    package var message: String
    /// The request field or placeholder at fault, if one is.
    package var param: String?
    /// Machine-readable code: `unsupported_language`, `missing_field` or `unknown_prompt`.
    package var code: String

    /// An error with every field given.
    package init(message: String, param: String?, code: String) {
        self.message = message
        self.param = param
        self.code = code
    }

    /// The language has no prompts; the message lists the available ones.
    package static func unsupportedLanguage(_ language: String, available: [String]) -> PromptError {
        PromptError(
            message: "unsupported language \"\(language)\"; available: \(available.joined(separator: ", "))",
            param: "language", code: "unsupported_language")
    }

    /// No value was given for `placeholder`, which prompt `name` declares.
    package static func missingValue(_ placeholder: String, prompt name: String) -> PromptError {
        PromptError(
            message: "missing value for \"\(placeholder)\", which the prompt \"\(name)\" needs",
            param: placeholder, code: "missing_field")
    }

    /// The library has no prompt called `name`.
    package static func unknownPrompt(_ name: String) -> PromptError {
        PromptError(message: "unknown prompt \"\(name)\"", param: nil, code: "unknown_prompt")
    }

    /// The message.
    package var description: String { message }
}
