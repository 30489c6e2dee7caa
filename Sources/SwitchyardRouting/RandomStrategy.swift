import SwitchyardCore

/// `random`: a uniform choice among the eligible providers, from a ``SplitMix64`` generator per worker (seeded from
/// the clock and the process id, so workers forked together still draw differently). Two passes over the
/// providers (count, then find the drawn one) and one number per pick; nothing is allocated. Stateless apart from
/// the generator, so it is the same in-process and cluster-wide.
package final class RandomStrategy: ProviderStrategy {
    package let name = StrategyName.random.rawValue
    private var generator: SplitMix64

    /// The strategy drawing from a generator started at `seed` (tests pass a fixed one).
    package init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    /// A seed for a worker: the loop clock's nanoseconds and the process id, mixed through one SplitMix64 step.
    package static func seed(now: UInt64, pid: Int32) -> UInt64 {
        var mixer = SplitMix64(seed: now ^ (UInt64(UInt32(bitPattern: pid)) << 32))
        return mixer.next()
    }

    package func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig? {
        let providers = model.providers
        var count = 0
        for provider in providers where eligible(provider) { count += 1 }
        guard count > 0 else { return nil }
        var remaining = generator.next(below: count)
        for provider in providers where eligible(provider) {
            if remaining == 0 { return provider }
            remaining -= 1
        }
        return nil  // unreachable while `eligible` answers the same twice
    }

    package func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome) {}
}
