import SwitchyardCore

/// `first_available` (also llm-router's `first_available_optim` and `first_available_optim_nworkers`): the first
/// eligible provider in configuration order with a free slot. A provider has `nworkers` slots (default 1); a slot
/// is held from selection to release, for the whole request, streams included.
///
/// When every eligible provider is full, ``select(for:where:)`` returns nil: the selector then tries the fallback
/// chain and, failing that, answers `exhausted`, which the client sees as 503 `no_provider_available`. That is the
/// in-memory behaviour; waiting in a queue for the next free slot comes with the cluster-wide coordinator.
/// In-process state: the slots are this worker's (the Redis coordinator makes them cluster-wide later).
package final class FirstAvailableStrategy: ProviderStrategy {
    /// A provider's slots in use.
    final class Slots {
        var held = 0
    }

    package let name: String
    /// Slots are the capacity: a full model's requests wait in its queue.
    package var limitsCapacity: Bool { true }
    private let table = ProviderTable { Slots() }

    /// The strategy, under the configuration name it was chosen by.
    package init(name: String = StrategyName.firstAvailable.rawValue) {
        self.name = name
    }

    package func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig? {
        let providers = model.providers
        let slots = table.entries(for: model)
        for index in providers.indices where slots[index].held < max(providers[index].nworkers, 1) && eligible(providers[index]) {
            slots[index].held += 1
            return providers[index]
        }
        return nil
    }

    package func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome) {
        // The selector releases each lease once; the guard only keeps a stray release from creating a slot.
        guard let slots = table.entry(provider.id, of: model.name), slots.held > 0 else { return }
        slots.held -= 1
    }

    /// Slots of `provider` of `model` in use, for tests and the state listing.
    package func held(_ provider: String, of model: String) -> Int {
        table.entry(provider, of: model)?.held ?? 0
    }
}
