import SwitchyardCore

/// `dynamic_weighted`: smooth weighted round robin (``SmoothWeightedRoundRobin``) on `weight × latency score`, so a
/// provider that slows down loses share and regains it when it is fast again.
///
/// - Latency: per provider an exponentially weighted moving average (``smoothing`` α = 0.3: a new sample counts
///   30 %, the history 70 %) of the time to first byte (streams) or the total time (whole answers), taken from
///   each completed attempt as `timeToFirstByte ?? total`. The first sample is taken as it is.
/// - Only answers with a 2xx status are timed. An attempt that failed, or answered 429 or 5xx, counts as one slow
///   sample: twice the slowest average among the model's providers (at least twice its own time and 1 ms), so a
///   failing provider sheds share even when it fails fast. Cancelled attempts and other statuses (a 400 for a bad
///   request is quick whatever the provider's speed) say nothing about it and count for nothing.
/// - Score: `1 / max(average, 1 ms)`, divided by the mean of that value over the model's providers that have
///   samples; a provider without samples scores the mean (1). A score never drops below ``minimumScore`` (5 % of
///   the mean), so a slow provider keeps a trickle of requests that lets it show it has recovered. Scores are
///   recomputed on release, not per pick.
///
/// In-process state: every worker learns from its own attempts (the Redis coordinator shares the averages later).
package final class DynamicWeightedStrategy: ProviderStrategy {
    /// A provider's counter, latency average and score.
    final class Entry: SmoothWeightedRoundRobin.Counter {
        var current = 0.0
        /// The moving average in nanoseconds; meaningful once `sampled`.
        var average = 0.0
        var sampled = false
        /// The normalised latency score the weight is multiplied by.
        var score = 1.0
    }

    /// α, the weight of a new latency sample in the moving average.
    package static let smoothing = 0.3
    /// Averages below this (1 ms) count as this, so a near-instant provider cannot take every pick.
    package static let floor = 1_000_000.0
    /// The lowest score, relative to the mean score 1.
    package static let minimumScore = 0.05

    package let name = StrategyName.dynamicWeighted.rawValue
    private let table = ProviderTable { Entry() }

    /// The strategy.
    package init() {}

    package func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig? {
        let providers = model.providers
        let entries = table.entries(for: model)
        let chosen = SmoothWeightedRoundRobin.pick(
            providers, entries, weight: { providers[$0].weight * entries[$0].score }, where: eligible)
        return chosen.map { providers[$0] }
    }

    package func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome) {
        guard let penalty = Self.isPenalty(outcome), let entry = table.entry(provider.id, of: model.name) else { return }
        let entries = table.current(of: model.name)
        let observed = Double(outcome.timeToFirstByte ?? outcome.total)
        let sample: Double
        if penalty {
            var slowest = max(observed, Self.floor)
            for other in entries where other.sampled { slowest = max(slowest, other.average) }
            sample = 2 * slowest
        } else {
            sample = observed
        }
        entry.average = entry.sampled ? Self.smoothing * sample + (1 - Self.smoothing) * entry.average : sample
        entry.sampled = true
        Self.rescore(entries)
    }

    /// The score of `provider` of `model` (1 before any sample), for tests and the state listing.
    package func score(_ provider: String, of model: String) -> Double {
        table.entry(provider, of: model)?.score ?? 1
    }

    /// Whether `outcome` is a slow sample (true), a timed one (false), or no sample at all (nil).
    package static func isPenalty(_ outcome: ProviderOutcome) -> Bool? {
        switch outcome.kind {
        case .cancelled: return nil
        case .failed: return true
        case .completed:
            switch outcome.status {
            case 200..<300: return false
            case 0, 429, 500...: return true
            default: return nil
            }
        }
    }

    /// Sets every score from the averages: inverse latency over the mean inverse latency of the sampled ones.
    private static func rescore(_ entries: [Entry]) {
        var sum = 0.0
        var count = 0
        for entry in entries where entry.sampled {
            sum += 1 / max(entry.average, floor)
            count += 1
        }
        guard count > 0 else { return }
        let mean = sum / Double(count)
        for entry in entries {
            entry.score = entry.sampled ? max((1 / max(entry.average, floor)) / mean, minimumScore) : 1
        }
    }
}
