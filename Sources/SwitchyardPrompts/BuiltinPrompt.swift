/// The prompts the builtin endpoints render, named as their files are (`<lang>/<rawValue>.prompt`), with the
/// placeholders each endpoint fills. A library that serves lacks none of them, and its files declare no
/// placeholder beyond these (``PromptLibrary/servingProblems(defaultLanguage:)``).
package enum BuiltinPrompt: String, CaseIterable, Sendable {
    /// Questions answerable from a text (a numbered list).
    case generateQuestions = "generate_questions"
    /// A text in another language (the translation only).
    case translate
    /// A text in simpler words.
    case simplifyText = "simplify_text"
    /// A summary of a text.
    case summarize
    /// A summary of a text in at most a number of words.
    case summarizeWords = "summarize_words"
    /// An article from one text.
    case generateArticleFromText = "generate_article_from_text"
    /// An article from several texts.
    case generateArticleFromTexts = "generate_article_from_texts"
    /// A complete article of a kind answering a request, from several texts.
    case createFullArticleFromTexts = "create_full_article_from_texts"
    /// An answer to a question from a context (context QA).
    case generativeAnswer = "generative_answer"
    /// The system prompt of a conversation with the model.
    case conversation
    /// The polarity of a text: `positive`, `negative` or `ambivalent`.
    case polarity3c = "polarity_3c"
    /// One short label for several texts.
    case generateLabel = "generate_label"

    /// The placeholders the endpoint fills.
    package var placeholders: [String] {
        switch self {
        case .generateQuestions: ["text", "number_of_questions"]
        case .translate: ["text", "target_language"]
        case .simplifyText, .summarize, .generateArticleFromText, .polarity3c: ["text"]
        case .summarizeWords: ["text", "max_words"]
        case .generateArticleFromTexts, .generateLabel: ["texts"]
        case .createFullArticleFromTexts: ["user_query", "texts", "article_type"]
        case .generativeAnswer: ["question", "context"]
        case .conversation: []
        }
    }
}
