extension PromptLibrary {
    /// First field of a snapshot: the format and its version.
    private static let snapshotMagic = "switchyard-prompts 1"

    /// The library as bytes for the workers of a generation (handed over in a sealed memfd): length-prefixed
    /// fields `<decimal byte count>:<bytes>\n` — the format tag, the directory, then language, name and file
    /// text for every prompt. Carrying the texts, not the parsed form, lets ``parse(serialized:)`` run the same
    /// validation as ``load(directory:)``.
    package func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        func field(_ text: String) {
            let utf8 = Array(text.utf8)
            bytes.append(contentsOf: String(utf8.count).utf8)
            bytes.append(0x3A)  // ":"
            bytes.append(contentsOf: utf8)
            bytes.append(0x0A)
        }
        field(Self.snapshotMagic)
        field(directory)
        for language in languages {
            let prompts = templates[language] ?? [:]
            for name in prompts.keys.sorted() {
                field(language)
                field(name)
                field(prompts[name]?.source ?? "")
            }
        }
        return bytes
    }

    /// The library ``serialized()`` wrote, validated again exactly as when it was loaded from its directory.
    package static func parse(serialized bytes: [UInt8]) -> Result<PromptLibrary, PromptLibraryError> {
        func malformed(_ offset: Int) -> Result<PromptLibrary, PromptLibraryError> {
            .failure(PromptLibraryError(problems: ["prompt library snapshot: malformed at byte \(offset)"]))
        }
        var fields: [String] = []
        var index = 0
        while index < bytes.count {
            let start = index
            var count = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, index - start < 12 {
                count = count * 10 + Int(bytes[index] - 0x30)
                index += 1
            }
            guard index > start, index < bytes.count, bytes[index] == 0x3A else { return malformed(start) }
            index += 1
            guard count <= bytes.count - index - 1, bytes[index + count] == 0x0A,
                  let text = String(validating: bytes[index..<(index + count)], as: UTF8.self)
            else { return malformed(start) }
            fields.append(text)
            index += count + 1
        }
        guard fields.count >= 2, fields[0] == snapshotMagic, (fields.count - 2) % 3 == 0 else { return malformed(0) }
        let sources = stride(from: 2, to: fields.count, by: 3).map {
            Source(language: fields[$0], name: fields[$0 + 1], text: fields[$0 + 2])
        }
        return assemble(directory: fields[1], sources: sources)
    }
}
