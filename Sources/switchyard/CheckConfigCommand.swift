import Glibc
import SwitchyardCore

/// `switchyard check-config FILE`: validates a models configuration and lists every problem.
enum CheckConfigCommand {
    static func run(arguments: [String]) -> Int32 {
        guard let path = arguments.first, !path.hasPrefix("-") else {
            Console.error("usage: switchyard check-config FILE\n")
            return ProcessExitCode.fatalConfiguration
        }
        do {
            let config = try ModelsConfig.load(path: path)
            let providers = config.models.reduce(0) { $0 + $1.providers.count }
            print("\(path): ok (\(config.format.rawValue) format, \(config.models.count) models, \(providers) providers)")
            return ProcessExitCode.ok
        } catch {
            Console.error("\(path): \(error.problems.count) problem(s)\n")
            for problem in error.problems { Console.error("  \(problem.path): \(problem.message)\n") }
            return ProcessExitCode.fatalConfiguration
        }
    }
}
