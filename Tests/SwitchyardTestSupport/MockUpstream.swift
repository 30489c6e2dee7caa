/// A running `switchyard mock` process on a free loopback port: a deterministic upstream LLM server.
package final class MockUpstream {
    /// The mock's identity: its replies carry it as `system_fingerprint` and content prefix `[id] `.
    package let id: String
    /// The port it listens on.
    package let port: Int
    /// The process, for signals and output.
    package let process: ManagedProcess

    /// Starts `switchyard mock --port 0 --id ID` plus `arguments` (e.g. `["--fail-status", "503"]`).
    package init(id: String, arguments: [String] = []) throws {
        self.id = id
        process = try ManagedProcess(arguments: ["mock", "--host", "127.0.0.1", "--port", "0", "--id", id] + arguments)
        port = try process.waitForListeningLine()
    }

    /// `http://127.0.0.1:PORT`, for a provider's `api_host`.
    package var url: String { "http://127.0.0.1:\(port)" }

    /// `GET /mock/stats`: counters such as `requests`, `completions`, `inFlight`, `streamsAbortedByClient`.
    package func stats() throws -> TestJSON {
        try RawHTTPClient.exchange(port: port, "GET", "/mock/stats").json()
    }

    /// `GET /mock/last-request`: `method`, `path`, `headers` and `body` of the last completion request received.
    package func lastRequest() throws -> TestJSON {
        try RawHTTPClient.exchange(port: port, "GET", "/mock/last-request").json()
    }

    /// A provider entry pointing at this mock (provider id = mock id unless given).
    package func provider(
        id providerID: String? = nil, modelPath: String = "mock-model", apiToken: String? = nil,
        weight: Double? = nil, nworkers: Int? = nil
    ) -> RouterConfig.Provider {
        RouterConfig.Provider(id: providerID ?? id, apiHost: url, modelPath: modelPath, apiToken: apiToken, weight: weight, nworkers: nworkers)
    }

    /// Stops the mock (SIGTERM, then SIGKILL).
    package func stop() { process.stop() }
}
