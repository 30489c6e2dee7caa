/// The prompts of the builtin endpoints, one file per language and name (`<lang>/<name>.prompt` under a
/// directory; the format is in `resources/prompts/README.md`). A loaded library is valid: every file parsed,
/// every name exists in every language with the same placeholders, so rendering fails only on a request's
/// mistake (an unknown language, a missing value).
package struct PromptLibrary: Sendable, Equatable {
    /// The directory the library was loaded from, as given; the paths in problems start with it.
    package let directory: String
    /// language → prompt name → parsed file.
    let templates: [String: [String: PromptTemplate]]

    init(directory: String, templates: [String: [String: PromptTemplate]]) {
        self.directory = directory
        self.templates = templates
    }

    /// Available languages, sorted.
    package var languages: [String] { templates.keys.sorted() }

    /// Every prompt name, sorted (each exists in every language).
    package var names: [String] { templates.values.first.map { $0.keys.sorted() } ?? [] }

    /// Whether `name` exists (in every language).
    package func has(_ name: String) -> Bool {
        !templates.isEmpty && templates.values.allSatisfy { $0[name] != nil }
    }

    /// The placeholders `name` declares (the same set in every language), in the order the first language's
    /// file lists them; nil for an unknown name.
    package func placeholders(of name: String) -> [String]? {
        languages.first.flatMap { templates[$0]?[name]?.placeholders }
    }

    /// The library's spelling of `language`: an exact match, else the one equal ignoring case (`PL` → `pl`).
    package func language(matching language: String) -> String? {
        if templates[language] != nil { return language }
        let lowered = language.lowercased()
        return templates.keys.first { $0.lowercased() == lowered }
    }

    /// Renders `name` in `language` with `values`; every declared placeholder must have a value. Values are
    /// substituted verbatim (no escaping: they are plain text for a chat message); values the prompt does not
    /// declare are ignored.
    package func render(_ name: String, language: String, values: [String: String]) -> Result<RenderedPrompt, PromptError> {
        guard let language = self.language(matching: language), let prompts = templates[language] else {
            return .failure(.unsupportedLanguage(language, available: languages))
        }
        guard let template = prompts[name] else { return .failure(.unknownPrompt(name)) }
        return template.render(name: name, values: values)
    }

    /// The path of `name`'s file in `language`, for problems.
    func path(language: String, name: String) -> String {
        "\(directory)/\(language)/\(name).prompt"
    }
}
