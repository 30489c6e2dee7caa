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
            let bytes: [UInt8]
            switch readGenerationFile("SWITCHYARD_MODELS_FD", what: "models configuration", environment: environment, logger: logger) {
            case .success(let read): bytes = read
            case .failure(let exit): return exit.code
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
        let prompts: PromptLibrary
        switch readGenerationFile("SWITCHYARD_PROMPTS_FD", what: "prompt library", environment: environment, logger: logger)
            .flatMap({ bytes in PromptLibrary.parse(serialized: bytes).mapError { error in
                logger.error("invalid prompt library", [("problems", .string(error.description))])
                logger.flush()
                return WorkerExit(code: ProcessExitCode.fatalConfiguration)
            } }) {
        case .success(let library): prompts = library
        case .failure(let exit): return exit.code
        }
        // The generation's validated client keys, when client keys are on.
        var clientKeys: ClientKeys?
        if settings.authEnabled {
            switch readGenerationFile("SWITCHYARD_AUTH_KEYS_FD", what: "client keys file", environment: environment, logger: logger) {
            case .success(let bytes):
                do {
                    clientKeys = try ClientKeys.parse(bytes, file: settings.authKeysFile)
                } catch {
                    logger.error("invalid client keys file", [("problems", .string(error.description))])
                    logger.flush()
                    return ProcessExitCode.fatalConfiguration
                }
            case .failure(let exit): return exit.code
            }
        }
        // The model registry the supervisor holds (a router without Redis), when the API changed any model.
        var registry = RegistrySnapshot.empty
        if environment["SWITCHYARD_REGISTRY_FD"] != nil {
            switch readGenerationFile("SWITCHYARD_REGISTRY_FD", what: "model registry", environment: environment, logger: logger) {
            case .success(let bytes):
                guard let read = RegistrySnapshot(serialized: bytes) else {
                    logger.error("the model registry from the supervisor does not read", [])
                    logger.flush()
                    return ProcessExitCode.runtimeError
                }
                registry = read
            case .failure(let exit): return exit.code
            }
        }
        do {
            let loop = try EventLoop()
            let models = try config ?? DemoUpstreams.start(on: loop, logger: logger)
            let worker = try WorkerProcess(loop: loop, settings: settings, config: models, prompts: prompts, listeningSocket: listenFD, identity: WorkerIdentity(id: id, generation: generation, instanceID: environment["SWITCHYARD_WORKER_INSTANCE_ID"]), logger: logger, controlFD: controlFD,
                                           metrics: sharedMetrics(environment: environment, logger: logger), clientKeys: clientKeys, registry: registry)
            return worker.run()
        } catch {
            logger.error("worker set-up failed", [("error", .string("\(error)"))])
            logger.flush()
            return ProcessExitCode.runtimeError
        }
    }

    /// The instance's shared metrics region (fd `SWITCHYARD_METRICS_FD`) and a cell claimed in it for this process;
    /// nil (logged) when there is none or no cell is free: this worker then counts on its own.
    private static func sharedMetrics(environment: [String: String], logger: Logger) -> (region: SharedCounters, cell: Int)? {
        guard let fd = environment["SWITCHYARD_METRICS_FD"].flatMap({ Int32($0) }) else { return nil }
        do {
            let region = try SharedCounters.attach(fd: fd)
            guard let cell = region.claimCell(pid: getpid()) else {
                logger.warning("no free cell in the instance's metrics; this worker's counts are visible only in its own scrapes", [])
                return nil
            }
            return (region, cell)
        } catch {
            logger.warning("cannot map the instance's metrics; this worker counts on its own", [("error", .string(error.description))])
            return nil
        }
    }

    /// The bytes of a generation file the supervisor passed as the fd named by `variable` (then closed); the exit
    /// code to stop with, logged, when it is missing (2) or unreadable (1).
    private static func readGenerationFile(_ variable: String, what: String, environment: [String: String], logger: Logger) -> Result<[UInt8], WorkerExit> {
        guard let fd = environment[variable].flatMap({ Int32($0) }) else {
            logger.error("no \(what) from the supervisor (\(variable)): workers are started by `switchyard serve`", [])
            logger.flush()
            return .failure(WorkerExit(code: ProcessExitCode.fatalConfiguration))
        }
        do {
            let bytes = try SealedFile.read(fd)
            close(fd)
            return .success(bytes)
        } catch {
            logger.error("cannot read the \(what) from the supervisor", [("error", .string(error.description))])
            logger.flush()
            return .failure(WorkerExit(code: ProcessExitCode.runtimeError))
        }
    }
}

/// A worker start-up failure: the process exit code, already logged.
private struct WorkerExit: Error {
    let code: Int32
}
