import Glibc
import SwitchyardCoordination
import SwitchyardCore
import SwitchyardGateway
import SwitchyardIO
import SwitchyardRedis
import SwitchyardSupervisor
import SwitchyardUpstream

/// `switchyard serve`: load settings, validate the configuration, bind one socket per worker, supervise.
enum ServeCommand {
    static func run(arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print("switchyard serve — run the router\n\n\(Settings.helpText)")
            return ProcessExitCode.ok
        }
        let settings: Settings
        do {
            settings = try Settings.load(environment: environment(), arguments: arguments)
        } catch {
            Console.error("switchyard serve: \(error.description)\n")
            return ProcessExitCode.fatalConfiguration
        }
        let logger = Logger(level: settings.logLevel, format: settings.logFormat, fileName: settings.logFilename, fields: [("role", "supervisor")])
        // Both are checked before giving up, so one start lists every problem. The prompt library is separate
        // from the models file: demo mode loads it too.
        let models = readModelsFile(settings, logger: logger)
        let promptsDirectory = promptsDirectory(settings)
        let library = loadPrompts(settings, directory: promptsDirectory, logger: logger)
        let clientKeys = readClientKeysFile(settings)
        if case .failure(let error) = clientKeys {
            logger.error("invalid client keys", [("problems", .string(error.description))])
            logger.flush()
        }
        guard case .success(let modelsFile) = models, case .success(let prompts) = library, case .success(let keysFile) = clientKeys else {
            return ProcessExitCode.fatalConfiguration
        }
        logger.info("prompt library loaded", [
            ("directory", .string(promptsDirectory)), ("languages", .string(prompts.languages.joined(separator: ","))),
            ("prompts", .int(prompts.names.count)), ("default_language", .string(settings.defaultLanguage)),
        ])
        let workers = max(1, settings.workers)
        // One SO_REUSEPORT socket per worker slot, all bound here: the kernel spreads connections evenly across
        // them, and a dead worker's queued connections wait in its socket for the replacement (README, Design).
        // A slot that will get no replacement has its socket closed by the supervisor (and bound again on HUP).
        var sockets: [Int32] = []
        var port = settings.port
        do {
            for _ in 0..<workers {
                let fd = try Socket.listen(host: settings.host, port: port, reusePort: true)
                if port == 0 { port = try Socket.localPort(fd) }
                sockets.append(try ProcessSpawner.raise(fd))
            }
        } catch {
            logger.error("cannot listen", [("address", .string("\(settings.host):\(settings.port)")), ("error", .string(error.description))])
            logger.flush()
            return ProcessExitCode.bindFailed
        }
        let loop: EventLoop
        do {
            loop = try EventLoop()
        } catch {
            logger.error("cannot create the event loop", [("error", .string(error.description))])
            return ProcessExitCode.runtimeError
        }
        let handedOver: Set<String> = ["SWITCHYARD_LISTEN_FD", "SWITCHYARD_CONTROL_FD", "SWITCHYARD_MODELS_FD", "SWITCHYARD_PROMPTS_FD", "SWITCHYARD_METRICS_FD", "SWITCHYARD_AUTH_KEYS_FD", "SWITCHYARD_REGISTRY_FD"]
        var configuration = Supervisor.Configuration(
            workers: workers,
            drainTimeout: settings.drainTimeout,
            executable: ProcessSpawner.currentExecutable(),
            workerArguments: arguments,
            environment: environment().filter { !$0.key.hasPrefix("SWITCHYARD_WORKER_") && !handedOver.contains($0.key) }.map { "\($0.key)=\($0.value)" },
            configPath: settings.modelsConfigPath)
        // One id names this router in the owner tokens of its workers' shared holds, so that the supervisor can
        // free the holds of a worker that died without releasing them.
        let instanceID = RedisProviderSelector.instanceID(supervisorPID: getpid())
        configuration.environment.append("SWITCHYARD_WORKER_INSTANCE_ID=\(instanceID)")
        // Without a configured Redis, several workers still act as one router through a private redis-server.
        let privateRedis = startPrivateRedis(settings, workers: workers, logger: logger)
        defer { privateRedis?.stop() }
        var redisConfiguration = RedisConfiguration(settings: settings)
        if let privateRedis {
            configuration.environment.removeAll { $0.hasPrefix("LLM_ROUTER_REDIS_URL=") }
            configuration.environment.append("LLM_ROUTER_REDIS_URL=\(privateRedis.url)")
            redisConfiguration = try? RedisConfiguration(url: privateRedis.url, keyPrefix: settings.redisPrefix)
        }
        configuration.modelsFile = modelsFile?.bytes
        if settings.modelsConfigPath == nil { configuration.modelsWithoutFile = [DemoUpstreams.modelName] }
        configuration.generationFiles = [promptsGenerationFile(settings, directory: promptsDirectory, initial: prompts)]
        if let keysFile, let path = settings.authKeysFile {
            configuration.generationFiles.append(clientKeysGenerationFile(path: path, initial: keysFile.bytes))
            logger.info("client keys loaded", [("keys", .int(keysFile.keys.count)), ("public_endpoints", .string(settings.authPublicEndpoints.joined(separator: ",")))])
        }
        configuration.listenAddress = (settings.host, port)
        let supervisor = Supervisor(loop: loop, logger: logger, configuration: configuration, sockets: sockets)
        let reaper = redisConfiguration.map { HoldReaper(configuration: $0, instanceID: instanceID, loop: loop, logger: logger) }
        if let reaper {
            supervisor.onAbnormalExit = { pid, models in reaper.reap(workerPID: pid, models: models) }
        }
        if let privateRedis {
            supervisor.onOtherChildExit = { [unowned loop] pid in privateRedis.childExited(pid, loop: loop) }
        }
        defer { reaper?.close() }
        let hostForURL = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        supervisor.onReady = {
            logger.info("listening", [("url", .string("http://\(hostForURL):\(port)")), ("workers", .int(workers)), ("models", .int(modelsFile?.config.models.count ?? 1)), ("strategy", .string(settings.balanceStrategy))])
            logger.flush()
            // One machine-readable line on stdout for scripts and tests that bind port 0.
            Console.out("listening on http://\(hostForURL):\(port)\n")
        }
        return supervisor.run()
    }

    /// The private redis-server of this instance, when no Redis is configured, several workers run, and
    /// `redis-server` is installed (and `LLM_ROUTER_LOCAL_REDIS` is not `off`); nil otherwise, saying why once.
    private static func startPrivateRedis(_ settings: Settings, workers: Int, logger: Logger) -> PrivateRedis? {
        guard settings.redisEndpoint == nil, workers > 1 else { return nil }
        guard settings.localRedis else {
            logger.info("no Redis: each worker selects providers on its own state (LLM_ROUTER_LOCAL_REDIS=off)", [("workers", .int(workers))])
            return nil
        }
        let variables = environment()
        guard let executable = PrivateRedis.findExecutable(path: variables["PATH"]) else {
            logger.warning("no Redis configured and redis-server is not installed: each worker selects providers on its own state (install redis-server, or set LLM_ROUTER_REDIS_URL)", [("workers", .int(workers))])
            return nil
        }
        do {
            let redis = try PrivateRedis(executable: executable, temporaryDirectory: variables["TMPDIR"], logger: logger)
            logger.info("no Redis configured: running a private redis-server so the workers act as one router", [("socket", .string(redis.socketPath)), ("workers", .int(workers))])
            return redis
        } catch {
            logger.warning("cannot start a private redis-server: each worker selects providers on its own state", [("error", .string(error.description))])
            return nil
        }
    }

    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}
