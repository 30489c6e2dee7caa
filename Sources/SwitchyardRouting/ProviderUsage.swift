import SwitchyardCore

/// This worker's lease counts per model and provider, whatever the strategy and whether the lease was granted
/// from local or shared (Redis) state: requests in flight and selections since start. The operator view
/// (`GET /admin/state`) reads them; selection never does.
///
/// Entries live in a ``ProviderTable``, so counting allocates nothing once a provider has been selected once.
package final class ProviderUsage {
    /// One provider's counts in one model.
    final class Counts {
        /// Leases granted and not yet released.
        var inFlight = 0
        /// Leases granted since the worker started.
        var selections: UInt64 = 0
    }

    private let table = ProviderTable { Counts() }

    /// Empty counts.
    package init() {}

    /// A lease on `provider` of `model` was granted.
    package func granted(_ provider: ProviderConfig, of model: ModelConfig) {
        let entries = table.entries(for: model)
        let providers = model.providers
        for index in providers.indices where providers[index].id == provider.id {
            entries[index].inFlight += 1
            entries[index].selections &+= 1
            return
        }
    }

    /// A lease on `handle` was granted: the counts are found once per handle, then reached directly (no hashing
    /// on the request path).
    package func granted(_ handle: ProviderHandle) {
        if let counts = handle.usageCounts {
            counts.inFlight += 1
            counts.selections &+= 1
            return
        }
        granted(handle.provider, of: handle.model)
        handle.usageCounts = table.entry(handle.provider.id, of: handle.model.name)
    }

    /// A lease on `handle` was released (one granted through ``granted(_:)-(ProviderHandle)``).
    package func released(_ handle: ProviderHandle) {
        guard let counts = handle.usageCounts ?? table.entry(handle.provider.id, of: handle.model.name), counts.inFlight > 0 else { return }
        counts.inFlight -= 1
    }

    /// A lease on provider `id` of model `modelName` was released (a release without a grant changes nothing).
    package func released(_ id: String, of modelName: String) {
        guard let counts = table.entry(id, of: modelName), counts.inFlight > 0 else { return }
        counts.inFlight -= 1
    }

    /// Requests in flight on provider `id` of `modelName`.
    package func inFlight(_ id: String, of modelName: String) -> Int {
        table.entry(id, of: modelName)?.inFlight ?? 0
    }

    /// Selections of provider `id` in `modelName` since start.
    package func selections(_ id: String, of modelName: String) -> UInt64 {
        table.entry(id, of: modelName)?.selections ?? 0
    }
}
