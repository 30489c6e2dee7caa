import SwitchyardCoordination
import SwitchyardCore

extension Gateway {
    /// The registry store when none was given: Redis (on the selector's connection) when configured, else memory.
    func makeRegistryStore() -> any RegistryStore {
        if let shared = selector as? RedisProviderSelector {
            return RedisRegistryStore(client: shared.client, loop: loop, logger: logger, clientName: "switchyard-w\(identity.id)-\(identity.pid)")
        }
        return MemoryRegistryStore()
    }

    /// Applies the stored model registry, then calls `ready` (at once without Redis; with Redis once it was read,
    /// or after a few seconds when it cannot be).
    package func startRegistry(ready: @escaping () -> Void) {
        registry.start(ready: ready)
    }
}
