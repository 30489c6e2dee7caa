import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("Dynamic weighted strategy (weight × latency score)")
struct DynamicWeightedStrategyTests {
    let model = ModelConfig.make(.make("a"), .make("b"))

    /// Releases `count` selections of `provider` with `outcome`, as if they had been picked.
    private func feed(_ strategy: DynamicWeightedStrategy, _ provider: String, _ outcome: ProviderOutcome, times count: Int = 1) {
        for _ in 0..<count { strategy.release(.make(provider), of: model, outcome: outcome) }
    }

    @Test("without samples it is weighted round robin on the configured weights")
    func noSamples() {
        let strategy = DynamicWeightedStrategy()
        let weighted = ModelConfig.make(.make("a", weight: 3), .make("b", weight: 1))
        #expect(strategy.sequence(8, of: weighted) == "aabaaaba")
    }

    @Test("a provider that slows down loses share, and regains it when it is fast again")
    func shiftsAndRecovers() {
        let strategy = DynamicWeightedStrategy()
        _ = strategy.sequence(2, of: model)  // makes the model's entries, as real traffic does
        feed(strategy, "a", .ok(milliseconds: 100), times: 5)
        feed(strategy, "b", .ok(milliseconds: 100), times: 5)
        let even = strategy.counts(100, of: model)
        #expect(even == ["a": 50, "b": 50])

        feed(strategy, "b", .ok(milliseconds: 1_000), times: 10)
        let slow = strategy.counts(100, of: model)
        #expect(slow["b", default: 0] <= 15, "b while slow: \(slow)")
        #expect(strategy.score("b", of: "m") < strategy.score("a", of: "m"))

        feed(strategy, "b", .ok(milliseconds: 100), times: 25)
        let recovered = strategy.counts(100, of: model)
        #expect((45...55).contains(recovered["b", default: 0]), "b after recovering: \(recovered)")
    }

    @Test("streams are scored by time to first byte, other answers by total time")
    func firstByteForStreams() {
        let strategy = DynamicWeightedStrategy()
        _ = strategy.sequence(2, of: model)
        let longStream = ProviderOutcome(.completed, status: 200, timeToFirstByte: 100_000_000, total: 30_000_000_000)
        feed(strategy, "a", longStream, times: 3)
        feed(strategy, "b", .ok(milliseconds: 100), times: 3)
        #expect(strategy.score("a", of: "m") == strategy.score("b", of: "m"))
    }

    @Test("a failure counts as a slow sample even when it failed fast; a cancelled attempt counts for nothing")
    func failuresAndCancellations() {
        let strategy = DynamicWeightedStrategy()
        _ = strategy.sequence(2, of: model)
        feed(strategy, "a", .ok(milliseconds: 100))
        feed(strategy, "b", .ok(milliseconds: 100))
        feed(strategy, "b", ProviderOutcome(.cancelled, total: 1_000))
        #expect(strategy.score("b", of: "m") == 1)
        feed(strategy, "b", ProviderOutcome(.failed, total: 1_000))
        #expect(strategy.score("b", of: "m") < strategy.score("a", of: "m"))
        feed(strategy, "a", ProviderOutcome(.completed, status: 503, total: 1_000))
        #expect(strategy.score("a", of: "m") < 1)
    }

    @Test("a fast 500 or 429 is a slow sample; a fast 400 says nothing about the provider")
    func statuses() {
        let strategy = DynamicWeightedStrategy()
        _ = strategy.sequence(2, of: model)
        feed(strategy, "a", .ok(milliseconds: 100))
        feed(strategy, "b", .ok(milliseconds: 100))
        feed(strategy, "b", ProviderOutcome(.completed, status: 400, total: 1_000))
        #expect(strategy.score("b", of: "m") == 1)
        feed(strategy, "b", ProviderOutcome(.completed, status: 500, total: 1_000))
        let afterServerError = strategy.score("b", of: "m")
        #expect(afterServerError < 1)
        feed(strategy, "b", ProviderOutcome(.completed, status: 429, total: 1_000))
        #expect(strategy.score("b", of: "m") < afterServerError)
    }

    @Test("a provider without samples scores the mean of those with samples")
    func unsampledScoresTheMean() {
        let strategy = DynamicWeightedStrategy()
        let three = ModelConfig.make(.make("a"), .make("b"), .make("c"))
        _ = strategy.sequence(3, of: three)
        strategy.release(.make("a"), of: three, outcome: .ok(milliseconds: 50))
        strategy.release(.make("b"), of: three, outcome: .ok(milliseconds: 150))
        #expect(strategy.score("c", of: "m") == 1)
        #expect(abs(strategy.score("a", of: "m") + strategy.score("b", of: "m") - 2) < 1e-9)
        #expect(strategy.score("a", of: "m") > strategy.score("b", of: "m"))
    }

    @Test("a very slow provider keeps a trickle of requests to show it recovered")
    func minimumShare() {
        let strategy = DynamicWeightedStrategy()
        _ = strategy.sequence(2, of: model)
        feed(strategy, "a", .ok(milliseconds: 1))
        feed(strategy, "b", .ok(milliseconds: 100_000))
        #expect(strategy.score("b", of: "m") == DynamicWeightedStrategy.minimumScore)
        let counts = strategy.counts(1_000, of: model)
        #expect(counts["b", default: 0] > 0)
    }

    @Test("excluded providers are never picked")
    func exclusions() {
        let strategy = DynamicWeightedStrategy()
        #expect(strategy.sequence(3, of: model, excluding: ["a"]) == "bbb")
        #expect(strategy.sequence(1, of: model, excluding: ["a", "b"]) == "-")
    }
}
