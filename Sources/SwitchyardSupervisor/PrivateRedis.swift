import CLinux
import Glibc
import SwitchyardCore
import SwitchyardIO

/// A `redis-server` of one `switchyard serve`, for when no Redis is configured: it listens only on a Unix socket
/// (mode 700) in a private directory, keeps nothing on disk, and lives as long as the supervisor, which restarts it
/// if it dies. The workers use it as they would any Redis, so the workers of one instance act as one router —
/// shared in-flight counts, slots, queue, circuits — with the same code and tests as a cluster.
///
/// Why a process and not shared memory: the cluster path (Lua scripts, hand-offs by pub/sub, owner tokens with
/// deadlines, the reaper) already gives exactly the semantics a single instance needs, crash safety included; a
/// second implementation over shared memory would have to reproduce all of it with cross-process locks. The cost
/// is one Unix-socket round trip per acquisition and release.
package final class PrivateRedis {
    /// The directory holding the socket (and the server's log).
    package let directory: String
    /// `unix://<directory>/redis.sock`, for `LLM_ROUTER_REDIS_URL`.
    package var url: String { "unix://" + socketPath }
    /// The socket path.
    package let socketPath: String
    /// The server's pid while it runs.
    package private(set) var pid: pid_t = 0
    private let executable: String
    private let logger: Logger
    private var stopping = false

    /// The first `redis-server` found in `PATH` or the usual directories, if any.
    package static func findExecutable(path: String?) -> String? {
        var directories = (path ?? "").split(separator: ":").map(String.init)
        directories += ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/redis-server"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Creates a private directory under `TMPDIR` (or `/tmp`) and starts the server there, waiting up to five
    /// seconds for its socket to accept connections.
    package init(executable: String, temporaryDirectory: String?, logger: Logger) throws(IOError) {
        self.executable = executable
        self.logger = logger
        var template = Array(((temporaryDirectory ?? "/tmp") + "/switchyard-redis-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw IOError(call: "mkdtemp", code: errno) }
        directory = String(cString: template)
        socketPath = directory + "/redis.sock"
        try launch()
        guard waitForSocket(seconds: 5) else {
            stop()
            throw IOError(call: "redis-server did not open \(socketPath)", code: ETIMEDOUT)
        }
    }

    private func launch() throws(IOError) {
        // Through `switchyard private-redis`, which asks the kernel to kill the server when the supervisor dies
        // (even by SIGKILL) and then becomes redis-server: a private server never outlives its router.
        let arguments = [
            ProcessSpawner.currentExecutable(), "private-redis", String(getpid()), executable, "--port", "0", "--unixsocket", socketPath, "--unixsocketperm", "700",
            "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", directory + "/redis.log",
            "--daemonize", "no", "--protected-mode", "no",
        ]
        pid = try ProcessSpawner.spawn(executable: arguments[0], arguments: arguments, environment: [], inherit: [])
    }

    /// `switchyard private-redis <supervisor pid> <redis-server> <arguments…>`: sets the parent-death signal, checks
    /// the supervisor is still its parent (it may have died before), then execs redis-server, which keeps the
    /// signal. Returns only on failure.
    package static func execGuarded(arguments: [String]) -> Int32 {
        guard arguments.count >= 2, let supervisor = Int32(arguments[0]) else { return ProcessExitCode.fatalConfiguration }
        SignalWatcher.unblockAll()
        _ = sy_set_parent_death_signal(SIGKILL)
        guard getppid() == supervisor else { return ProcessExitCode.runtimeError }
        let words = Array(arguments.dropFirst())
        var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        execv(words[0], &argv)
        return ProcessExitCode.runtimeError
    }

    /// Whether a connection to the socket succeeds within `seconds`.
    private func waitForSocket(seconds: Double) -> Bool {
        let deadline = MonotonicClock.now() &+ MonotonicClock.nanoseconds(seconds)
        while MonotonicClock.now() < deadline {
            if canConnect() { return true }
            usleep(10_000)
        }
        return false
    }

    private func canConnect() -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }

    /// The supervisor reaped `pid`: when it was this server (and not on purpose), start it again after a second.
    /// The workers serve on local state meanwhile and reconnect by themselves.
    package func childExited(_ exited: pid_t, loop: EventLoop) {
        guard exited == pid, !stopping else { return }
        pid = 0
        logger.warning("the private redis-server exited; restarting it", [("socket", .string(socketPath))])
        loop.schedule(afterNanoseconds: 1_000_000_000) { [weak self] in
            guard let self, !self.stopping else { return }
            do {
                try self.launch()
            } catch {
                self.logger.error("cannot restart the private redis-server", [("error", .string("\(error)"))])
            }
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL after two seconds) and removes its directory.
    package func stop() {
        stopping = true
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            var waited = 0
            while waitpid(pid, &status, WNOHANG) == 0 {
                if waited >= 200 {
                    kill(pid, SIGKILL)
                    _ = waitpid(pid, &status, 0)
                    break
                }
                usleep(10_000)
                waited += 1
            }
            pid = 0
        }
        unlink(socketPath)
        unlink(directory + "/redis.log")
        rmdir(directory)
    }
}
