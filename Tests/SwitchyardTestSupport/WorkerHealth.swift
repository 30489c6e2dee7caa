/// Which worker answered a `GET /health`: `{"status":"ok","worker":{"id":N,"pid":P,"generation":G},…}`.
package struct WorkerHealth: Sendable, Hashable, CustomStringConvertible {
    /// The worker's slot, 1…N; a respawned or reloaded worker keeps its slot.
    package var id: Int
    /// The worker's process id.
    package var pid: Int32
    /// The configuration generation: 1 at start, +1 per successful reload.
    package var generation: Int

    /// Creates a value (for comparisons in tests).
    package init(id: Int, pid: Int32, generation: Int) {
        self.id = id
        self.pid = pid
        self.generation = generation
    }

    /// Reads the `worker` object of a 200 `/health` response; throws on any other response.
    package init(_ response: RawHTTPResponse) throws {
        let worker = try response.json()["worker"]
        guard response.status == 200, let id = worker?["id"]?.int, let pid = worker?["pid"]?.int,
              let generation = worker?["generation"]?.int
        else { throw TestSupportError("not a worker health answer: \(response.status) \(response.text.prefix(300))") }
        self.init(id: id, pid: Int32(pid), generation: generation)
    }

    /// `GET /health` on a new connection to `port` (the kernel picks the worker per connection).
    package static func probe(port: Int, timeout: Double = 5) throws -> WorkerHealth {
        let client = try RawHTTPClient(port: port, timeout: timeout)
        try client.send(RawHTTPClient.request("GET", "/health", headers: [("Connection", "close")]))
        return try WorkerHealth(client.readResponse())
    }

    package var description: String { "worker \(id) (pid \(pid), generation \(generation))" }
}
