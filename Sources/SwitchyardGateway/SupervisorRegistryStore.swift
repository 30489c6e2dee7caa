import SwitchyardCore

/// The model registry of a router without Redis: the supervisor holds it and hands it to its workers, so an API
/// change reaches every worker of the instance (not other instances, and not a restart of the router).
///
/// The protocol on the control socket (one line each; the JSON is compact, so it has no raw newline):
/// - worker → supervisor: `registry-commit <base> {"name":…,"model":{…}|null}`;
/// - supervisor → every worker: `registry <snapshot JSON>` (``RegistrySnapshot/serialized``) after each change,
///   then to the committing worker `registry-committed <version>` or `registry-stale`.
/// Workers started later (respawns, a HUP's new generation) get the current registry as a sealed memfd at
/// start (`SWITCHYARD_REGISTRY_FD`), so they serve it from their first request.
final class SupervisorRegistryStore: RegistryStore {
    var onSnapshot: ((RegistrySnapshot) -> Void)?
    let kind = "supervisor"
    private var snapshot: RegistrySnapshot
    private let send: (String) -> Void
    /// Commits sent and not yet answered, oldest first (the supervisor answers in order).
    private var waiting: [(name: String, definition: [UInt8]?, completion: (RegistryCommit) -> Void)] = []

    /// A store starting from `initial` (from the supervisor's memfd) that writes lines with `send`.
    init(initial: RegistrySnapshot, send: @escaping (String) -> Void) {
        snapshot = initial
        self.send = send
    }

    func start(ready: @escaping () -> Void) {
        onSnapshot?(snapshot)
        ready()
    }

    func commit(name: String, definition: [UInt8]?, base: Int, completion: @escaping (RegistryCommit) -> Void) {
        var out = JSONWriter()
        out.raw("{\"name\":")
        out.string(name)
        out.raw(",\"model\":")
        out.bytes += definition ?? Array("null".utf8)
        out.raw("}")
        waiting.append((name, definition, completion))
        send("registry-commit \(base) \(String(decoding: out.bytes, as: UTF8.self))\n")
    }

    func refresh(done: @escaping () -> Void) {
        onSnapshot?(snapshot)
        done()
    }

    /// Handles a line from the supervisor; false when it is not about the registry.
    func received(line: String) -> Bool {
        if line.hasPrefix("registry ") {
            if let next = RegistrySnapshot(serialized: Array(line.utf8.dropFirst(9))) {
                snapshot = next
                onSnapshot?(next)
            }
            return true
        }
        if line.hasPrefix("registry-committed ") || line == "registry-stale" {
            guard !waiting.isEmpty else { return true }
            let (name, definition, completion) = waiting.removeFirst()
            if let version = Int(line.dropFirst(19)), line.hasPrefix("registry-committed ") {
                completion(.committed(RegistryEntry(name: name, version: version, definition: definition)))
            } else {
                completion(.stale)
            }
            return true
        }
        return false
    }
}
