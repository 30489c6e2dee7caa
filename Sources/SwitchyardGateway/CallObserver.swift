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
}
