import Foundation
import Glibc

/// A private `redis-server` for one test: a free loopback port and a Unix socket in a temporary directory, no
/// persistence, optionally a password. Tests that stop, pause or restart Redis need their own; the shared one of
/// `scripts/test.sh` (`SWITCHYARD_TEST_REDIS_PORT`) is for tests that only send commands.
///
/// The server runs in the foreground as a ``ManagedProcess`` (log on its stdout), so it is stopped on deinit
/// even when a test fails. ``stop()`` and ``start()`` restart it on the same port and socket path.
package final class RedisServer {
    /// The loopback TCP port.
    package private(set) var port: Int
    /// The Unix socket path.
    package let socketPath: String
    /// The `requirepass` password, if any.
    package let password: String?
    private let directory: TemporaryDirectory
    private var process: ManagedProcess?
    private var paused = false

    /// Where `redis-server` is installed, if it is.
    package static let executable: String? = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether tests can start a server.
    package static var isInstalled: Bool { executable != nil }

    /// Starts a server (with `requirepass password` when given) and waits until it accepts connections.
    package init(password: String? = nil) throws {
        guard Self.executable != nil else { throw TestSupportError("redis-server is not installed") }
        directory = try TemporaryDirectory(prefix: "switchyard-redis")
        socketPath = directory.file("redis.sock")
        self.password = password
        port = 0
        var lastError: Error?
        // A port picked by binding port 0 can be taken by someone else before redis-server binds it: retry.
        for _ in 0..<5 {
            port = try Self.freePort()
            do {
                try start()
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSupportError("redis-server did not start")
    }

    deinit { stop() }

    /// `redis://[:password@]127.0.0.1:PORT/db`.
    package func url(database: Int = 0) -> String {
        "redis://\(password.map { ":\($0)@" } ?? "")127.0.0.1:\(port)/\(database)"
    }

    /// `unix:///path/redis.sock?db=N` (with the password as userinfo when there is one).
    package func unixURL(database: Int = 0) -> String {
        "unix://\(password.map { ":\($0)@" } ?? "")\(socketPath)?db=\(database)"
    }

    /// The process id of the running server.
    package var pid: Int32? { process?.pid }

    /// Whether the server process is running.
    package var isRunning: Bool { process?.isRunning ?? false }

    /// Starts the server (again) on the same port and socket, and waits until it accepts connections.
    package func start(timeout: Double = 10) throws {
        guard process == nil, let executable = Self.executable else { return }
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--unixsocket", socketPath, "--unixsocketperm", "700",
            "--save", "", "--appendonly", "no", "--dir", directory.path, "--logfile", "", "--daemonize", "no",
        ]
        if let password { arguments += ["--requirepass", password] }
        let started = try ManagedProcess(arguments: arguments, executable: executable)
        let ready = Deadline.poll(seconds: timeout) {
            started.stdoutText.contains("Ready to accept connections") || !started.isRunning
        }
        guard ready, started.isRunning else {
            started.stop()
            throw TestSupportError("redis-server on port \(port) did not start:\n\(started.stdoutText)\n\(started.stderrText)")
        }
        process = started
    }

    /// Kills the server (SIGKILL) and waits for it to exit. Not SIGTERM: children inherit the test process's
    /// blocked signals, so redis-server would not see a SIGTERM; and with no persistence a kill loses nothing.
    package func stop() {
        guard let process else { return }
        if paused { resume() }
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: 10)
        self.process = nil
    }

    /// Freezes the server with SIGSTOP: connections are still accepted by the kernel but nothing is answered.
    package func pause() {
        guard let pid, !paused else { return }
        kill(pid, SIGSTOP)
        paused = true
    }

    /// Lets a paused server run again (SIGCONT).
    package func resume() {
        guard let pid, paused else { return }
        kill(pid, SIGCONT)
        paused = false
    }

    /// Runs one command with `redis-cli` and returns its raw output, trimmed (e.g. `"3"` for `ZCARD`).
    package func command(_ arguments: [String]) throws -> String {
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        var words = ["--raw", "-s", socketPath]
        if let password { words += ["-a", password, "--no-auth-warning"] }
        cli.arguments = words + arguments
        let output = Pipe()
        cli.standardOutput = output
        cli.standardError = FileHandle.nullDevice
        try cli.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        cli.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server's log so far (its stdout).
    package var log: String { process?.stdoutText ?? "" }

    /// A loopback port nobody listens on right now.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestSupportError("cannot pick a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
