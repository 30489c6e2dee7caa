import Glibc
import SwitchyardCore
import SwitchyardGateway
import SwitchyardIO
import SwitchyardPrompts

/// `switchyard worker`: started by the supervisor (never by hand) with the listening socket as fd 3, its end of
/// the control socket as fd 4, unless in demo mode its generation's models file as fd 5, and its generation's
/// prompt library as fd 6 (sealed memfds); takes the same flags and environment as `serve`.
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
        var config: ModelsConfig?
        if let path = settings.modelsConfigPath {
            // The generation's validated bytes, never the file on disk: it may have been edited since (README).
            guard let modelsFD = environment["SWITCHYARD_MODELS_FD"].flatMap({ Int32($0) }) else {
                logger.error("no models configuration from the supervisor (SWITCHYARD_MODELS_FD): workers are started by `switchyard serve`", [])
                logger.flush()
                return ProcessExitCode.fatalConfiguration
            }
            let bytes: [UInt8]
            do {
                bytes = try SealedFile.read(modelsFD)
                close(modelsFD)
            } catch {
                logger.error("cannot read the models configuration from the supervisor", [("error", .string(error.description))])
                logger.flush()
                return ProcessExitCode.runtimeError
            }
            do {
                config = try ModelsConfig.parse(bytes, file: path)
            } catch {
                logger.error("invalid models configuration", [("file", .string(path)), ("problems", .string(error.description))])
                logger.flush()
                return ProcessExitCode.fatalConfiguration
            }
        }
        // The generation's validated prompt library (a snapshot, not the directory, for the same reason).
        guard let promptsFD = environment["SWITCHYARD_PROMPTS_FD"].flatMap({ Int32($0) }) else {
            logger.error("no prompt library from the supervisor (SWITCHYARD_PROMPTS_FD): workers are started by `switchyard serve`", [])
            logger.flush()
            return ProcessExitCode.fatalConfiguration
        }
        let promptBytes: [UInt8]
        do {
            promptBytes = try SealedFile.read(promptsFD)
            close(promptsFD)
        } catch {
            logger.error("cannot read the prompt library from the supervisor", [("error", .string(error.description))])
            logger.flush()
            return ProcessExitCode.runtimeError
        }
        let prompts: PromptLibrary
        switch PromptLibrary.parse(serialized: promptBytes) {
        case .success(let library): prompts = library
        case .failure(let error):
            logger.error("invalid prompt library", [("problems", .string(error.description))])
            logger.flush()
            return ProcessExitCode.fatalConfiguration
        }
        do {
            let loop = try EventLoop()
            let models = try config ?? DemoUpstreams.start(on: loop, logger: logger)
            let worker = try WorkerProcess(loop: loop, settings: settings, config: models, prompts: prompts, listeningSocket: listenFD, identity: WorkerIdentity(id: id, generation: generation, instanceID: environment["SWITCHYARD_WORKER_INSTANCE_ID"]), logger: logger, controlFD: controlFD)
            return worker.run()
        } catch {
            logger.error("worker set-up failed", [("error", .string("\(error)"))])
            logger.flush()
            return ProcessExitCode.runtimeError
        }
    }
}
