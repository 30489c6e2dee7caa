/// A running `switchyard serve` on a free loopback port, with its generated config in a temporary directory.
package final class RouterProcess {
    /// The port the router listens on.
    package let port: Int
    /// The process, for signals, exit status and logs.
    package let process: ManagedProcess
    /// Holds `models.json`; removed when the router is released.
    package let directory: TemporaryDirectory

    /// Starts `serve --config <dir>/models.json --host 127.0.0.1 --port 0` plus `arguments`, or demo mode
    /// (no `--config`) when `config` is nil. `environment` adds variables such as `LLM_ROUTER_LOG_FORMAT`;
    /// `executable` replaces the located binary (e.g. a ``SwappableBinary``).
    package convenience init(config: RouterConfig?, arguments: [String] = [], environment: [String: String] = [:], executable: String? = nil) throws {
        try self.init(configText: config.map { ($0.json, "models.json") }, arguments: arguments, environment: environment, executable: executable)
    }

    /// Starts `serve` with a config file written as given (`text` into `file`, e.g. a YAML config), or demo mode.
    package init(configText: (text: String, file: String)?, arguments: [String] = [], environment: [String: String] = [:], executable: String? = nil) throws {
        directory = try TemporaryDirectory(prefix: "switchyard-router")
        var command = ["serve", "--host", "127.0.0.1", "--port", "0"]
        if let configText {
            command += ["--config", try directory.write(configText.text, to: configText.file)]
        }
        process = try ManagedProcess(
            arguments: command + arguments, environment: environment, currentDirectory: directory.path, executable: executable)
        port = try process.waitForListeningLine()
    }

    /// A new connection to the router.
    package func connect(timeout: Double = 5) throws -> RawHTTPClient {
        try RawHTTPClient(port: port, timeout: timeout)
    }

    /// `GET path` on a new connection.
    package func get(_ path: String) throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: port, "GET", path)
    }

    /// `POST path` with a JSON `body` on a new connection.
    package func post(_ path: String, _ body: String, headers: [(String, String)] = []) throws -> RawHTTPResponse {
        try RawHTTPClient.exchange(port: port, "POST", path, headers: headers, body: body)
    }

    /// Everything the router has logged so far.
    package var logText: String { process.stderrText }

    /// Stops the router (SIGTERM, then SIGKILL).
    package func stop() { process.stop() }
}
