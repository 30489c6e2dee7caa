import SwitchyardCore
import SwitchyardProviders

/// Watches the upstream calls of a worker (metrics); every method runs on the loop thread, synchronously.
protocol CallObserver: AnyObject {
    /// A call was registered (`delta` 1) or ended (`delta` -1).
    func callsInFlight(_ delta: Int)
    /// An attempt on `provider` of `model` (a link of the requested model's chain) was granted; `retry` when it is
    /// not the call's first attempt.
    func attemptStarted(provider: String, model: ModelConfig, retry: Bool)
    /// The attempt on `provider` ended with `outcome` (`ok`, `status_503`, `connect`, `cancelled`, …).
    func attemptEnded(provider: String, outcome: String)
    /// The call moved from `model` to its fallback `fallback`.
    func fellBack(model: String, to fallback: String)
    /// The first body bytes of a streamed answer were relayed, `nanoseconds` after the call started.
    func firstBytes(model: String, nanoseconds: UInt64)
    /// The answering provider reported its token usage for the call.
    func tokens(provider: String, model: String, usage: TokenUsage)
    /// A TPM reservation of `tokens` was settled on `used`.
    func reserved(provider: String, tokens: Int, used: Int)
    /// The call was refused before reaching a provider (`queue_full`, `queue_timeout`, …).
    func rejected(model: String, reason: String)
    /// The attempt on `provider` failed with `reason` (`status_429`, `connect`, …) and the call tries another.
    func retried(provider: String, reason: String)
    /// `provider` asked for a pause of `seconds` (429, or 503 with `Retry-After`) and gets no lease meanwhile.
    func cooledDown(provider: String, seconds: Double)
    /// A request answered by `provider` had an estimated `cost` at its configured price.
    func costed(provider: String, cost: Double)
}

extension CallObserver {
    func retried(provider: String, reason: String) {}
    func cooledDown(provider: String, seconds: Double) {}
    func costed(provider: String, cost: Double) {}
    func reserved(provider: String, tokens: Int, used: Int) {}
    func rejected(model: String, reason: String) {}
}
