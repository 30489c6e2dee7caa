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

    func reserved(provider: String, tokens: Int, used: Int) {
        recordReservation(provider: provider, reserved: tokens, used: used)
    }

    func rejected(model: String, reason: String) {
        recordAdmissionRejection(model: model, reason: reason)
    }

    func tokens(provider: String, model: String, usage: TokenUsage) {
        recordTokens(model: model, provider: provider, prompt: usage.promptTokens, completion: usage.completionTokens)
    }

    func retried(provider: String, reason: String) {
        recordRetryReason(provider: provider, reason: reason)
    }

    func cooledDown(provider: String, seconds: Double) {
        recordCoolDown(provider: provider)
    }

    func costed(provider: String, cost: Double) {
        recordCost(provider: provider, cost: cost)
    }
}
