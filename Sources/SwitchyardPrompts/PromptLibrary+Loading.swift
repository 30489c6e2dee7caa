import SwitchyardCore

extension PromptLibrary {
    /// One prompt file found in the directory (or carried in a snapshot), before parsing.
    struct Source {
        var language: String
        var name: String
        /// The file's text; nil when it could not be read, which `problem` says.
        var text: String?
        var problem: String?
    }

    /// Loads every `<lang>/<name>.prompt` under `directory`; all problems at once.
    ///
    /// A language is a subdirectory holding at least one `.prompt` file; other files and hidden entries are
    /// ignored. Problems: an unreadable directory or file, a file that is not UTF-8 or breaks the format, a name
    /// missing from a language that has other prompts, and a name whose languages declare different placeholders.
    package static func load(directory: String) -> Result<PromptLibrary, PromptLibraryError> {
        var root = directory
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        let entries: [String]
        switch DirectoryListing.names(in: root) {
        case .failure(let failure):
            return .failure(PromptLibraryError(problems: ["\(root): cannot open the prompts directory: \(failure) (LLM_ROUTER_PROMPTS_DIR / --prompts-dir name it)"]))
        case .success(let names):
            entries = names
        }
        var sources: [Source] = []
        var problems: [String] = []
        for language in entries where DirectoryListing.isDirectory("\(root)/\(language)") {
            let files: [String]
            switch DirectoryListing.names(in: "\(root)/\(language)") {
            case .failure(let failure):
                problems.append("\(root)/\(language): cannot open the directory: \(failure)")
                continue
            case .success(let names):
                files = names.filter { $0.hasSuffix(".prompt") && $0.count > ".prompt".count }
            }
            for file in files {
                let path = "\(root)/\(language)/\(file)"
                var source = Source(language: language, name: String(file.dropLast(".prompt".count)))
                switch FileContents.read(path) {
                case .failure(let failure):
                    source.problem = "\(path): cannot read the file: \(failure)"
                case .success(let bytes):
                    if let text = String(validating: bytes, as: UTF8.self) {
                        source.text = text
                    } else {
                        source.problem = "\(path):\(lineOfFirstInvalidUTF8(bytes)): not valid UTF-8"
                    }
                }
                sources.append(source)
            }
        }
        return assemble(directory: root, sources: sources, problems: problems)
    }

    /// Parses `sources` into a library, adding the problems that span files (a name missing from a language, a
    /// name whose languages declare different placeholders) to `problems`. Loading from a directory and from a
    /// snapshot both end here, so both accept exactly the same libraries.
    static func assemble(directory: String, sources: [Source], problems: [String] = []) -> Result<PromptLibrary, PromptLibraryError> {
        var problems = problems
        guard !sources.isEmpty else {
            problems.append("\(directory): no prompt files; expected \(directory)/<language>/<name>.prompt")
            return .failure(PromptLibraryError(problems: problems))
        }
        var found: [String: [String: Source]] = [:]
        var parsed: [String: [String: PromptTemplate]] = [:]
        var fileProblems: [String: [String: [String]]] = [:]
        let library = PromptLibrary(directory: directory, templates: [:])
        for source in sources {
            found[source.language, default: [:]][source.name] = source
            if let problem = source.problem {
                fileProblems[source.language, default: [:]][source.name] = [problem]
            } else if let text = source.text {
                switch PromptTemplate.parse(text, path: library.path(language: source.language, name: source.name)) {
                case .success(let template): parsed[source.language, default: [:]][source.name] = template
                case .failure(let error): fileProblems[source.language, default: [:]][source.name] = error.problems
                }
            }
        }
        let languages = found.keys.sorted()
        let names = Set(sources.map(\.name)).sorted()
        // Placeholders are compared with the first language (in sorted order) where the file parsed.
        var reference: [String: (language: String, template: PromptTemplate)] = [:]
        for language in languages.reversed() {
            for (name, template) in parsed[language] ?? [:] { reference[name] = (language, template) }
        }
        for language in languages {
            for name in names {
                let path = library.path(language: language, name: name)
                guard found[language]?[name] != nil else {
                    let holders = languages.filter { found[$0]?[name] != nil }
                    problems.append("\(path): missing; \(holders.joined(separator: ", ")) \(holders.count == 1 ? "has" : "have") it")
                    continue
                }
                problems += fileProblems[language]?[name] ?? []
                if let template = parsed[language]?[name], let reference = reference[name], reference.language != language,
                   Set(reference.template.placeholders) != Set(template.placeholders) {
                    problems.append("""
                        \(path):\(template.placeholdersLine): declares placeholders (\(list(template.placeholders))) but \
                        \(library.path(language: reference.language, name: name)) declares (\(list(reference.template.placeholders))); \
                        every language must declare the same
                        """)
                }
            }
        }
        guard problems.isEmpty else { return .failure(PromptLibraryError(problems: problems)) }
        return .success(PromptLibrary(directory: directory, templates: parsed))
    }

    /// Placeholder names for a message, sorted; `none` for none.
    static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.sorted().joined(separator: ", ")
    }

    /// The 1-based line holding the first byte that is not valid UTF-8.
    private static func lineOfFirstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var line = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            // The sequence length a lead byte announces (RFC 3629 §4); 0 for a byte that cannot start one.
            let length = byte < 0x80 ? 1 : byte >= 0xC2 && byte <= 0xDF ? 2 : byte >= 0xE0 && byte <= 0xEF ? 3 : byte >= 0xF0 && byte <= 0xF4 ? 4 : 0
            guard length > 0, index + length <= bytes.count,
                  String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
            else { return line }
            if byte == 0x0A { line += 1 }
            index += length
        }
        return line
    }
}
