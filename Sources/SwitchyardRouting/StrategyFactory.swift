import SwitchyardCore

/// Builds the strategy named in configuration.
package enum StrategyFactory {
    /// Strategies implemented in this build; other valid names fall back to round robin (see README).
    package static let implemented: Set<String> = ["round_robin"]

    /// A strategy for `name`, and whether it is the one asked for (false = round-robin fallback).
    package static func make(_ name: String) -> (strategy: ProviderStrategy, exact: Bool) {
        switch name {
        case "round_robin": return (RoundRobinStrategy(), true)
        default: return (RoundRobinStrategy(), false)
        }
    }
}
