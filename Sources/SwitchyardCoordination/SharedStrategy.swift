import SwitchyardCore

/// How a strategy is shared through Redis: the strategies whose state lives in Redis (chosen inside the acquire
/// script), and the others, which choose from this worker's state and only record their holds in Redis.
enum SharedStrategy: Equatable {
    /// Chosen by the acquire script under this name (`balanced`, `round_robin`, `first_available`, `weighted`,
    /// `dynamic_weighted`).
    case script(String)
    /// Chosen by the local selector's strategy (`random`, `real_time_metrics`); the hold is recorded in Redis
    /// (in-flight counts, owner, deadline), the choice itself is not shared (a random draw needs no shared state;
    /// `real_time_metrics` chooses from the shared scrape). When a provider of the model has a limit (rpm, tpm,
    /// `max_concurrency`), the acquire script draws instead (`pick`, with the worker's draw and weights) among the
    /// providers free cluster-wide, so the limits hold across routers and a request at them waits in the queue.
    case localChoice

    /// The sharing of strategy `name` (``StrategyName`` raw values; unknown names are served as `balanced`, as the
    /// in-memory selector does).
    init(name: String) {
        switch StrategyName(rawValue: name) {
        case .balanced, .leastConnection, .none: self = .script("balanced")
        case .roundRobin: self = .script("round_robin")
        case .firstAvailable, .firstAvailableOptim, .firstAvailableOptimNworkers: self = .script("first_available")
        case .weighted: self = .script("weighted")
        case .dynamicWeighted: self = .script("dynamic_weighted")
        case .random, .realTimeMetrics: self = .localChoice
        }
    }

    /// Whether the strategy has slots (`first_available`): a full model's requests wait in its queue, and the
    /// candidates carry their slots.
    var limitsCapacity: Bool { self == .script("first_available") }
}
