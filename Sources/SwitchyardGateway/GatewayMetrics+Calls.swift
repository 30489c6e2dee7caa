import SwitchyardCore
import SwitchyardProviders

extension GatewayMetrics: CallObserver {
    func attemptStarted(provider: String, model: ModelConfig, retry: Bool) {
        providerInFlight(provider, 1)
        recordSelection(strategy: model.strategy ?? defaultStrategy)
        if retry { recordRetry(model: model.name) }
    }

    func attemptEnded(provider: String, outcome: String) {
        providerInFlight(provider, -1)
        recordUpstream(provider: provider, outcome: outcome)
    }

    func fellBack(model: String, to fallback: String) {
        recordFallback(model: model, fallback: fallback)
    }

    func firstBytes(model: String, nanoseconds: UInt64) {
        recordFirstToken(model: model, nanoseconds: nanoseconds)
    }

    func tokens(provider: String, model: String, usage: TokenUsage) {
        recordTokens(model: model, provider: provider, prompt: usage.promptTokens, completion: usage.completionTokens)
    }
}
