/// The builtin text endpoints (llm-router's names), served under `LLM_ROUTER_EP_PREFIX` and `/builtin/`.
enum BuiltinEndpoint: String, CaseIterable {
    case generateQuestions = "generate_questions"
    case translate
    case simplifyText = "simplify_text"
    case summarize
    case polarity = "polarity_3c"
    case generateLabel = "generate_label"
    case articleFromText = "generate_article_from_text"
    case articleFromTexts = "generate_article_from_texts"
    case fullArticle = "create_full_article_from_texts"
    case generativeAnswer = "generative_answer"
    case conversation = "conversation_with_model"
    case extendedConversation = "extended_conversation_with_model"

    /// Whether each text of `texts` is its own model call (then `stream` is refused).
    var isPerText: Bool {
        switch self {
        case .generateQuestions, .translate, .simplifyText, .summarize, .polarity: true
        default: false
        }
    }

    /// The route name in logs and metrics.
    var routeName: String { "builtin_" + rawValue }
}
