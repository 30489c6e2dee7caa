import SwitchyardCore

/// The strategies this build implements, by configuration name (``StrategyName``): the factory every selector
/// builds them with. Each strategy gets the ``SelectorContext`` (loop clock, worker identity; later the Redis
/// client).
package enum StrategyCatalog {
    /// Names served by a strategy of their own (or an exact alias of one); the others fall back to
    /// ``fallback`` with a warning. Every ``StrategyName`` is implemented now; the set stays for names a future
    /// build may add before their strategy.
    package static let implemented: Set<String> = Set(StrategyName.allCases.map(\.rawValue))

    /// The strategy names without an implementation fall back to: `balanced`, the default.
    package static let fallback = StrategyName.balanced

    /// A new instance of the strategy called `name`; a name no configuration can hold gets a ``fallback``
    /// instance. `real_time_metrics` chooses from ``SelectorContext/serverLoads``.
    package static func make(_ name: String, context: SelectorContext) -> ProviderStrategy {
        guard let known = StrategyName(rawValue: name) else { return BalancedStrategy(name: fallback.rawValue) }
        switch known {
        case .balanced, .leastConnection: return BalancedStrategy(name: known.rawValue)
        case .weighted: return WeightedStrategy()
        case .dynamicWeighted: return DynamicWeightedStrategy()
        case .firstAvailable, .firstAvailableOptim, .firstAvailableOptimNworkers: return FirstAvailableStrategy(name: known.rawValue)
        case .roundRobin: return RoundRobinStrategy()
        case .random: return RandomStrategy(seed: RandomStrategy.seed(now: context.now(), pid: context.pid))
        case .realTimeMetrics:
            return RealTimeMetricsStrategy(board: context.serverLoads, seed: RandomStrategy.seed(now: context.now() ^ 0x5254_4D00, pid: context.pid), now: context.now)
        }
    }
}
