import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("Round-robin strategy")
struct RoundRobinStrategyTests {
    let model = ModelConfig.make(.make("a", weight: 5), .make("b"), .make("c"))

    @Test("providers take turns in config order, whatever their weights")
    func turns() {
        #expect(RoundRobinStrategy().sequence(7, of: model) == "abcabca")
    }

    @Test("an excluded provider is skipped and the turn moves past the one chosen")
    func exclusions() {
        let strategy = RoundRobinStrategy()
        #expect(strategy.sequence(1, of: model) == "a")
        #expect(strategy.sequence(2, of: model, excluding: ["b"]) == "ca")
        #expect(strategy.sequence(3, of: model) == "bca")
        #expect(strategy.sequence(1, of: model, excluding: ["a", "b", "c"]) == "-")
    }
}
