import SwitchyardCore

/// The answer to ``RegistryStore/commit(name:definition:base:completion:)``.
package enum RegistryCommit {
    /// Recorded as `entry` (its version is the base + 1).
    case committed(RegistryEntry)
    /// The registry moved past the base version meanwhile; nothing was written. Refresh and validate again.
    case stale
    /// The store cannot be reached; nothing was written.
    case unavailable(String)
}

/// Where a worker's model registry lives and how it hears of changes: Redis (shared by every router using it),
/// the supervisor (the workers of one router, without Redis) or memory (a worker on its own). Every store
/// commits with compare-and-set on the version, so changes are serialised and each one is validated against
/// exactly the registry it applies to. Used on the worker's loop thread.
package protocol RegistryStore: AnyObject {
    /// Receives every registry snapshot the store learns of (possibly the one already applied).
    var onSnapshot: ((RegistrySnapshot) -> Void)? { get set }
    /// Starts listening; `ready` runs once, when the first snapshot was delivered or the store gave up waiting
    /// for it (the worker then serves its file models and catches up later).
    func start(ready: @escaping () -> Void)
    /// Records `definition` (nil: a deletion) for `name` if the registry is still at version `base`.
    func commit(name: String, definition: [UInt8]?, base: Int, completion: @escaping (RegistryCommit) -> Void)
    /// Delivers the current snapshot through ``onSnapshot`` (after a stale commit), then calls `done`.
    func refresh(done: @escaping () -> Void)
    /// Where the registry lives, for `GET /admin/models` (`redis`, `supervisor`, `memory`).
    var kind: String { get }
}

/// The registry of a worker without Redis and without a supervisor (tests, a worker run by hand): it lives and
/// dies with the worker.
final class MemoryRegistryStore: RegistryStore {
    var onSnapshot: ((RegistrySnapshot) -> Void)?
    private var snapshot: RegistrySnapshot
    let kind = "memory"

    init(initial: RegistrySnapshot = .empty) {
        snapshot = initial
    }

    func start(ready: @escaping () -> Void) {
        onSnapshot?(snapshot)
        ready()
    }

    func commit(name: String, definition: [UInt8]?, base: Int, completion: @escaping (RegistryCommit) -> Void) {
        guard base == snapshot.version else { return completion(.stale) }
        let entry = RegistryEntry(name: name, version: base + 1, definition: definition)
        snapshot = snapshot.recording(entry)
        onSnapshot?(snapshot)
        completion(.committed(entry))
    }

    func refresh(done: @escaping () -> Void) {
        onSnapshot?(snapshot)
        done()
    }
}
