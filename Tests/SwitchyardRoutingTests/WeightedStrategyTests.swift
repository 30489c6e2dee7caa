import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("Weighted strategy (smooth weighted round robin)")
struct WeightedStrategyTests {
    @Test("weights 3 and 1 give a a b a, exactly 3:1 in every four picks over four thousand")
    func threeToOne() {
        let strategy = WeightedStrategy()
        let model = ModelConfig.make(.make("a", weight: 3), .make("b", weight: 1))
        let picks = strategy.sequence(4_000, of: model)
        #expect(picks.hasPrefix("aabaaaba"))
        let windows = stride(from: 0, to: 4_000, by: 4).map { Array(picks.utf8)[$0..<$0 + 4] }
        #expect(windows.allSatisfy { window in window.filter { $0 == UInt8(ascii: "a") }.count == 3 })
        #expect(picks.filter { $0 == "a" }.count == 3_000)
    }

    @Test("weights 5, 3 and 2 interleave as a b c a a b a c b a, every ten picks")
    func fiveThreeTwo() {
        let strategy = WeightedStrategy()
        let model = ModelConfig.make(.make("a", weight: 5), .make("b", weight: 3), .make("c", weight: 2))
        #expect(strategy.sequence(30, of: model) == String(repeating: "abcaabacba", count: 3))
    }

    @Test("fractional weights keep their ratio: 0.7 and 0.3 give 7 of every 10")
    func fractional() {
        let strategy = WeightedStrategy()
        let model = ModelConfig.make(.make("a", weight: 0.7), .make("b", weight: 0.3))
        #expect(strategy.sequence(10, of: model) == "abaabaaaba")
        #expect(strategy.counts(1_000, of: model) == ["a": 700, "b": 300])
    }

    @Test("equal weights are plain round robin")
    func equalWeights() {
        let model = ModelConfig.make(.make("a"), .make("b"), .make("c"))
        #expect(WeightedStrategy().sequence(6, of: model) == "abcabc")
    }

    @Test("excluded providers are never picked, and retries among a subset leave the proportion of later picks exact")
    func exclusions() {
        let strategy = WeightedStrategy()
        let model = ModelConfig.make(.make("a", weight: 5), .make("b", weight: 3), .make("c", weight: 2))
        _ = strategy.sequence(7, of: model)
        #expect(!strategy.sequence(5, of: model, excluding: ["c"]).contains("c"))
        #expect(strategy.sequence(3, of: model, excluding: ["a"]) == "cbc")
        #expect(strategy.sequence(2, of: model, excluding: ["a", "b", "c"]) == "--")
        #expect(strategy.counts(1_000, of: model) == ["a": 500, "b": 300, "c": 200])
    }

    @Test("a retry on the only other provider does not shift the sequence")
    func retryOnTheOther() {
        let strategy = WeightedStrategy()
        let model = ModelConfig.make(.make("a", weight: 3), .make("b", weight: 1))
        #expect(strategy.sequence(2, of: model) == "aa")
        #expect(strategy.sequence(1, of: model, excluding: ["a"]) == "b")
        #expect(strategy.sequence(6, of: model) == "baaaba")
    }

    @Test("models keep separate counters")
    func perModel() {
        let strategy = WeightedStrategy()
        let first = ModelConfig.make(.make("a", weight: 3), .make("b", weight: 1), name: "x")
        let second = ModelConfig.make(.make("c", weight: 1), .make("d", weight: 1), name: "y")
        #expect(strategy.sequence(2, of: first) == "aa")
        #expect(strategy.sequence(2, of: second) == "cd")
        #expect(strategy.sequence(2, of: first) == "ba")
    }
}
