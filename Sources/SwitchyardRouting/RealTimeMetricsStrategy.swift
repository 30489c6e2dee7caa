import SwitchyardCore

/// `real_time_metrics` (LLMStream's name): a weighted random choice among the eligible providers, each weighted by
/// its server's own load, as scraped from its `/metrics` page into a ``ServerLoadBoard``.
///
/// - Score of a provider with a fresh scrape:
///   `(1 − cache) / (1 + 1.0 × waiting + 0.25 × running′)`, where `running′ = max(0, running + inFlight −
///   inFlightAtScrape)`: between two scrapes the count the server reported is corrected by this worker's own
///   leases on it (``ProviderUsage``) started or ended since it took in that scrape. A queued request weighs four
///   times a running one (a queue means the server is saturated); a full KV cache drives the score to zero.
///   An idle server scores 1.
/// - A provider without a fresh scrape (none yet, the scrape failed, or it is older than
///   ``ServerLoadBoard/staleAfter``) scores the mean of those with one: it counts as average. When none has one,
///   every provider scores 1 (a uniform choice, as `random`).
/// - No eligible provider scores below ``floorShare`` (2 %) of the best one, so a loaded server keeps a trickle
///   of requests and a scrape that is wrong cannot starve it. When every score is zero (all caches full) the
///   choice is uniform.
/// - The draw: a ``SplitMix64`` number per pick, scaled to the sum of the scores; three passes over the providers
///   and nothing allocated once the model's entries exist. No Redis on this path: the board is local memory.
package final class RealTimeMetricsStrategy: ProviderStrategy {
    /// One provider's cached reading and its score for the pick in progress.
    final class Entry {
        /// ``ServerLoadBoard/generation`` when `reading` was looked up.
        var generation: UInt64 = 0
        var reading: ServerLoadBoard.Reading?
        /// This worker's in-flight count on the provider when it took in the scrape of `baselineFor`.
        var baseline = 0
        var baselineFor: UInt64 = .max
        var eligible = false
        var known = false
        var score = 0.0
    }

    /// The weight of a queued request in the load sum.
    package static let waitingWeight = 1.0
    /// The weight of a running request in the load sum.
    package static let runningWeight = 0.25
    /// The lowest score, as a share of the best eligible score.
    package static let floorShare = 0.02

    package let name = StrategyName.realTimeMetrics.rawValue
    /// The loads this strategy chooses from.
    package let board: ServerLoadBoard
    /// This worker's lease counts, for the correction between scrapes (the local selector sets it); nil: none.
    package var usage: ProviderUsage?
    private let now: () -> UInt64
    private var generator: SplitMix64
    private let table = ProviderTable { Entry() }

    /// The strategy over `board`, drawing from a generator started at `seed`, with the loop clock `now`.
    package init(board: ServerLoadBoard, seed: UInt64, usage: ProviderUsage? = nil, now: @escaping () -> UInt64) {
        self.board = board
        self.usage = usage
        self.now = now
        generator = SplitMix64(seed: seed)
    }

    package func select(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> ProviderConfig? {
        let providers = model.providers
        let entries = table.entries(for: model)
        guard let total = score(model, entries, where: eligible) else { return nil }
        var remaining = generator.nextUnit() * total
        var last: Int?
        for index in providers.indices where entries[index].eligible {
            last = index
            remaining -= entries[index].score
            if remaining < 0 { return providers[index] }
        }
        // Rounding left a sliver past the last score: it belongs to the last eligible provider.
        return last.map { providers[$0] }
    }

    /// Each provider's score as ``select(for:where:)`` would draw by it, in configuration order (0 for the
    /// ineligible ones), or nil when none is eligible. For a choice made elsewhere under limits that this worker
    /// cannot see (the shared acquire script draws by these weights among the providers it finds free).
    package func weights(for model: ModelConfig, where eligible: (ProviderConfig) -> Bool) -> [Double]? {
        let entries = table.entries(for: model)
        guard score(model, entries, where: eligible) != nil else { return nil }
        return model.providers.indices.map { entries[$0].eligible ? entries[$0].score : 0 }
    }

    /// Scores the eligible providers of `model` into `entries` (the floor and the average for unknown ones
    /// applied); their sum, or nil when none is eligible.
    private func score(_ model: ModelConfig, _ entries: [Entry], where eligible: (ProviderConfig) -> Bool) -> Double? {
        let providers = model.providers
        let generation = board.generation
        let time = now()
        var knownSum = 0.0
        var knownCount = 0
        var eligibleCount = 0
        var best = 0.0
        for index in providers.indices {
            let entry = entries[index]
            let provider = providers[index]
            entry.eligible = eligible(provider)
            guard entry.eligible else { continue }
            eligibleCount += 1
            let inFlight = usage?.inFlight(provider.id, of: model.name) ?? 0
            if entry.generation != generation {
                entry.generation = generation
                entry.reading = board.reading(model: model.name, provider: provider.id)
            }
            guard let reading = entry.reading, let load = board.freshLoad(reading, now: time) else {
                entry.known = false
                continue
            }
            if entry.baselineFor != reading.scrapedAtMilliseconds {
                entry.baselineFor = reading.scrapedAtMilliseconds
                entry.baseline = inFlight
            }
            entry.known = true
            entry.score = Self.score(load, inFlightSinceScrape: inFlight - entry.baseline)
            knownSum += entry.score
            knownCount += 1
            best = max(best, entry.score)
        }
        guard eligibleCount > 0 else { return nil }
        let average = knownCount > 0 ? knownSum / Double(knownCount) : 1
        if knownCount < eligibleCount { best = max(best, average) }
        let uniform = !(best > 0)
        let floor = best * Self.floorShare
        var total = 0.0
        for entry in entries where entry.eligible {
            if uniform {
                entry.score = 1
            } else {
                entry.score = max(entry.known ? entry.score : average, floor)
            }
            total += entry.score
        }
        return total
    }

    package func release(_ provider: ProviderConfig, of model: ModelConfig, outcome: ProviderOutcome) {}

    /// The score of a server with `load`, corrected by `inFlightSinceScrape` requests this worker started (or,
    /// negative, ended) on it since the scrape.
    package static func score(_ load: ServerLoad, inFlightSinceScrape: Int) -> Double {
        let running = max(0, load.running + Double(inFlightSinceScrape))
        return (1 - load.cacheUsage) / (1 + waitingWeight * load.waiting + runningWeight * running)
    }
}
