import Testing
@testable import SwitchyardPrompts

@Suite("Prompt library: the snapshot handed to workers")
struct PromptLibrarySnapshotTests {
    @Test("a library survives serialize and parse unchanged, and renders the same")
    func roundTrip() throws {
        let library = try PromptLibrary.load(directory: PromptFixture.shipped).get()

        let copy = try PromptLibrary.parse(serialized: library.serialized()).get()

        #expect(copy == library)
        #expect(copy.directory == PromptFixture.shipped)
        let values = ["text": "Zażółć gęślą jaźń.\n{{text}}", "target_language": "English"]
        #expect(try copy.render("translate", language: "pl", values: values).get()
            == library.render("translate", language: "pl", values: values).get())
    }

    @Test("a library of one prompt with no system part and no placeholders round-trips too")
    func minimalRoundTrip() throws {
        let fixture = try PromptFixture(["xx/only.prompt": "placeholders:\n--- user\n:\n"])
        let library = try fixture.library()

        #expect(try PromptLibrary.parse(serialized: library.serialized()).get() == library)
    }

    @Test("a snapshot is validated again like the directory: a broken file in it is reported with its path and line")
    func snapshotIsValidated() throws {
        let text = "placeholders: text\n--- user\n{{txt}}\n"
        let bytes = Array("20:switchyard-prompts 1\n5:/dir1\n2:en\n1:a\n\(text.utf8.count):\(text)\n".utf8)

        #expect(throws: PromptLibraryError(problems: [
            "/dir1/en/a.prompt:1: placeholder `text` is declared but never used",
            "/dir1/en/a.prompt:3: placeholder {{txt}} is not declared (the header declares: text)",
        ])) { try PromptLibrary.parse(serialized: bytes).get() }
    }

    @Test("a truncated, mislabelled or garbled snapshot is rejected, never half read", arguments: [
        "", "garbage", "20:switchyard-prompts 9\n1:/\n", "20:switchyard-prompts 1\n", "20:switchyard-prompts 1\n1:/\n2:en\n",
        "20:switchyard-prompts 1\n1:/\n2:en\n1:a\n99:placeholders:\n",
    ])
    func malformedSnapshot(text: String) {
        let result = PromptLibrary.parse(serialized: Array(text.utf8))

        #expect(throws: PromptLibraryError.self) { try result.get() }
        if case .failure(let error) = result {
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.hasPrefix("prompt library snapshot: malformed at byte ") == true)
        }
    }
}
