import Testing
@testable import SwitchyardPrompts

@Suite("Prompt library: what serving the builtin endpoints needs")
struct PromptLibraryServingTests {
    /// Every builtin prompt in `languages`, each using exactly its endpoint's placeholders.
    static func builtinFiles(_ languages: [String]) -> [String: String] {
        var files: [String: String] = [:]
        for language in languages {
            for builtin in BuiltinPrompt.allCases {
                let user = builtin.placeholders.map { "{{\($0)}}" }.joined(separator: " ")
                files["\(language)/\(builtin.rawValue).prompt"] = PromptFixture.prompt(
                    builtin.placeholders.joined(separator: ", "), user: user.isEmpty ? "Go on." : user)
            }
        }
        return files
    }

    @Test("a complete library serves; a default language it lacks is a problem listing the available ones")
    func defaultLanguageMustExist() throws {
        let fixture = try PromptFixture(Self.builtinFiles(["en", "uk"]))

        #expect(throws: Never.self) { try PromptLibrary.loadForServing(directory: fixture.path, defaultLanguage: "uk").get() }
        #expect(throws: PromptLibraryError(problems: [
            "\(fixture.path): the default language \"pl\" (LLM_ROUTER_DEFAULT_EP_LANGUAGE / --default-language) has no prompts; available: en, uk",
        ])) { try PromptLibrary.loadForServing(directory: fixture.path, defaultLanguage: "pl").get() }
    }

    @Test("a builtin prompt missing everywhere is a problem in every language")
    func builtinMissing() throws {
        var files = Self.builtinFiles(["en", "pl"])
        files["en/translate.prompt"] = nil
        files["pl/translate.prompt"] = nil
        files["en/extra.prompt"] = PromptFixture.prompt("", user: "Extra prompts are fine.")
        files["pl/extra.prompt"] = PromptFixture.prompt("", user: "Dodatkowe prompty są w porządku.")
        let fixture = try PromptFixture(files)

        #expect(throws: PromptLibraryError(problems: [
            "\(fixture.path)/en/translate.prompt: missing; the builtin endpoints need it",
            "\(fixture.path)/pl/translate.prompt: missing; the builtin endpoints need it",
        ])) { try PromptLibrary.loadForServing(directory: fixture.path, defaultLanguage: "pl").get() }
    }

    @Test("a builtin prompt may declare fewer placeholders than its endpoint fills, but not one it never fills")
    func builtinPlaceholders() throws {
        var files = Self.builtinFiles(["pl"])
        files["pl/translate.prompt"] = PromptFixture.prompt("text", user: "Na angielski: {{text}}")
        files["pl/summarize.prompt"] = PromptFixture.prompt("text, style", user: "{{style}}: {{text}}")
        let fixture = try PromptFixture(files)

        #expect(throws: PromptLibraryError(problems: [
            "\(fixture.path)/pl/summarize.prompt:1: declares `style`, which the builtin endpoint never fills (it fills: text)",
        ])) { try PromptLibrary.loadForServing(directory: fixture.path, defaultLanguage: "pl").get() }
    }

    @Test("a library that does not load reports its file problems, not serving ones")
    func loadProblemsComeFirst() throws {
        let fixture = try PromptFixture(["en/a.prompt": "placeholders:\n--- user\n{{x}}\n"])

        #expect(throws: PromptLibraryError(problems: [
            "\(fixture.path)/en/a.prompt:3: placeholder {{x}} is not declared (the header declares none)",
        ])) { try PromptLibrary.loadForServing(directory: fixture.path, defaultLanguage: "pl").get() }
    }
}
