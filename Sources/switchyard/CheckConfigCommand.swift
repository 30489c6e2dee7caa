import Glibc
import SwitchyardCore
import SwitchyardPrompts

/// `switchyard check-config [FILE] [flags]`: validates what `serve` would load with the same environment and
/// flags — the models configuration (FILE, else `--config` / `LLM_ROUTER_MODELS_CONFIG`; with neither, demo mode
/// has none to check) and the prompt library (`--prompts-dir` / `LLM_ROUTER_PROMPTS_DIR`, checked against
/// `--default-language`) — and lists every problem. Exit 0 when both are valid, 2 otherwise.
enum CheckConfigCommand {
    static let usage = """
        usage: switchyard check-config [FILE] [flags]
          FILE   models config (default: --config / LLM_ROUTER_MODELS_CONFIG; none: demo mode, nothing to check)
          flags  as for `switchyard serve`; --prompts-dir and --default-language choose the prompt library checked

        """

    static func run(arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            Console.out(usage)
            return ProcessExitCode.ok
        }
        var flags = arguments
        var file: String?
        if let first = arguments.first, !first.hasPrefix("-") {
            file = first
            flags.removeFirst()
        }
        let settings: Settings
        do {
            settings = try Settings.load(environment: ServeCommand.environment(), arguments: flags)
        } catch {
            Console.error("switchyard check-config: \(error.description)\n\n\(usage)")
            return ProcessExitCode.fatalConfiguration
        }
        var status = ProcessExitCode.ok
        if let path = file ?? settings.modelsConfigPath {
            do {
                let config = try ModelsConfig.load(path: path)
                let providers = config.models.reduce(0) { $0 + $1.providers.count }
                print("\(path): ok (\(config.format.rawValue) format, \(config.models.count) models, \(providers) providers)")
            } catch {
                Console.error("\(path): \(error.problems.count) problem(s)\n")
                for problem in error.problems { Console.error("  \(problem.path): \(problem.message)\n") }
                status = ProcessExitCode.fatalConfiguration
            }
        } else {
            print("no models config (FILE, --config or LLM_ROUTER_MODELS_CONFIG): serve would run the demo")
        }
        switch readClientKeysFile(settings) {
        case .success(let loaded?):
            print("\(settings.authKeysFile ?? ""): ok (client keys: \(loaded.keys.count))")
        case .success(nil):
            break
        case .failure(let error):
            Console.error("\(error.file ?? "client keys"): \(error.problems.count) problem(s)\n")
            for problem in error.problems { Console.error("  \(problem.path): \(problem.message)\n") }
            status = ProcessExitCode.fatalConfiguration
        }
        let directory = promptsDirectory(settings)
        switch PromptLibrary.loadForServing(directory: directory, defaultLanguage: settings.defaultLanguage) {
        case .success(let prompts):
            print("\(directory): ok (prompt library: \(prompts.names.count) prompts in \(prompts.languages.joined(separator: ", ")); default language \(settings.defaultLanguage))")
        case .failure(let error):
            Console.error("\(directory): \(error.problems.count) problem(s) in the prompt library\n")
            for problem in error.problems { Console.error("  \(problem)\n") }
            status = ProcessExitCode.fatalConfiguration
        }
        return status
    }
}
