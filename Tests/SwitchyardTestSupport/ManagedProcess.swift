import Foundation
import Glibc

/// A child process (normally the `switchyard` binary) whose stdout and stderr go to temporary files.
///
/// The child is killed in `stop()` and on deinit, so a failing test never leaks a server. Every wait
/// takes a timeout. Output goes to files rather than pipes so a chatty child can never block on a full pipe.
package final class ManagedProcess {
    /// The arguments the executable was started with (without the executable itself).
    package let arguments: [String]
    private let process = Process()
    private let directory: TemporaryDirectory
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `executable` (default: the located `switchyard` binary) with `arguments`.
    ///
    /// The child inherits this process's environment minus every `LLM_ROUTER_*` variable (so a developer's
    /// shell cannot change test outcomes), plus `LLM_ROUTER_PROMPTS_DIR` naming the checkout's
    /// `resources/prompts` (children run from temporary directories, where the default would find none), plus
    /// `environment`.
    package init(
        arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil, executable: String? = nil
    ) throws {
        self.arguments = arguments
        directory = try TemporaryDirectory(prefix: "switchyard-proc")
        stdoutPath = directory.file("stdout")
        stderrPath = directory.file("stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        guard let stdout = FileHandle(forWritingAtPath: stdoutPath), let stderr = FileHandle(forWritingAtPath: stderrPath) else {
            throw TestSupportError("cannot open output files in \(directory.path)")
        }
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        var childEnvironment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LLM_ROUTER_") }
        childEnvironment["LLM_ROUTER_PROMPTS_DIR"] = Self.shippedPrompts
        childEnvironment.merge(environment) { _, new in new }
        process.executableURL = URL(fileURLWithPath: try executable ?? SwitchyardBinary.path())
        process.arguments = arguments
        process.environment = childEnvironment
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// The prompt library in the checkout, `<package root>/resources/prompts`.
    package static var shippedPrompts: String { "\(SwitchyardBinary.packageRoot)/resources/prompts" }

    /// The child's process id.
    package var pid: Int32 { process.processIdentifier }

    /// Whether the child is still running.
    package var isRunning: Bool { process.isRunning }

    /// Everything the child has written to stdout so far.
    package var stdoutText: String { Self.read(stdoutPath) }

    /// Everything the child has written to stderr so far.
    package var stderrText: String { Self.read(stderrPath) }

    /// Waits for the `listening on http://HOST:PORT` line on stdout and returns PORT.
    ///
    /// Throws, with the child's stderr, if the child exits first or `timeout` seconds pass.
    package func waitForListeningLine(timeout: Double = 10) throws -> Int {
        var port: Int?
        let found = Deadline.poll(seconds: timeout) {
            port = Self.listeningPort(in: stdoutText)
            return port != nil || !process.isRunning
        }
        if let port = port ?? Self.listeningPort(in: stdoutText) { return port }
        let state = found ? "exited with status \(process.terminationStatus)" : "printed no listening line within \(timeout) s"
        throw TestSupportError(
            "switchyard \(arguments.joined(separator: " ")) \(state)\nstdout:\n\(stdoutText)\nstderr:\n\(stderrText)")
    }

    /// Sends `signal` (e.g. `SIGQUIT`) to the child.
    package func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits up to `timeout` seconds for the child to exit; returns its exit status (128 + signal number when
    /// a signal ended it), or nil if it is still running.
    package func waitForExit(timeout: Double) -> Int32? {
        guard Deadline.poll(seconds: timeout, { !process.isRunning }) else { return nil }
        switch process.terminationReason {
        case .exit: return process.terminationStatus
        case .uncaughtSignal: return 128 + process.terminationStatus
        @unknown default: return process.terminationStatus
        }
    }

    /// Stops the child if it is still running: SIGTERM, then SIGKILL if it is not gone within `grace` seconds.
    ///
    /// TERM first so a `serve` supervisor can stop and reap its workers; a KILLed supervisor leaves them
    /// orphaned (they are re-parented and may linger as zombies).
    package func stop(grace: Double = 3) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if waitForExit(timeout: grace) != nil { return }
        kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(timeout: 5)
    }

    deinit { stop() }

    private static func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    /// The port of the first complete `listening on http://HOST:PORT` line in `text`.
    private static func listeningPort(in text: String) -> Int? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("listening on http://") || line.hasPrefix("listening on https://"), let colon = line.lastIndex(of: ":") else { continue }
            if let port = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)) { return port }
        }
        return nil
    }
}
