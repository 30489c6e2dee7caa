import SwitchyardCore

/// The strategies this build implements, by configuration name (``StrategyName``): the factory every selector
/// builds them with. Each strategy gets the ``SelectorContext`` (loop clock, worker identity; later the Redis
/// client).
package enum StrategyCatalog {
    /// Names served by a strategy of their own (or an exact alias of one); the others fall back to
    /// ``fallback`` with a warning.
    package static let implemented: Set<String> = Set(StrategyName.allCases.filter(isImplemented).map(\.rawValue))

    /// The strategy names without an implementation fall back to: `balanced`, the default.
    package static let fallback = StrategyName.balanced

    /// A new instance of the strategy called `name`; names this build does not implement (`real_time_metrics`
    /// until the metrics scraper exists, or a name no configuration can hold) get a ``fallback`` instance.
    package static func make(_ name: String, context: SelectorContext) -> ProviderStrategy {
        guard let known = StrategyName(rawValue: name) else { return BalancedStrategy(name: fallback.rawValue) }
        switch known {
        case .balanced, .leastConnection: return BalancedStrategy(name: known.rawValue)
        case .weighted: return WeightedStrategy()
        case .dynamicWeighted: return DynamicWeightedStrategy()
        case .firstAvailable, .firstAvailableOptim, .firstAvailableOptimNworkers: return FirstAvailableStrategy(name: known.rawValue)
        case .roundRobin: return RoundRobinStrategy()
        case .random: return RandomStrategy(seed: RandomStrategy.seed(now: context.now(), pid: context.pid))
        case .realTimeMetrics: return BalancedStrategy(name: fallback.rawValue)
        }
    }

    private static func isImplemented(_ name: StrategyName) -> Bool {
        name != .realTimeMetrics
    }
}
