import SwitchyardCore

/// `weighted`: smooth weighted round robin (see ``SmoothWeightedRoundRobin``) on the providers' configured
/// `weight`, any positive number (3 and 1 mean 3:1; nothing is clamped to 1 as llm-router does). In-process state:
/// the proportion is exact per worker (the Redis coordinator keeps one cursor for the cluster later).
package final class WeightedStrategy: ProviderStrategy {
    /// A provider's counter.
    final class Counter: SmoothWeightedRoundRobin.Counter {
        var current = 0.0
    }

    package let name = StrategyName.weighted.rawValue
    private let table = ProviderTable { Counter() }

    /// The strategy.
    package init() {}

    package func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig? {
        let providers = model.providers
        let counters = table.entries(for: model)
        let chosen = SmoothWeightedRoundRobin.pick(providers, counters, weight: { providers[$0].weight }, where: eligible)
        return chosen.map { providers[$0] }
    }

    package func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome) {}
}
