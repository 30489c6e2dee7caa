import SwitchyardCore

/// Cycles through a model's providers in configuration order, skipping ineligible ones. In-process state.
package final class RoundRobinStrategy: ProviderStrategy {
    package let name = StrategyName.roundRobin.rawValue
    private var cursors: [String: Int] = [:]

    /// The strategy.
    package init() {}

    package func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig? {
        let providers = model.providers
        guard !providers.isEmpty else { return nil }
        let start = cursors[model.name, default: 0]
        for step in 0..<providers.count {
            let index = (start + step) % providers.count
            let candidate = providers[index]
            if eligible(candidate) {
                cursors[model.name] = (index + 1) % providers.count
                return candidate
            }
        }
        return nil
    }

    package func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome) {}
}
