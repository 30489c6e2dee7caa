/// Wire protocol family of a provider.
///
/// Raw values are the spellings llm-router uses for `api_type` in models-config.json.
package enum APIType: String, Sendable, CaseIterable {
    /// OpenAI or any cloud speaking its API.
    case openai
    /// vLLM's OpenAI-compatible server.
    case vllm
    /// SGLang's OpenAI-compatible server.
    case sglang
    /// LM Studio's OpenAI-compatible server.
    case lmstudio
    /// llama.cpp's `llama-server`.
    case llamacpp = "llama.cpp"
    /// Ollama (native `/api/*`; also serves `/v1/*`).
    case ollama
    /// Anthropic Messages API.
    case anthropic
    /// Google Gemini API.
    case gemini
    /// Google Vertex AI.
    case vertexAI = "vertex_ai"
    /// AWS Bedrock.
    case bedrock
    /// Groq's OpenAI-compatible cloud.
    case groq

    /// Parses a config spelling case-insensitively; also accepts `llama_cpp`/`llamacpp` for llama.cpp,
    /// `vertexai`/`vertex-ai` for Vertex AI and `google` for Gemini. Surrounding whitespace is ignored.
    package init?(parsing text: String) {
        let lowered = text.trimmingASCIIWhitespace().lowercased()
        switch lowered {
        case "llama_cpp", "llamacpp", "llama-cpp": self = .llamacpp
        case "vertexai", "vertex-ai": self = .vertexAI
        case "google": self = .gemini
        default:
            guard let value = APIType(rawValue: lowered) else { return nil }
            self = value
        }
    }

    /// Whether the provider serves the OpenAI `/v1/*` API, so requests can be relayed without translation.
    /// Ollama counts: it serves `/v1/*` next to its native API.
    package var isOpenAICompatible: Bool {
        switch self {
        case .openai, .vllm, .sglang, .lmstudio, .llamacpp, .groq, .ollama: true
        case .anthropic, .gemini, .vertexAI, .bedrock: false
        }
    }

    /// Every accepted spelling, comma-separated, for error messages.
    package static var validNames: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    package func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...last])
    }
}
