import SwitchyardCore

/// Picks a provider for each request of a model: the pure choice every load-balancing strategy implements
/// (balanced, weighted, first_available, …). A ``ProviderSelector`` wraps it with the fallback chain, circuits
/// and leases; selection and release are paired exactly once per lease.
package protocol ProviderStrategy: AnyObject {
    /// The strategy's configuration name, e.g. `round_robin`.
    var name: String { get }
    /// Chooses one of `model.providers` for which `eligible` holds; nil when none does.
    func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig?
    /// The lease on `provider` is over.
    func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome)
    /// Whether ``select(for:where:)`` can answer nil for lack of capacity (slots) while eligible providers exist:
    /// then a request waits in the model's queue instead of failing.
    var limitsCapacity: Bool { get }
}

extension ProviderStrategy {
    /// Strategies without slots always choose some eligible provider.
    package var limitsCapacity: Bool { false }
}
