import SwitchyardCore

/// How a request that used a provider ended, reported back to the strategy that chose it.
package enum ProviderOutcome: Sendable, Equatable {
    /// The provider answered (any status it produced itself); latency to the end of the response.
    case completed(seconds: Double)
    /// The provider could not be reached or failed mid-way.
    case failed
    /// The client went away before the provider finished.
    case cancelled
}

/// Picks a provider for each request of a model. The interface every load-balancing strategy implements
/// (balanced, weighted, first_available, …); selection and release are paired exactly once per attempt.
package protocol ProviderStrategy: AnyObject {
    /// The strategy's configuration name, e.g. `round_robin`.
    var name: String { get }
    /// Chooses one of `model.providers` whose `id` is not in `excluded`; nil when none is left.
    func select(for model: ModelConfig, excluding excluded: Set<String>) -> ProviderConfig?
    /// The attempt that used `provider` is over.
    func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome)
}
