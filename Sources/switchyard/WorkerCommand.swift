import Glibc
import SwitchyardCore
import SwitchyardGateway
import SwitchyardIO

/// `switchyard worker`: started by the supervisor (never by hand) with the listening socket as fd 3 and its end
/// of the control socket as fd 4; takes the same flags and environment as `serve`.
enum WorkerCommand {
    static func run(arguments: [String]) -> Int32 {
        let environment = ServeCommand.environment()
        let settings: Settings
        do {
            settings = try Settings.load(environment: environment, arguments: arguments)
        } catch {
            Console.error("switchyard worker: \(error.description)\n")
            return ProcessExitCode.fatalConfiguration
        }
        let id = Int(environment["SWITCHYARD_WORKER_ID"] ?? "") ?? 1
        let generation = Int(environment["SWITCHYARD_WORKER_GENERATION"] ?? "") ?? 1
        let listenFD = Int32(environment["SWITCHYARD_LISTEN_FD"] ?? "") ?? 3
        let controlFD = environment["SWITCHYARD_CONTROL_FD"].flatMap { Int32($0) }
        let logger = Logger(level: settings.logLevel, format: settings.logFormat, fileName: settings.logFilename, fields: [("worker.id", .int(id)), ("generation", .int(generation))])
        guard case .success(let config) = loadModelsConfig(settings, logger: logger) else {
            return ProcessExitCode.fatalConfiguration
        }
        do {
            let loop = try EventLoop()
            let models = try config ?? DemoUpstreams.start(on: loop, logger: logger)
            let worker = try WorkerProcess(loop: loop, settings: settings, config: models, listeningSocket: listenFD, identity: WorkerIdentity(id: id, generation: generation), logger: logger, controlFD: controlFD)
            return worker.run()
        } catch {
            logger.error("worker set-up failed", [("error", .string("\(error)"))])
            logger.flush()
            return ProcessExitCode.runtimeError
        }
    }
}
