import SwitchyardCore
import SwitchyardPrompts
import SwitchyardSupervisor

/// The prompt library directory: the settings' `--prompts-dir` / `LLM_ROUTER_PROMPTS_DIR`, else the install
/// layout next to this executable, else `resources/prompts` (see `PromptLibrary.defaultDirectory`).
func promptsDirectory(_ settings: Settings) -> String {
    PromptLibrary.directory(configured: settings.promptsDirectory, executable: ProcessSpawner.currentExecutable())
}

/// Loads the prompt library at `directory` and checks it can serve the builtin endpoints in the settings'
/// default language: what `serve` does at start and on HUP. Every problem is logged when it cannot.
func loadPrompts(_ settings: Settings, directory: String, logger: Logger) -> Result<PromptLibrary, PromptLibraryError> {
    let result = PromptLibrary.loadForServing(directory: directory, defaultLanguage: settings.defaultLanguage)
    if case .failure(let error) = result {
        logger.error("invalid prompt library", [("directory", .string(directory)), ("problems", .string(error.description))])
        logger.flush()
    }
    return result
}

/// The prompt library as a file each worker generation validates and receives as fd 6 (`SWITCHYARD_PROMPTS_FD`):
/// `initial` for the first generation, the directory loaded again on every HUP.
func promptsGenerationFile(_ settings: Settings, directory: String, initial: PromptLibrary) -> GenerationFile {
    GenerationFile(
        name: "prompts", what: "prompt library", fd: 6, environmentVariable: "SWITCHYARD_PROMPTS_FD",
        initial: initial.serialized()
    ) {
        PromptLibrary.loadForServing(directory: directory, defaultLanguage: settings.defaultLanguage)
            .map { $0.serialized() }
            .mapError { GenerationFile.Invalid(problems: $0.description) }
    }
}
