/// A load-balancing strategy name, as written in `LLM_ROUTER_BALANCE_STRATEGY` / `--strategy` and in a model's
/// `strategy` key: the one list of valid names, used by the settings, the models config reader and the routing
/// module's strategy catalog.
package enum StrategyName: String, Sendable, CaseIterable {
    /// Fewest in-flight requests, ties broken by fewest selections (the default, as in llm-router).
    case balanced
    /// LLMStream's name for the same rule as ``balanced``.
    case leastConnection = "least_connection"
    /// Smooth weighted round robin on the providers' `weight`.
    case weighted
    /// ``weighted`` with each weight scaled by the provider's latency score.
    case dynamicWeighted = "dynamic_weighted"
    /// The first provider in configuration order with a free slot (`nworkers` slots each).
    case firstAvailable = "first_available"
    /// llm-router's host-affinity variant; accepted for its configs and served as ``firstAvailable``.
    case firstAvailableOptim = "first_available_optim"
    /// llm-router's counted-slots variant, which is what ``firstAvailable`` does here.
    case firstAvailableOptimNworkers = "first_available_optim_nworkers"
    /// Providers in turn, in configuration order.
    case roundRobin = "round_robin"
    /// A uniform random choice.
    case random
    /// LLMStream's weighted random choice from the providers' own `/metrics` (scraped every
    /// `metrics_update_interval` seconds).
    case realTimeMetrics = "real_time_metrics"

    /// The default when neither the environment nor a flag names one.
    package static let defaultName: StrategyName = .balanced

    /// Parses a name case-insensitively, ignoring surrounding whitespace.
    package init?(parsing text: String) {
        self.init(rawValue: text.trimmingASCIIWhitespace().lowercased())
    }

    /// Every valid name, comma-separated, for messages and `--help`.
    package static let validNames: String = allCases.map(\.rawValue).joined(separator: ", ")
}
