import Glibc
import SwitchyardCore
import SwitchyardGateway
import SwitchyardIO
import SwitchyardUpstream

/// `switchyard serve`: load settings and configuration, bind, run.
enum ServeCommand {
    static func run(arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print("switchyard serve — run the router\n\n\(Settings.helpText)")
            return WorkerProcess.ExitCode.ok
        }
        let settings: Settings
        do {
            settings = try Settings.load(environment: environment(), arguments: arguments)
        } catch {
            Console.error("switchyard serve: \(error.description)\n")
            return WorkerProcess.ExitCode.fatalConfiguration
        }
        let logger = Logger(level: settings.logLevel, format: settings.logFormat, fileName: settings.logFilename, fields: [("worker.id", .int(1))])
        var config: ModelsConfig?
        if let path = settings.modelsConfigPath {
            do {
                config = try ModelsConfig.load(path: path)
            } catch {
                logger.error("invalid models configuration", [("file", .string(path)), ("problems", .string(error.description))])
                logger.flush()
                return WorkerProcess.ExitCode.fatalConfiguration
            }
        }
        UpstreamClient.globalInit()
        let fd: Int32
        let port: Int
        do {
            fd = try Socket.listen(host: settings.host, port: settings.port)
            port = try Socket.localPort(fd)
        } catch {
            logger.error("cannot listen", [("address", .string("\(settings.host):\(settings.port)")), ("error", .string(error.description))])
            logger.flush()
            return WorkerProcess.ExitCode.bindFailed
        }
        if settings.workers > 1 {
            logger.info("running a single worker process; multi-worker supervision is not in this build yet", [("workers.requested", .int(settings.workers))])
        }
        let worker: WorkerProcess
        do {
            worker = try WorkerProcess(settings: settings, config: config, listeningSocket: fd, identity: WorkerIdentity(id: 1), logger: logger)
        } catch {
            logger.error("worker set-up failed", [("error", .string("\(error)"))])
            logger.flush()
            return WorkerProcess.ExitCode.runtimeError
        }
        let hostForURL = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        logger.info("listening", [("url", .string("http://\(hostForURL):\(port)")), ("models", .int(config?.models.count ?? 1)), ("strategy", .string(settings.balanceStrategy))])
        logger.flush()
        // One machine-readable line on stdout for scripts and tests that bind port 0.
        Console.out("listening on http://\(hostForURL):\(port)\n")
        return worker.run()
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
