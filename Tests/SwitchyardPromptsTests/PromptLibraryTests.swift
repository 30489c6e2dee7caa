import Foundation
import Testing
@testable import SwitchyardPrompts

@Suite("Prompt library: the shipped prompts and rendering")
struct PromptLibraryTests {
    @Test("the shipped library loads with every builtin prompt in en and pl, ready to serve in either language")
    func shippedLibraryLoads() throws {
        let library = try PromptLibrary.load(directory: PromptFixture.shipped).get()

        #expect(library.languages == ["en", "pl"])
        #expect(library.names == BuiltinPrompt.allCases.map(\.rawValue).sorted())
        for builtin in BuiltinPrompt.allCases {
            #expect(library.has(builtin.rawValue))
            #expect(Set(library.placeholders(of: builtin.rawValue) ?? ["?"]) == Set(builtin.placeholders), "\(builtin)")
        }
        #expect(library.servingProblems(defaultLanguage: "pl").isEmpty)
        #expect(library.servingProblems(defaultLanguage: "en").isEmpty)
    }

    @Test("every shipped prompt renders in both languages with each value where its placeholder was", arguments: BuiltinPrompt.allCases)
    func shippedPromptsRender(builtin: BuiltinPrompt) throws {
        let library = try PromptLibrary.load(directory: PromptFixture.shipped).get()
        let values = Dictionary(uniqueKeysWithValues: builtin.placeholders.map { ($0, "<\($0) value>") })
        for language in library.languages {
            let rendered = try library.render(builtin.rawValue, language: language, values: values).get()
            let whole = (rendered.system ?? "") + "\n" + rendered.user
            for (name, value) in values {
                #expect(whole.contains(value), "\(language)/\(builtin.rawValue) lacks \(name)")
            }
            #expect(!whole.contains("{{"), "\(language)/\(builtin.rawValue): \(whole)")
            #expect(!rendered.user.isEmpty)
        }
    }

    @Test("the Polish polarity prompt asks for the English class words the parser reads")
    func polishPolarityAsksForEnglishWords() throws {
        let library = try PromptLibrary.load(directory: PromptFixture.shipped).get()
        let rendered = try library.render("polarity_3c", language: "pl", values: ["text": "Świetny produkt."]).get()

        for word in ["positive", "negative", "ambivalent"] {
            #expect(rendered.user.contains(word))
        }
        #expect(rendered.user.contains("po angielsku"))
    }

    @Test("render fills the system and user parts, drops the blank lines around them and keeps the rest as written")
    func renderFillsBothParts() throws {
        let fixture = try PromptFixture([
            "en/translate.prompt": """
                # A comment.
                placeholders: text, target_language

                --- system
                You translate into {{target_language}}.

                --- user

                Into {{target_language}}:
                  {{text}}
                ---
                # not a comment here

                """,
        ])

        let rendered = try fixture.library().render("translate", language: "en", values: ["text": "Dzień dobry", "target_language": "English"]).get()

        #expect(rendered == RenderedPrompt(
            system: "You translate into English.",
            user: "Into English:\n  Dzień dobry\n---\n# not a comment here"))
    }

    @Test("values are substituted verbatim, once: braces, backslashes and newlines in a value stay as they are")
    func valuesAreVerbatim() throws {
        let fixture = try PromptFixture(["en/echo.prompt": PromptFixture.prompt("text, other", user: "{{text}}|{{other}}")])
        let value = "{{other}} \\n \"quoted\"\nsecond line"

        let rendered = try fixture.library().render("echo", language: "en", values: ["text": value, "other": "x", "unused": "y"]).get()

        #expect(rendered.user == value + "|x")
        #expect(rendered.system == nil)
    }

    @Test("a missing value is a missing_field error naming the placeholder")
    func missingValue() throws {
        let library = try PromptLibrary.load(directory: PromptFixture.shipped).get()

        let result = library.render("translate", language: "en", values: ["text": "hello"])

        #expect(throws: PromptError(
            message: "missing value for \"target_language\", which the prompt \"translate\" needs",
            param: "target_language", code: "missing_field")) { try result.get() }
    }

    @Test("an unknown language is an unsupported_language error listing the available languages")
    func unknownLanguage() throws {
        let library = try PromptLibrary.load(directory: PromptFixture.shipped).get()

        let result = library.render("translate", language: "de", values: ["text": "hello", "target_language": "German"])

        #expect(throws: PromptError(
            message: "unsupported language \"de\"; available: en, pl", param: "language", code: "unsupported_language")) {
            try result.get()
        }
    }

    @Test("a language differing only in case is the library's language; an unknown prompt is unknown_prompt")
    func languageCaseAndUnknownPrompt() throws {
        let library = try PromptLibrary.load(directory: PromptFixture.shipped).get()

        #expect(throws: Never.self) { try library.render("summarize", language: "PL", values: ["text": "tekst"]).get() }
        #expect(library.language(matching: "En") == "en")
        let unknown = library.render("sing", language: "en", values: [:])
        #expect(throws: PromptError(message: "unknown prompt \"sing\"", param: nil, code: "unknown_prompt")) { try unknown.get() }
        #expect(!library.has("sing"))
    }

    @Test("a file with CRLF line endings and a byte-order mark renders exactly like its LF twin")
    func crlfAndBOMReadTheSame() throws {
        let lf = PromptFixture.prompt("text", system: "Be brief.", user: "Sum up:\n{{text}}")
        let fixture = try PromptFixture(["en/lf.prompt": lf])
        try fixture.write(Data(Array("\u{FEFF}".utf8) + Array(lf.replacingOccurrences(of: "\n", with: "\r\n").utf8)), to: "en/crlf.prompt")
        let library = try fixture.library()

        let plain = try library.render("lf", language: "en", values: ["text": "x"]).get()
        let windows = try library.render("crlf", language: "en", values: ["text": "x"]).get()

        #expect(plain == windows)
        #expect(windows == RenderedPrompt(system: "Be brief.", user: "Sum up:\nx"))
    }
}
