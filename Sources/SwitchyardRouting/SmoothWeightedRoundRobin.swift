import SwitchyardCore

/// Smooth weighted round robin, nginx's algorithm (`ngx_http_upstream_get_peer`): on every pick each eligible
/// provider's counter grows by its weight, the largest counter wins (the earlier provider on a tie) and gives back
/// the sum of the weights added. Weights 3 and 1 give `a a b a` over every four picks, exactly, and 5:3:2 spreads
/// the picks instead of sending bursts.
///
/// Ineligible providers (already tried, circuit open) are left out of the round entirely: their counters do not
/// move, and the counters of those taking part still sum to what they summed to before, so a pick among a subset
/// does not skew the proportion of later picks among all of them (a retry on the only other provider changes
/// nothing at all).
enum SmoothWeightedRoundRobin {
    /// A provider's running counter.
    protocol Counter: AnyObject {
        /// nginx's `current_weight`.
        var current: Double { get set }
    }

    /// The index of the pick among `providers` for which `eligible` holds, with `weight(i)` the weight of
    /// `providers[i]` (> 0) and `counters[i]` its counter; nil when none is eligible (nothing changes then).
    static func pick<Entry: Counter>(
        _ providers: [ProviderConfig], _ counters: [Entry], weight: (Int) -> Double,
        where eligible: (ProviderConfig) -> Bool
    ) -> Int? {
        var best = -1
        var total = 0.0
        for index in providers.indices where eligible(providers[index]) {
            let counter = counters[index]
            let added = weight(index)
            counter.current += added
            total += added
            if best < 0 || counter.current > counters[best].current { best = index }
        }
        guard best >= 0 else { return nil }
        counters[best].current -= total
        return best
    }
}
