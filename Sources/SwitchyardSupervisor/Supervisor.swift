import CLinux
import Glibc
import SwitchyardCore
import SwitchyardIO

/// The `switchyard serve` process: owns the listening sockets (one `SO_REUSEPORT` socket per worker slot),
/// spawns the workers, reaps and respawns them, and turns signals into cluster actions with nginx semantics:
/// TERM/INT fast stop, QUIT graceful stop, HUP reload (new generation first, then drain the old), USR1 reopen logs.
///
/// Two rules keep what a cluster serves predictable:
/// - **A generation's workers all run the configuration that generation validated.** The models file and every
///   other ``GenerationFile`` (the prompt library) are read and validated once per generation (at start and on
///   HUP), and those exact bytes go to every worker of the generation, respawns included (see `snapshots`).
///   Workers never read the paths, so an edit, valid or not, reaches workers only through HUP, which rejects the
///   whole reload when any file is invalid.
/// - **A slot never accepts into the kernel queue with no worker behind it.** While a respawn is due, connections
///   wait in the slot's socket for the replacement. When none will come (a fatal exit, a worker that cannot be
///   started), the slot's socket is closed: the kernel stops hashing new connections to it and resets the few
///   already queued instead of leaving them to hang. The next HUP binds the slot again; with no slot left the
///   cluster stops (exit code 2 after a fatal exit, 1 otherwise).
package final class Supervisor {
    /// What the supervisor needs to know; sockets are bound before it is created.
    package struct Configuration {
        package var workers: Int
        package var drainTimeout: Double
        package var executable: String
        /// Arguments after `switchyard worker` (the `serve` flags, passed through).
        package var workerArguments: [String]
        /// Environment of the workers (`NAME=value`), without the `SWITCHYARD_WORKER_*` and `SWITCHYARD_*_FD`
        /// entries, which the supervisor sets per worker.
        package var environment: [String]
        /// Models configuration file, re-validated on HUP before a new generation starts; nil in demo mode.
        package var configPath: String?
        /// The bytes of `configPath` as validated at start, for the first generation (read from the path when nil).
        package var modelsFile: [UInt8]?
        /// Files besides the models configuration that each generation validates and hands to its workers (the
        /// prompt library), in the order they are loaded on HUP.
        package var generationFiles: [GenerationFile] = []
        /// The address the sockets are bound to, so that HUP can bind a slot closed for want of a worker again
        /// (nil: such a slot stays closed).
        package var listenAddress: (host: String, port: Int)?
        /// How long a new generation may take to report ready before a reload is abandoned.
        package var readyTimeout: Double = 30
        /// The model names of every generation when there is no models file (demo mode), for
        /// ``Supervisor/onAbnormalExit``.
        package var modelsWithoutFile: [String] = []

        package init(workers: Int, drainTimeout: Double, executable: String, workerArguments: [String], environment: [String], configPath: String?) {
            self.workers = workers
            self.drainTimeout = drainTimeout
            self.executable = executable
            self.workerArguments = workerArguments
            self.environment = environment
            self.configPath = configPath
        }
    }

    /// One worker process.
    final class Child {
        let pid: pid_t
        let slot: Int
        let generation: Int
        let startedAt: UInt64
        var control: ControlChannel?
        var ready = false
        var stopping = false

        init(pid: pid_t, slot: Int, generation: Int, startedAt: UInt64) {
            self.pid = pid
            self.slot = slot
            self.generation = generation
            self.startedAt = startedAt
        }
    }

    private enum State { case starting, running, stopping }

    /// The descriptor number workers inherit the shared metrics as.
    package static let metricsFD: Int32 = 7
    /// The fd of the model registry snapshot handed to a worker (without Redis, after admin API changes).
    package static let registryFD: Int32 = 9

    /// One generation's sealed copy of a ``GenerationFile``: the supervisor's descriptor and what the worker gets.
    private struct Snapshot {
        /// The supervisor's descriptor (close-on-exec, ≥ 10); the worker inherits it as `file.fd`.
        var fd: Int32
        var file: GenerationFile
    }

    private let loop: EventLoop
    private let logger: Logger
    private let configuration: Configuration
    /// `sockets[i]` is slot `i + 1`'s listening socket, or -1 while the slot is closed for want of a worker.
    private var sockets: [Int32]
    /// The files of each generation that may still start workers (the current one and a pending one), as
    /// sealed memfds handed to every worker of that generation: the models file as fd 5 (`SWITCHYARD_MODELS_FD`),
    /// then each of `configuration.generationFiles` as its own fd; closed once the generation can start no more
    /// workers.
    ///
    /// A sealed memfd rather than a snapshot file in a directory only the supervisor owns: there is nothing on
    /// disk to create, protect, clean up after a `kill -9` of the supervisor or lose to a temporary-file cleaner,
    /// it works on a read-only root file system, and the seals make the bytes immutable for every process holding
    /// the fd, so what a respawned worker parses is exactly what its generation validated.
    private var snapshots: [Int: [Snapshot]] = [:]
    /// Every file a generation hands to its workers: the models file (unless in demo mode), then
    /// `configuration.generationFiles`.
    private let files: [GenerationFile]
    private var children: [pid_t: Child] = [:]
    /// The instance's metrics, one cell per worker process (fd 7 of every worker, `SWITCHYARD_METRICS_FD`): the
    /// supervisor makes it, and frees a reaped worker's cell (its gauges end with it; its counters stay).
    private var metrics: SharedCounters?
    /// Respawns scheduled per slot (a count: one of each generation may overlap a reload); such a slot's socket
    /// stays open for the replacement.
    private var respawnsDue: [Int: Int] = [:]
    private var generation = 1
    private var pendingGeneration: Int?
    /// How many workers the pending generation started (one per open slot).
    private var pendingWorkers = 0
    private var pendingTimer: TimerID?
    private var policy = RestartPolicy()
    private var state = State.starting
    private var exitCode = ProcessExitCode.ok
    private var signals: SignalWatcher?
    private var stopIsFast = false
    /// Called once, when the first generation is ready (prints the "listening" line).
    package var onReady: (() -> Void)?
    /// Called when a worker dies by a signal or with a non-zero exit code (it may not have released what it held),
    /// with its pid and the names of its generation's models: frees its shared holds at once (``HoldReaper``).
    package var onAbnormalExit: ((_ pid: pid_t, _ models: [String]) -> Void)?
    /// Called with the pid of a child that is not a worker (the private `redis-server`) when it was reaped.
    package var onOtherChildExit: ((_ pid: pid_t) -> Void)?
    /// The model names of each generation that may still have workers, from the models file it validated.
    private var generationModels: [Int: [String]] = [:]
    /// The model registry (admin API changes) of a router without Redis: committed here, on behalf of the
    /// workers, and handed to every worker (see ``registryCommit(_:from:)``). Lives as long as the supervisor.
    private var registry = RegistrySnapshot.empty

    /// `sockets[i]` is handed to the worker of slot `i + 1` as fd 3.
    package init(loop: EventLoop, logger: Logger, configuration: Configuration, sockets: [Int32]) {
        self.loop = loop
        self.logger = logger
        self.configuration = configuration
        self.sockets = sockets
        var files: [GenerationFile] = []
        if let path = configuration.configPath {
            files.append(GenerationFile(
                name: "models", what: "models configuration", fd: 5, environmentVariable: "SWITCHYARD_MODELS_FD",
                initial: configuration.modelsFile
            ) {
                do throws(ConfigError) {
                    return .success(try Self.validatedModelsFile(path: path))
                } catch {
                    return .failure(GenerationFile.Invalid(problems: error.description))
                }
            })
        }
        self.files = files + configuration.generationFiles
    }

    /// Starts the first generation and supervises until the cluster stops; returns the exit code.
    package func run() -> Int32 {
        do {
            signals = try SignalWatcher(loop: loop, signals: ProcessSignals.supervisor) { [weak self] signal in self?.handle(signal: signal) }
        } catch {
            logger.error("supervisor cannot watch signals", [("error", .string(error.description))])
            return ProcessExitCode.runtimeError
        }
        var first: [Snapshot] = []
        for file in files {
            let bytes: [UInt8]
            if let initial = file.initial {
                bytes = initial
            } else {
                switch file.load() {
                case .success(let loaded): bytes = loaded
                case .failure(let invalid):
                    logger.error("invalid \(file.what)", [("problems", .string(invalid.problems))])
                    first.forEach { close($0.fd) }
                    return ProcessExitCode.fatalConfiguration
                }
            }
            do {
                first.append(Snapshot(fd: try snapshot(of: bytes, name: file.name, generation: generation), file: file))
            } catch {
                logger.error("cannot hand the \(file.what) to the workers", [("error", .string("\(error)"))])
                first.forEach { close($0.fd) }
                return ProcessExitCode.runtimeError
            }
        }
        snapshots[generation] = first
        generationModels[generation] = modelNames(first.map(\.fd))
        do {
            // Up to four processes per slot overlap: a draining generation, another still draining after a quick
            // second reload, the current one and a pending one.
            metrics = try SharedCounters.create(name: "switchyard-metrics", layout: .init(cells: configuration.workers * 4))
        } catch {
            logger.warning("cannot create the shared metrics; each worker's /metrics shows only its own counts", [("error", .string(error.description))])
            metrics = nil
        }
        for slot in 1...configuration.workers { spawn(slot: slot, generation: generation) }
        if children.isEmpty { return ProcessExitCode.runtimeError }
        closeUnservedSlots(stoppingWith: ProcessExitCode.runtimeError)
        loop.addIterationHook { [logger] in logger.flush() }
        loop.run()
        logger.info("supervisor stopped", [("exit_code", .int(Int(exitCode)))])
        logger.flushBeforeExit()
        return exitCode
    }

    // MARK: spawning

    /// Starts the worker of `slot` in `generation`; false (logged) when it cannot be started.
    @discardableResult
    private func spawn(slot: Int, generation: Int) -> Bool {
        let listener = sockets[slot - 1]
        guard listener >= 0 else { return false }
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0,
              let ours = try? ProcessSpawner.raise(pair[0]), let theirs = try? ProcessSpawner.raise(pair[1])
        else {
            logger.error("cannot create a control socket for a worker", [("worker.id", .int(slot))])
            return false
        }
        defer { close(theirs) }
        var environment = configuration.environment
        environment.append("SWITCHYARD_WORKER_ID=\(slot)")
        environment.append("SWITCHYARD_WORKER_GENERATION=\(generation)")
        environment.append("SWITCHYARD_LISTEN_FD=3")
        environment.append("SWITCHYARD_CONTROL_FD=4")
        var inherit: [(source: Int32, target: Int32)] = [(listener, 3), (theirs, 4)]
        for snapshot in snapshots[generation] ?? [] {
            environment.append("\(snapshot.file.environmentVariable)=\(snapshot.file.fd)")
            inherit.append((snapshot.fd, snapshot.file.fd))
        }
        if let metrics {
            environment.append("SWITCHYARD_METRICS_FD=\(Self.metricsFD)")
            inherit.append((metrics.fd, Self.metricsFD))
        }
        // The current model registry, so that a worker started after API changes serves them from the start.
        var registryFD: Int32 = -1
        if registry.version > 0 {
            do {
                registryFD = try snapshot(of: registry.serialized, name: "registry", generation: generation)
                environment.append("SWITCHYARD_REGISTRY_FD=\(Self.registryFD)")
                inherit.append((registryFD, Self.registryFD))
            } catch {
                logger.error("cannot hand the model registry to a worker", [("worker.id", .int(slot)), ("error", .string(error.description))])
                close(ours)
                return false
            }
        }
        defer { if registryFD >= 0 { close(registryFD) } }
        let pid: pid_t
        do {
            pid = try ProcessSpawner.spawn(
                executable: configuration.executable,
                arguments: [configuration.executable, "worker"] + configuration.workerArguments,
                environment: environment,
                inherit: inherit)
        } catch {
            close(ours)
            logger.error("cannot start a worker", [("worker.id", .int(slot)), ("error", .string(error.description))])
            return false
        }
        let child = Child(pid: pid, slot: slot, generation: generation, startedAt: loop.now)
        let channel = ControlChannel(fd: ours, onMessage: { [weak self, weak child] message in
            guard let self, let child else { return }
            if message == "ready" {
                self.childReady(child)
            } else if message.hasPrefix("registry-commit ") {
                self.registryCommit(message, from: child)
            }
        }, onClose: { [weak self] fd in
            // The worker is exiting; SIGCHLD will reap it. Stop polling the dead socket meanwhile.
            self?.loop.unregister(fd)
        })
        if (try? loop.register(ours, interest: IOInterest.readable, handler: channel)) != nil {
            child.control = channel
        } else {
            close(ours)
        }
        children[pid] = child
        logger.info("worker started", [("worker.id", .int(slot)), ("worker.pid", .int(Int(pid))), ("generation", .int(generation))])
        return true
    }

    private func childReady(_ child: Child) {
        child.ready = true
        logger.debug("worker ready", [("worker.id", .int(child.slot)), ("worker.pid", .int(Int(child.pid))), ("generation", .int(child.generation))])
        if child.generation == generation { checkStarted() }
        if let pending = pendingGeneration, child.generation == pending, readyCount(of: pending) == pendingWorkers {
            commitReload(pending)
        }
    }

    /// Moves a starting cluster to running once every open slot's worker is ready.
    private func checkStarted() {
        let open = sockets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        guard state == .starting, open > 0, readyCount(of: generation) == open else { return }
        state = .running
        logger.info("cluster ready", [("workers", .int(open)), ("generation", .int(generation))])
        onReady?()
        onReady = nil
    }

    private func readyCount(of generation: Int) -> Int {
        children.values.reduce(0) { $0 + ($1.generation == generation && $1.ready && !$1.stopping ? 1 : 0) }
    }

    // MARK: model registry

    /// `registry-commit <base> {"name":…,"model":{…}|null}` from a worker that validated a change against
    /// registry version `base`: recorded as version base + 1 when the registry is still at `base` (compare and
    /// set, so changes from different workers are serialised), then sent to every worker (`registry <JSON>`) and
    /// answered (`registry-committed <version>`, after the registry on the same socket); else `registry-stale`.
    private func registryCommit(_ message: String, from child: Child) {
        let parts = message.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, let base = Int(parts[1]), case .object(let body)? = JSONValue.parse(Array(parts[2].utf8)),
              let name = body["name"]?.string, let model = body["model"] else {
            logger.warning("malformed model registry message from a worker", [("worker.id", .int(child.slot))])
            sendControl("registry-stale\n", to: child)
            return
        }
        guard base == registry.version else {
            sendControl("registry-stale\n", to: child)
            return
        }
        var definition: [UInt8]?
        if case .object = model {
            var writer = JSONWriter()
            model.write(to: &writer)
            definition = writer.bytes
        }
        registry = registry.recording(RegistryEntry(name: name, version: base + 1, definition: definition))
        let line = "registry " + String(decoding: registry.serialized, as: UTF8.self) + "\n"
        for worker in children.values where worker.control != nil { sendControl(line, to: worker) }
        sendControl("registry-committed \(registry.version)\n", to: child)
        logger.info("model registry changed", [("model", .string(name)), ("registry.version", .int(registry.version)), ("worker.id", .int(child.slot))])
    }

    /// Writes `line` to a worker's control socket (waiting up to about a second while its buffer is full).
    private func sendControl(_ line: String, to child: Child) {
        guard let fd = child.control?.fd else { return }
        let bytes = Array(line.utf8)
        var offset = 0
        var waits = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EINTR) && waits < 10 {
                waits += 1
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, 100)
            } else {
                logger.warning("cannot send to a worker's control socket", [("worker.id", .int(child.slot)), ("worker.pid", .int(Int(child.pid)))])
                return
            }
        }
    }

    // MARK: configuration

    /// The bytes of the models file at `path`, read once and validated.
    private static func validatedModelsFile(path: String) throws(ConfigError) -> [UInt8] {
        let bytes = try ModelsConfig.read(path: path)
        _ = try ModelsConfig.parse(bytes, file: path)
        return bytes
    }

    /// A sealed memfd holding `bytes` for the workers of `generation`, kept clear of the fds handed to children.
    private func snapshot(of bytes: [UInt8], name: String, generation: Int) throws(IOError) -> Int32 {
        let fd = try SealedFile.create(name: "switchyard-\(name)-generation-\(generation)", contents: bytes)
        do {
            return try ProcessSpawner.raise(fd)
        } catch {
            close(fd)
            throw error
        }
    }

    /// The model names in the models file of a generation's snapshots (`fds`, in the order of `files`), or
    /// ``Configuration/modelsWithoutFile`` when there is none. Read back from the sealed memfd, so the names are
    /// exactly those of the bytes the generation's workers parse.
    private func modelNames(_ fds: [Int32]) -> [String] {
        guard let path = configuration.configPath, let fd = fds.first, let bytes = try? SealedFile.read(fd),
              let config = try? ModelsConfig.parse(bytes, file: path)
        else { return configuration.modelsWithoutFile }
        return config.models.map(\.name)
    }

    /// Drops the model names of generations that can start no more workers and have none left.
    private func forgetRetiredGenerations() {
        for retired in generationModels.keys where retired != generation && retired != pendingGeneration {
            if !children.values.contains(where: { $0.generation == retired }) { generationModels[retired] = nil }
        }
    }

    // MARK: slots

    /// Whether `slot` has a worker (of the current or a pending generation) or a respawn on the way.
    private func isServed(_ slot: Int) -> Bool {
        respawnsDue[slot, default: 0] > 0 || children.values.contains { $0.slot == slot && !$0.stopping }
    }

    /// Closes the socket of every slot that has no worker and none coming, so the kernel stops queueing
    /// connections where nobody will accept them (closing a listener resets what it had queued, see the type's
    /// doc). With no open slot left, stops the cluster with `code`.
    private func closeUnservedSlots(stoppingWith code: Int32) {
        guard state != .stopping else { return }
        for slot in 1...configuration.workers where sockets[slot - 1] >= 0 && !isServed(slot) {
            close(sockets[slot - 1])
            sockets[slot - 1] = -1
            logger.error("no worker will serve this slot until a reload: listening socket closed", [("worker.id", .int(slot))])
        }
        if sockets.allSatisfy({ $0 < 0 }) {
            logger.error("no worker left: stopping the cluster", [])
            exitCode = code
            stop(fast: true)
            return
        }
        checkStarted()
    }

    /// Binds a new socket for every closed slot, so that the next generation fills it again.
    private func reopenClosedSlots() {
        guard let address = configuration.listenAddress else { return }
        for slot in 1...configuration.workers where sockets[slot - 1] < 0 {
            do throws(IOError) {
                let fd = try Socket.listen(host: address.host, port: address.port, reusePort: true)
                do {
                    sockets[slot - 1] = try ProcessSpawner.raise(fd)
                } catch {
                    close(fd)
                    throw error
                }
                logger.info("slot listening again", [("worker.id", .int(slot))])
            } catch {
                logger.error("cannot listen for a closed slot again; it stays closed", [("worker.id", .int(slot)), ("error", .string(error.description))])
            }
        }
    }

    // MARK: signals

    private func handle(signal: Int32) {
        switch signal {
        case SIGCHLD: reap()
        case SIGTERM, SIGINT: stop(fast: true)
        case SIGQUIT: stop(fast: false)
        case SIGHUP: reload()
        case SIGUSR1:
            logger.reopen()
            for child in children.values { kill(child.pid, SIGUSR1) }
            logger.info("log files reopened", [])
        default: break
        }
    }

    private func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            guard let child = children.removeValue(forKey: pid) else {
                onOtherChildExit?(pid)
                continue
            }
            metrics?.releaseCell(ownedBy: pid)
            if let control = child.control {
                loop.unregister(control.fd)
                close(control.fd)
                child.control = nil
            }
            let exit: WorkerExit = sy_wifexited(status) != 0 ? .exited(sy_wexitstatus(status)) : .signaled(sy_wtermsig(status))
            if exit != .exited(0), let onAbnormalExit {
                onAbnormalExit(pid, generationModels[child.generation] ?? configuration.modelsWithoutFile)
            }
            childExited(child, exit: exit)
            forgetRetiredGenerations()
        }
        if state == .stopping && children.isEmpty { loop.stop() }
    }

    private func childExited(_ child: Child, exit: WorkerExit) {
        let fields: [(String, LogValue)] = [("worker.id", .int(child.slot)), ("worker.pid", .int(Int(child.pid))), ("generation", .int(child.generation)), ("exit", .string(exit.description))]
        if state == .stopping || child.stopping {
            logger.info("worker exited", fields)
            return
        }
        if let pending = pendingGeneration, child.generation == pending {
            logger.error("new worker generation failed before it was ready; reload abandoned, previous generation keeps serving", fields)
            abandonReload(pending)
            return
        }
        let uptime = Double(loop.now &- child.startedAt) / 1e9
        let decision = policy.workerDied(slot: child.slot, exit: exit, uptime: uptime, now: Double(loop.now) / 1e9)
        switch decision {
        case .respawn(let delay):
            logger.warning("worker died; respawning", fields + [("respawn_in_ms", .int(Int(delay * 1000)))])
            let slot = child.slot
            respawnsDue[slot, default: 0] += 1
            loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(delay)) { [weak self] in
                guard let self else { return }
                self.respawnsDue[slot, default: 1] -= 1
                guard self.state != .stopping else { return }
                let occupied = self.children.values.contains { $0.slot == slot && $0.generation == self.generation && !$0.stopping }
                if !occupied && !self.spawn(slot: slot, generation: self.generation) {
                    self.closeUnservedSlots(stoppingWith: ProcessExitCode.runtimeError)
                }
            }
        case .doNotRespawn(let reason):
            logger.error("worker will not be restarted: \(reason)", fields)
            closeUnservedSlots(stoppingWith: ProcessExitCode.fatalConfiguration)
        case .stopCluster(let reason):
            logger.error("stopping the cluster: \(reason)", fields)
            exitCode = ProcessExitCode.runtimeError
            stop(fast: true)
        }
    }

    // MARK: reload

    private func reload() {
        guard state == .running else {
            logger.warning("reload ignored: the cluster is \(state == .stopping ? "stopping" : "still starting")", [])
            return
        }
        if pendingGeneration != nil {
            logger.warning("reload ignored: a reload is already in progress", [])
            return
        }
        let next = generation + 1
        // Every file is validated before any snapshot is made: one invalid file rejects the whole reload.
        var loaded: [(file: GenerationFile, bytes: [UInt8])] = []
        for file in files {
            switch file.load() {
            case .success(let bytes): loaded.append((file, bytes))
            case .failure(let invalid):
                logger.error("reload rejected: the \(file.what) is invalid; still serving the previous one", [("problems", .string(invalid.problems))])
                return
            }
        }
        var made: [Snapshot] = []
        for (file, bytes) in loaded {
            do {
                made.append(Snapshot(fd: try snapshot(of: bytes, name: file.name, generation: next), file: file))
            } catch {
                made.forEach { close($0.fd) }
                logger.error("reload rejected: cannot hand the \(file.what) to the workers; still serving the previous one", [("error", .string(error.description))])
                return
            }
        }
        snapshots[next] = made
        generationModels[next] = modelNames(made.map(\.fd))
        reopenClosedSlots()
        pendingGeneration = next
        pendingWorkers = 0
        logger.info("reload: starting a new worker generation", [("generation", .int(next))])
        for slot in 1...configuration.workers where sockets[slot - 1] >= 0 {
            guard spawn(slot: slot, generation: next) else {
                logger.error("reload abandoned: a worker of the new generation cannot be started; previous generation keeps serving", [("generation", .int(next))])
                abandonReload(next)
                return
            }
            pendingWorkers += 1
        }
        pendingTimer = loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(configuration.readyTimeout)) { [weak self] in
            guard let self, self.pendingGeneration == next else { return }
            self.logger.error("reload abandoned: the new generation was not ready in time", [("generation", .int(next))])
            self.abandonReload(next)
        }
    }

    private func commitReload(_ next: Int) {
        if let pendingTimer { loop.cancel(pendingTimer) }
        pendingTimer = nil
        pendingGeneration = nil
        let previous = generation
        generation = next
        for child in children.values where child.generation < next && !child.stopping {
            child.stopping = true
            kill(child.pid, SIGQUIT)
        }
        // The previous generation starts no more workers; its running ones read their snapshot long ago.
        for (retired, made) in snapshots where retired < next {
            made.forEach { close($0.fd) }
            snapshots[retired] = nil
        }
        logger.info("reload complete: previous generation draining", [("generation", .int(next)), ("previous_generation", .int(previous))])
    }

    private func abandonReload(_ next: Int) {
        if let pendingTimer { loop.cancel(pendingTimer) }
        pendingTimer = nil
        pendingGeneration = nil
        for child in children.values where child.generation == next && !child.stopping {
            child.stopping = true
            kill(child.pid, SIGTERM)
        }
        snapshots.removeValue(forKey: next)?.forEach { close($0.fd) }
        // A slot bound again for the abandoned generation has no worker now.
        closeUnservedSlots(stoppingWith: ProcessExitCode.runtimeError)
    }

    // MARK: stopping

    private func stop(fast: Bool) {
        if state == .stopping {
            if fast && !stopIsFast {
                // TERM after QUIT: stop waiting for the drain.
                stopIsFast = true
                for child in children.values { kill(child.pid, SIGTERM) }
            }
            return
        }
        state = .stopping
        stopIsFast = fast
        logger.info(fast ? "fast stop" : "graceful stop: draining workers", [("workers", .int(children.count))])
        // New connections must not queue on sockets nobody will accept from again.
        for fd in sockets where fd >= 0 { close(fd) }
        sockets = sockets.map { _ in -1 }
        for made in snapshots.values { made.forEach { close($0.fd) } }
        snapshots = [:]
        for child in children.values {
            child.stopping = true
            kill(child.pid, fast ? SIGTERM : SIGQUIT)
        }
        if children.isEmpty {
            loop.stop()
            return
        }
        let deadline = fast ? 3.0 : configuration.drainTimeout + 5
        loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(deadline)) { [weak self] in
            guard let self, !self.children.isEmpty else { return }
            self.logger.warning("workers did not stop in time; killing them", [("workers", .int(self.children.count))])
            for child in self.children.values { kill(child.pid, SIGKILL) }
        }
    }
}

/// The supervisor's end of a worker's control socket: newline-separated messages (`ready`); EOF is ignored
/// because SIGCHLD reports the death.
final class ControlChannel: IOHandler {
    let fd: Int32
    private var buffer: [UInt8] = []
    private let onMessage: (String) -> Void
    private let onClose: (Int32) -> Void

    init(fd: Int32, onMessage: @escaping (String) -> Void, onClose: @escaping (Int32) -> Void) {
        self.fd = fd
        self.onMessage = onMessage
        self.onClose = onClose
    }

    func handleIO(events: UInt32) {
        var chunk = [UInt8](repeating: 0, count: 256)
        let n = read(fd, &chunk, chunk.count)
        guard n > 0 else {
            if n == 0 || (errno != EAGAIN && errno != EINTR) { onClose(fd) }
            return
        }
        buffer.append(contentsOf: chunk[0..<n])
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = String(decoding: buffer[..<newline], as: UTF8.self)
            buffer.removeSubrange(...newline)
            onMessage(line)
        }
    }
}
