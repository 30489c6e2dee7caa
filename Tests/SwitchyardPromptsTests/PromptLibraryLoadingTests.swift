import Foundation
import Testing
@testable import SwitchyardPrompts

@Suite("Prompt library: every problem in the files, with path and line")
struct PromptLibraryLoadingTests {
    @Test("a placeholder used but not declared is reported at the line that uses it")
    func undeclaredPlaceholder() throws {
        let fixture = try PromptFixture([
            "en/translate.prompt": "placeholders: text\n\n--- user\nTranslate into {{language}}:\n{{text}}\n",
        ])

        #expect(fixture.problems() == [
            "DIR/en/translate.prompt:4: placeholder {{language}} is not declared (the header declares: text)",
        ])
    }

    @Test("a placeholder declared but never used is reported at the placeholders line")
    func declaredButUnused() throws {
        let fixture = try PromptFixture([
            "en/summarize.prompt": "# Summaries.\nplaceholders: text, max_words\n--- user\n{{text}}\n",
        ])

        #expect(fixture.problems() == ["DIR/en/summarize.prompt:2: placeholder `max_words` is declared but never used"])
    }

    @Test("a malformed {{ is reported at its line: unclosed, spaced, empty or not a name")
    func malformedBraces() throws {
        let fixture = try PromptFixture([
            "en/a.prompt": """
                placeholders: text
                --- system
                Keep {{text
                --- user
                {{ text }} and {{}} and {{2nd}} and {{text}}
                """,
        ])

        #expect(fixture.problems() == [
            "DIR/en/a.prompt:3: malformed placeholder: `{{` without a closing `}}` on the same line (placeholders are written {{name}})",
            "DIR/en/a.prompt:5: malformed placeholder `{{ text }}`: a name is letters, digits and _, not starting with a digit, with no spaces, as in {{text}}",
            "DIR/en/a.prompt:5: malformed placeholder `{{}}`: a name is letters, digits and _, not starting with a digit, with no spaces, as in {{text}}",
            "DIR/en/a.prompt:5: malformed placeholder `{{2nd}}`: a name is letters, digits and _, not starting with a digit, with no spaces, as in {{text}}",
        ])
    }

    @Test("a prompt missing from a language that has others is reported with the missing file's path")
    func missingFromALanguage() throws {
        let fixture = try PromptFixture([
            "en/a.prompt": PromptFixture.prompt("", user: "A."),
            "en/b.prompt": PromptFixture.prompt("", user: "B."),
            "pl/a.prompt": PromptFixture.prompt("", user: "A."),
            "de/b.prompt": PromptFixture.prompt("", user: "B."),
        ])

        #expect(fixture.problems() == [
            "DIR/de/a.prompt: missing; en, pl have it",
            "DIR/pl/b.prompt: missing; de, en have it",
        ])
    }

    @Test("the same prompt declaring different placeholders in two languages is reported at the later language's header")
    func placeholdersDifferAcrossLanguages() throws {
        let fixture = try PromptFixture([
            "en/t.prompt": PromptFixture.prompt("text, target_language", user: "{{text}} {{target_language}}"),
            "pl/t.prompt": "# Tłumaczenie.\n" + PromptFixture.prompt("text", user: "{{text}}"),
        ])

        #expect(fixture.problems() == [
            "DIR/pl/t.prompt:2: declares placeholders (text) but DIR/en/t.prompt declares (target_language, text); every language must declare the same",
        ])
    }

    @Test("header and part mistakes are each reported at their line")
    func structureMistakes() throws {
        let fixture = try PromptFixture([
            "en/noheader.prompt": "--- user\nHello.\n",
            "en/nouser.prompt": "placeholders:\n--- system\nHello.\n",
            "en/stray.prompt": "placeholders:\nYou are a bot.\n--- user\nHello.\n",
            "en/twice.prompt": "placeholders:\nplaceholders: text\n--- user\nHello.\n--- user\nAgain.\n",
            "en/order.prompt": "placeholders:\n--- user\nHello.\n--- system\nBe kind.\n",
            "en/unknown.prompt": "placeholders:\n--- assistant\nHi.\n--- user\nHello.\n",
            "en/empty.prompt": "placeholders:\n--- system\n\n   \n--- user\nHello.\n",
            "en/badname.prompt": "placeholders: text, my-name, text\n--- user\n{{text}}\n",
        ])

        #expect(fixture.problems() == [
            "DIR/en/badname.prompt:1: `my-name` is not a placeholder name; names are letters, digits and _, not starting with a digit, separated by commas",
            "DIR/en/badname.prompt:1: placeholder `text` is declared twice",
            "DIR/en/empty.prompt:2: the `--- system` part is empty",
            "DIR/en/noheader.prompt:1: the header has no `placeholders:` line (write `placeholders:` with nothing after it for a prompt without placeholders)",
            "DIR/en/nouser.prompt:1: no `--- user` part; every prompt needs one",
            "DIR/en/order.prompt:4: the `--- system` part must come before the `--- user` part",
            "DIR/en/stray.prompt:2: unexpected text in the header; it holds `# comments` and one `placeholders: a, b` line, and the parts start at `--- system` or `--- user`",
            "DIR/en/twice.prompt:2: a second `placeholders:` line; declare every placeholder on one line",
            "DIR/en/twice.prompt:5: a second `--- user` part; a file has at most one of each",
            "DIR/en/unknown.prompt:2: unknown part `--- assistant`; the parts are `--- system` (optional) and `--- user`",
        ])
    }

    @Test("a file without a user part still has its other problems reported, but not its placeholders as unused")
    func missingUserPartReportsTheRest() throws {
        let fixture = try PromptFixture(["en/a.prompt": "placeholders: text\n--- system\nUse {{text\n"])

        #expect(fixture.problems() == [
            "DIR/en/a.prompt:1: no `--- user` part; every prompt needs one",
            "DIR/en/a.prompt:3: malformed placeholder: `{{` without a closing `}}` on the same line (placeholders are written {{name}})",
        ])
    }

    @Test("a file that is not UTF-8 is reported at the line of the first bad byte")
    func invalidUTF8() throws {
        let fixture = try PromptFixture([:])
        try fixture.write(Data(Array("placeholders:\n--- user\nZa".utf8) + [0xC5, 0x41] + Array("ółć\n".utf8)), to: "pl/bad.prompt")

        #expect(fixture.problems() == ["DIR/pl/bad.prompt:3: not valid UTF-8"])
    }

    @Test("every problem of every file is reported at once, in language, file and line order")
    func everyProblemAtOnce() throws {
        let fixture = try PromptFixture([
            "pl/x.prompt": "placeholders: a, b\n--- user\n{{c}} {{d\n",
            "en/x.prompt": "placeholders: a\n--- user\n{{a}} {{z}}\n",
        ])

        #expect(fixture.problems() == [
            "DIR/en/x.prompt:3: placeholder {{z}} is not declared (the header declares: a)",
            "DIR/pl/x.prompt:1: placeholder `a` is declared but never used",
            "DIR/pl/x.prompt:1: placeholder `b` is declared but never used",
            "DIR/pl/x.prompt:3: malformed placeholder: `{{` without a closing `}}` on the same line (placeholders are written {{name}})",
            "DIR/pl/x.prompt:3: placeholder {{c}} is not declared (the header declares: a, b)",
        ])
    }

    @Test("a missing directory, or one without prompt files, is a problem; other files and hidden entries are ignored")
    func directoryProblems() throws {
        let missing = PromptLibrary.load(directory: "/nonexistent/switchyard-prompts")
        #expect(throws: PromptLibraryError(problems: [
            "/nonexistent/switchyard-prompts: cannot open the prompts directory: No such file or directory (LLM_ROUTER_PROMPTS_DIR / --prompts-dir name it)",
        ])) { try missing.get() }

        let empty = try PromptFixture(["README.md": "# Prompts", "en/notes.txt": "x", ".git/a.prompt": "junk"])
        #expect(empty.problems() == ["DIR: no prompt files; expected DIR/<language>/<name>.prompt"])

        let valid = try PromptFixture([
            "README.md": "# Prompts", "en/a.prompt": PromptFixture.prompt("", user: "A."), "en/.a.prompt.swp": "junk",
            "docs/notes.txt": "not a language: no .prompt file",
        ])
        #expect(try valid.library().languages == ["en"])
    }

    @Test("a trailing slash on the directory does not double up in the paths of problems")
    func trailingSlash() throws {
        let fixture = try PromptFixture(["en/a.prompt": "placeholders: x\n--- user\nA.\n"])

        let result = PromptLibrary.load(directory: fixture.path + "/")

        #expect(throws: PromptLibraryError(problems: ["\(fixture.path)/en/a.prompt:1: placeholder `x` is declared but never used"])) {
            try result.get()
        }
    }
}
