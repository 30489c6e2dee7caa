extension PromptLibrary {
    /// ``load(directory:)`` plus what serving the builtin endpoints needs (``servingProblems(defaultLanguage:)``):
    /// what `serve` (at start and on HUP) and `check-config` run.
    package static func loadForServing(directory: String, defaultLanguage: String) -> Result<PromptLibrary, PromptLibraryError> {
        load(directory: directory).flatMap { library in
            let problems = library.servingProblems(defaultLanguage: defaultLanguage)
            return problems.isEmpty ? .success(library) : .failure(PromptLibraryError(problems: problems))
        }
    }

    /// What keeps this library from serving the builtin endpoints: a default language it lacks, a missing
    /// ``BuiltinPrompt``, or a builtin prompt declaring a placeholder its endpoint never fills (every request
    /// would fail with a missing value).
    package func servingProblems(defaultLanguage: String) -> [String] {
        var problems: [String] = []
        if language(matching: defaultLanguage) == nil {
            problems.append("""
                \(directory): the default language "\(defaultLanguage)" (LLM_ROUTER_DEFAULT_EP_LANGUAGE / \
                --default-language) has no prompts; available: \(languages.joined(separator: ", "))
                """)
        }
        for builtin in BuiltinPrompt.allCases {
            for language in languages {
                let path = path(language: language, name: builtin.rawValue)
                guard let template = templates[language]?[builtin.rawValue] else {
                    problems.append("\(path): missing; the builtin endpoints need it")
                    continue
                }
                for name in template.placeholders where !builtin.placeholders.contains(name) {
                    problems.append("""
                        \(path):\(template.placeholdersLine): declares `\(name)`, which the builtin endpoint never fills \
                        (it fills: \(Self.list(builtin.placeholders)))
                        """)
                }
            }
        }
        return problems
    }
}
