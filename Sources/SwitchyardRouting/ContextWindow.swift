import SwitchyardCore

/// Context-window routing: a request whose estimated size (prompt estimate plus `max_tokens`, see
/// ``TokenEstimate``) exceeds a provider's `context_length` never goes to that provider; when it fits no provider
/// of the model or its `fallback_model` chain, it is refused with 400 `context_length_exceeded`. Shared by every
/// selector so the rule is written once.
package enum ContextWindow {
    /// Whether a request of `tokens` tokens fits `provider` (`tokens == 0`: not estimated; unknown windows fit).
    @inline(__always)
    package static func fits(_ tokens: Int, _ provider: ProviderConfig) -> Bool {
        tokens == 0 || provider.inputSize == 0 || tokens <= provider.inputSize
    }

    /// The refusal for a request of `tokens` tokens to `model` when no provider of its chain in `config` fits it;
    /// nil when one does (or the request was not estimated).
    package static func refusal(tokens: Int, model: ModelConfig, config: ModelsConfig) -> RouterError? {
        guard tokens > 0 else { return nil }
        var largest = 0
        var current: ModelConfig? = model
        var steps = 0
        while let candidate = current, steps <= config.models.count {
            for provider in candidate.providers {
                if fits(tokens, provider) { return nil }
                largest = max(largest, provider.inputSize)
            }
            steps += 1
            current = candidate.fallbackModel.flatMap { config.model(named: $0) }
        }
        return .contextLengthExceeded(estimate: tokens, largest: largest)
    }
}
