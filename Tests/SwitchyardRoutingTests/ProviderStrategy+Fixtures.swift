import SwitchyardCore
@testable import SwitchyardRouting

extension ProviderConfig {
    /// A vLLM provider called `id` (one letter in the strategy tests, so sequences read as strings).
    static func make(_ id: String, weight: Double = 1, nworkers: Int = 1) -> ProviderConfig {
        ProviderConfig(id: id, apiHost: "http://\(id):8000", apiType: .vllm, modelPath: id, weight: weight, nworkers: nworkers)
    }
}

extension ModelConfig {
    /// A model called `name` served by `providers`, in that order.
    static func make(_ providers: ProviderConfig..., name: String = "m", strategy: String? = nil) -> ModelConfig {
        ModelConfig(name: name, providers: providers, strategy: strategy)
    }
}

extension ProviderOutcome {
    /// A completed 200 that took `milliseconds` to its first byte (or in all when `streamed` is false).
    static func ok(milliseconds: UInt64, streamed: Bool = false) -> ProviderOutcome {
        let nanoseconds = milliseconds * 1_000_000
        return ProviderOutcome(.completed, status: 200, timeToFirstByte: streamed ? nanoseconds : nil, total: nanoseconds)
    }
}

extension ProviderStrategy {
    /// The ids of `count` selections for `model` without releases, concatenated ("aaba"); "-" where none was
    /// eligible.
    func sequence(_ count: Int, of model: ModelConfig, excluding excluded: Set<String> = []) -> String {
        var picks = ""
        for _ in 0..<count { picks += pick(model, excluding: excluded)?.id ?? "-" }
        return picks
    }

    /// The ids of `count` selections for `model`, each released (with `outcome`) before the next.
    func releasedSequence(_ count: Int, of model: ModelConfig, outcome: ProviderOutcome = .ok(milliseconds: 10)) -> String {
        var picks = ""
        for _ in 0..<count {
            guard let chosen = pick(model) else { picks += "-"; continue }
            picks += chosen.id
            release(chosen, of: model, outcome: outcome)
        }
        return picks
    }

    /// One selection for `model` among the providers not in `excluded`.
    func pick(_ model: ModelConfig, excluding excluded: Set<String> = []) -> ProviderConfig? {
        select(for: model, where: { !excluded.contains($0.id) })
    }

    /// How many of `count` selections (without releases) went to each provider id.
    func counts(_ count: Int, of model: ModelConfig) -> [String: Int] {
        var counts: [String: Int] = [:]
        for _ in 0..<count { if let chosen = pick(model) { counts[chosen.id, default: 0] += 1 } }
        return counts
    }
}
