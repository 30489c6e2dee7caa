extension PromptLibrary {
    /// The prompts directory to load: `configured` (`LLM_ROUTER_PROMPTS_DIR` / `--prompts-dir`) when given,
    /// otherwise ``defaultDirectory(executable:)``.
    package static func directory(configured: String?, executable: String) -> String {
        if let configured, !configured.isEmpty { return configured }
        return defaultDirectory(executable: executable)
    }

    /// Where the prompts are when the settings do not say: the install layout's `<prefix>/share/switchyard/prompts`
    /// for an executable at `<prefix>/bin/switchyard` (`/usr/local/bin` → `/usr/local/share/switchyard/prompts`,
    /// as the Docker image has it) when that is a directory, else `resources/prompts` relative to the current
    /// directory (a source checkout, as `scripts/run.sh` runs it).
    package static func defaultDirectory(executable: String) -> String {
        if let installed = installedDirectory(executable: executable), DirectoryListing.isDirectory(installed) {
            return installed
        }
        return "resources/prompts"
    }

    /// `<prefix>/share/switchyard/prompts` for an executable at `<prefix>/<dir>/switchyard`; nil when the path has
    /// no parent directory to go up from.
    static func installedDirectory(executable: String) -> String? {
        guard let slash = executable.lastIndex(of: "/") else { return nil }
        let binary = executable[..<slash]
        guard !binary.isEmpty else { return nil }
        guard let parentSlash = binary.lastIndex(of: "/") else { return "./share/switchyard/prompts" }
        return "\(binary[..<parentSlash])/share/switchyard/prompts"
    }
}
