import Glibc
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardPrompts
import SwitchyardRedis
import SwitchyardUpstream

/// Runs one worker: an event loop with the HTTP server, the gateway and signal handling (nginx semantics:
/// TERM/INT fast stop, QUIT graceful stop, HUP reload, USR1 reopen logs).
package final class WorkerProcess {
    private let loop: EventLoop
    private let settings: Settings
    private let logger: Logger
    private let gateway: Gateway
    /// The prompt library this worker's generation validated.
    private let prompts: PromptLibrary
    private let server: HTTPServer
    private var signals: SignalWatcher?
    private var exitCode = ProcessExitCode.ok
    private var stopping = false
    private let controlFD: Int32?
    private var supervisorLink: SupervisorLink?
    /// The model registry held by the supervisor (a router without Redis), fed by control-socket lines.
    private var supervisorRegistry: SupervisorRegistryStore?

    /// Sets up the worker on `loop` serving `config` and `prompts` on `listeningSocket`.
    /// `controlFD` is the worker's end of the supervisor's control socket (nil when run standalone); `metrics` the
    /// instance's shared counters and this worker's cell in them (nil: counters of its own); `registry` is the
    /// model registry the supervisor handed over at start (without Redis).
    package init(loop: EventLoop, settings: Settings, config: ModelsConfig, prompts: PromptLibrary, listeningSocket: Int32, identity: WorkerIdentity, logger: Logger,
                 controlFD: Int32? = nil, metrics: (region: SharedCounters, cell: Int)? = nil, clientKeys: ClientKeys? = nil,
                 registry: RegistrySnapshot = .empty) throws {
        self.loop = loop
        self.prompts = prompts
        self.controlFD = controlFD
        self.settings = settings
        self.logger = logger
        let models = config
        if let controlFD {
            let link = SupervisorLink(fd: controlFD)
            supervisorLink = link
            // Without Redis the supervisor holds the model registry for all its workers.
            if RedisConfiguration(settings: settings) == nil {
                supervisorRegistry = SupervisorRegistryStore(initial: registry) { [unowned link] line in link.send(line) }
            }
        }
        let gateway = Gateway(loop: loop, settings: settings, config: models, prompts: prompts, logger: logger, identity: identity,
                              metrics: metrics, clientKeys: clientKeys, registryStore: supervisorRegistry ?? (controlFD == nil && registry.version > 0 ? MemoryRegistryStore(initial: registry) : nil))
        self.gateway = gateway
        var configuration = HTTPServer.Configuration(
            limits: .init(maxHeaderBytes: settings.maxHeaderSize, maxHeaderCount: 128, maxBodyBytes: settings.maxRequestBodySize),
            headerTimeout: settings.headerReadTimeout,
            keepAliveTimeout: settings.keepAliveTimeout,
            errorBody: { error in RouterError(status: error.status, message: error.message, code: error.code).body })
        configuration.onRejected = { [weak gateway] error in gateway?.recordRejected(error) }
        configuration.inputBudget = gateway.memory
        self.server = HTTPServer(loop: loop, listeningSocket: listeningSocket, configuration: configuration, responder: gateway)
        // Access lines are flushed in batches: a write(2) per loop iteration cost ~20% of a request's CPU.
        loop.scheduleRepeating(everyNanoseconds: 200_000_000) { [logger] in logger.flush() }
    }

    /// Serves until stopped; returns the process exit code.
    package func run() -> Int32 {
        do {
            signals = try SignalWatcher(loop: loop, signals: ProcessSignals.worker) { [weak self] signal in self?.handle(signal: signal) }
            if let controlFD, let link = supervisorLink {
                link.onClose = { [weak self] in self?.supervisorGone() }
                link.onLine = { [weak self] line in _ = self?.supervisorRegistry?.received(line: line) }
                try loop.register(controlFD, interest: IOInterest.readable, handler: link)
            }
        } catch {
            logger.error("worker failed to start", [("error", .string("\(error)"))])
            return ProcessExitCode.runtimeError
        }
        // Accept only once the model registry is applied, so that the first request already sees the API's models
        // (connections wait in the listening socket meanwhile).
        gateway.startRegistry { [weak self] in
            guard let self, !self.stopping else { return }
            do {
                try self.server.start()
                self.supervisorLink?.send("ready\n")
            } catch {
                self.logger.error("worker failed to start", [("error", .string("\(error)"))])
                self.exitCode = ProcessExitCode.runtimeError
                self.loop.stop()
            }
        }
        loop.run()
        logger.info("worker stopped", [])
        logger.flushBeforeExit()
        return exitCode
    }

    private func handle(signal: Int32) {
        switch signal {
        case SIGQUIT:
            logger.info("graceful stop requested: draining", [("in_flight", .int(gateway.inFlight))])
            drain(deadline: settings.drainTimeout)
        case SIGTERM, SIGINT:
            logger.info("fast stop requested", [("in_flight", .int(gateway.inFlight))])
            drain(deadline: min(settings.drainTimeout, 1))
        case SIGHUP:
            // A reload is the supervisor's job: it validates the file and starts a new generation of workers.
            logger.info("HUP ignored by a worker; send it to the supervisor", [])
        case SIGUSR1:
            logger.reopen()
            logger.info("log file reopened", [])
        default:
            break
        }
    }

    /// The supervisor's end of the control socket closed: it died (or was killed). Drain and exit: no orphans.
    private func supervisorGone() {
        if let controlFD { loop.unregister(controlFD) }
        logger.warning("supervisor is gone; draining and exiting", [("in_flight", .int(gateway.inFlight))])
        drain(deadline: min(settings.drainTimeout, 10))
    }

    private func drain(deadline: Double) {
        if stopping {
            // A second stop request does not wait any longer.
            server.closeAll()
            loop.stop()
            return
        }
        stopping = true
        gateway.beginDrain()
        server.beginDrain { [weak self] in self?.loop.stop() }
        loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(deadline)) { [weak self] in
            guard let self else { return }
            self.logger.warning("drain deadline reached; closing remaining connections", [("connections", .int(self.server.connectionCount))])
            self.server.closeAll()
            self.loop.stop()
        }
    }
}

/// The worker's end of the control socket: sends `ready` (and model registry commits), hands each line the
/// supervisor sends to `onLine`, reports EOF (the supervisor died).
private final class SupervisorLink: IOHandler {
    let fd: Int32
    var onClose: () -> Void = {}
    var onLine: (String) -> Void = { _ in }
    private var closed = false
    private var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
    }

    func send(_ message: String) {
        var bytes = Array(message.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func handleIO(events: UInt32) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &chunk, chunk.count)
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                onLine(line)
            }
            return
        }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
            guard !closed else { return }
            closed = true
            onClose()
        }
    }
}
