import Testing
@testable import SwitchyardPrompts

@Suite("Output parsers: questions, polarity and labels from what models write")
struct OutputParsersTests {
    /// A model's answer to "write questions" and the questions in it.
    struct QuestionCase: CustomTestStringConvertible, Sendable {
        var shape: String
        var answer: String
        var questions: [String]
        var testDescription: String { shape }
    }

    static let questionCases: [QuestionCase] = [
        QuestionCase(shape: "numbered with dots", answer: """
            1. What is photosynthesis?
            2. Where does it take place?
            3. Which gas do plants release?
            """, questions: ["What is photosynthesis?", "Where does it take place?", "Which gas do plants release?"]),
        QuestionCase(shape: "numbered with parentheses, indented", answer: """
              1) Kiedy powstał zamek?
              2) Kto go zbudował?
            """, questions: ["Kiedy powstał zamek?", "Kto go zbudował?"]),
        QuestionCase(shape: "dash bullets", answer: "- Why is the sky blue?\n- Why are sunsets red?\n",
                     questions: ["Why is the sky blue?", "Why are sunsets red?"]),
        QuestionCase(shape: "asterisk and • bullets mixed", answer: "* What is a cell?\n• What is a nucleus?\n",
                     questions: ["What is a cell?", "What is a nucleus?"]),
        QuestionCase(shape: "intro sentence ending in a colon, closing remark", answer: """
            Here are 3 questions based on the text:

            1. What does the company make?
            2. How many people does it employ?
            3. Where is its head office?

            I hope these questions help!
            """, questions: ["What does the company make?", "How many people does it employ?", "Where is its head office?"]),
        QuestionCase(shape: "intro sentence without a colon, then a list", answer: """
            Oto pytania do tekstu
            1. Jak nazywa się bohater?
            2. Dokąd wyrusza?
            """, questions: ["Jak nazywa się bohater?", "Dokąd wyrusza?"]),
        QuestionCase(shape: "blank-line-separated questions without bullets, with an intro", answer: """
            Sure! Here are the questions.

            What is the main topic of the article?

            Who is quoted in it?

            When did the event happen?
            """, questions: ["What is the main topic of the article?", "Who is quoted in it?", "When did the event happen?"]),
        QuestionCase(shape: "markdown bold numbers and a heading", answer: """
            ### Questions
            **1.** What is inflation?
            **2.** **What causes it?**
            """, questions: ["What is inflation?", "What causes it?"]),
        QuestionCase(shape: "Question N: labels and CRLF line endings", answer: "Question 1: What is DNA?\r\nQuestion 2: What is RNA?\r\n",
                     questions: ["What is DNA?", "What is RNA?"]),
        QuestionCase(shape: "Q-numbering, quotes and an item wrapped onto a second line", answer: """
            Q1. "What did the report find about
            rural schools?"
            Q2: Who funded it?
            """, questions: ["What did the report find about rural schools?", "Who funded it?"]),
        QuestionCase(shape: "numbers inside questions are not list markers", answer: """
            1. Why did sales fall 2.5 percent in 2023?
            2. What happened on 3. May?
            """, questions: ["Why did sales fall 2.5 percent in 2023?", "What happened on 3. May?"]),
        QuestionCase(shape: "plain lines, one per question", answer: "Czym jest fotosynteza?\nGdzie zachodzi?\n",
                     questions: ["Czym jest fotosynteza?", "Gdzie zachodzi?"]),
        QuestionCase(shape: "empty items and an empty answer give nothing", answer: "1.\n2.   \n\n", questions: []),
    ]

    @Test("questions are read from every list shape models use", arguments: questionCases)
    func questions(example: QuestionCase) {
        #expect(OutputParsers.questions(example.answer) == example.questions)
    }

    @Test("polarity is the one class a sentence names, in English or Polish, in any case", arguments: [
        ("positive", "positive"),
        ("Negative.", "negative"),
        ("The sentiment of this text is POSITIVE.", "positive"),
        ("**Ambivalent**", "ambivalent"),
        ("Sentiment: negative", "negative"),
        ("Wydźwięk tekstu jest negatywny.", "negative"),
        ("Pozytywny", "positive"),
        ("Tekst ma charakter ambiwalentny.", "ambivalent"),
        ("Wydźwięk: neutralny", "ambivalent"),
        ("The review is neutral overall.", "ambivalent"),
        ("Ambivalent: the text is both positive and negative.", "ambivalent"),
        ("\"negative\"", "negative"),
    ])
    func polarity(answer: String, expected: String) {
        #expect(OutputParsers.polarity(answer) == expected)
    }

    @Test("polarity is nil when no class, or more than one, is named", arguments: [
        "The text is both positive and negative.",
        "It could be positive or negative depending on the reader.",
        "I cannot determine the sentiment.",
        "",
        "Tekst jest pozytywny, ale zakończenie negatywne.",
    ])
    func noPolarity(answer: String) {
        #expect(OutputParsers.polarity(answer) == nil)
    }

    @Test("a label loses its quotes, Label: prefix, surrounding whitespace and trailing period", arguments: [
        ("Climate policy", "Climate policy"),
        ("  \"Climate policy\"  \n", "Climate policy"),
        ("Label: Climate policy.", "Climate policy"),
        ("label: “Renewable energy”", "Renewable energy"),
        ("„Polityka klimatyczna”", "Polityka klimatyczna"),
        ("Etykieta: Rynek pracy.", "Rynek pracy"),
        ("'Football transfers'.", "Football transfers"),
        ("**Label:** \"Housing prices.\"", "Housing prices"),
        ("Label:\nPublic health\n\nThe texts all discuss vaccination.", "Public health"),
        ("U.S. elections", "U.S. elections"),
        ("", ""),
    ])
    func label(answer: String, expected: String) {
        #expect(OutputParsers.label(answer) == expected)
    }
}
