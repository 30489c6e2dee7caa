/// Tokens one request consumed, as the provider reported them.
package struct TokenUsage: Sendable, Equatable {
    /// Tokens of the input (prompt, messages, embedding inputs).
    package var promptTokens: Int
    /// Tokens generated.
    package var completionTokens: Int

    package init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// `{"prompt_tokens":…,"completion_tokens":…,"total_tokens":…}` (OpenAI's `usage`).
    package func write(to out: inout JSONWriter) {
        out.raw("{\"prompt_tokens\":")
        out.number(promptTokens)
        out.raw(",\"completion_tokens\":")
        out.number(completionTokens)
        out.raw(",\"total_tokens\":")
        out.number(promptTokens + completionTokens)
        out.raw("}")
    }
}

import SwitchyardCore
