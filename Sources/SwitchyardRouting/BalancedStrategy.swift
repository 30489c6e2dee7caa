import SwitchyardCore

/// `balanced` and `least_connection`: the eligible provider with the fewest requests in flight (selections minus
/// releases), ties broken by the fewest selections ever, then by configuration order. Sequential requests thus
/// take the providers in turn, and a provider stuck on long requests gets new ones only when the others are as
/// busy. In-process state: the counts are this worker's (the Redis coordinator makes them cluster-wide later).
package final class BalancedStrategy: ProviderStrategy {
    /// A provider's counts.
    final class Counts {
        /// Selections not yet released.
        var inFlight = 0
        /// Every selection since the strategy was made.
        var selections: UInt64 = 0
    }

    package let name: String
    private let table = ProviderTable { Counts() }

    /// The strategy, under the configuration name it was chosen by (`balanced` or `least_connection`).
    package init(name: String = StrategyName.balanced.rawValue) {
        self.name = name
    }

    package func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig? {
        let providers = model.providers
        let entries = table.entries(for: model)
        var best = -1
        for index in providers.indices where eligible(providers[index]) {
            if best < 0 || Self.isLess(entries[index], than: entries[best]) { best = index }
        }
        guard best >= 0 else { return nil }
        entries[best].inFlight += 1
        entries[best].selections &+= 1
        return providers[best]
    }

    package func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome) {
        guard let counts = table.entry(provider.id, of: model.name), counts.inFlight > 0 else { return }
        counts.inFlight -= 1
    }

    /// Requests in flight on `provider` of `model`, for tests and the state listing.
    package func inFlight(_ provider: String, of model: String) -> Int {
        table.entry(provider, of: model)?.inFlight ?? 0
    }

    /// Strictly less busy; equal counts keep the earlier provider (configuration order).
    private static func isLess(_ lhs: Counts, than rhs: Counts) -> Bool {
        lhs.inFlight != rhs.inFlight ? lhs.inFlight < rhs.inFlight : lhs.selections < rhs.selections
    }
}
