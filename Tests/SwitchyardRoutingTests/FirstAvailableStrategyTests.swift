import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("First-available strategy (slots in config order)")
struct FirstAvailableStrategyTests {
    let model = ModelConfig.make(.make("a", nworkers: 2), .make("b"), .make("c"))

    @Test("sequential requests all go to the first provider")
    func sequential() {
        #expect(FirstAvailableStrategy().releasedSequence(5, of: model) == "aaaaa")
    }

    @Test("held requests fill each provider's nworkers slots in config order, then there is none")
    func fillsInOrder() {
        let strategy = FirstAvailableStrategy()
        #expect(strategy.sequence(6, of: model) == "aabc--")
        #expect(strategy.held("a", of: "m") == 2)
    }

    @Test("a release frees the slot for the next request, first provider first")
    func releaseFrees() {
        let strategy = FirstAvailableStrategy()
        _ = strategy.sequence(4, of: model)
        strategy.release(.make("b"), of: model, outcome: .ok(milliseconds: 1))
        #expect(strategy.sequence(2, of: model) == "b-")
        strategy.release(.make("a"), of: model, outcome: ProviderOutcome(.failed))
        strategy.release(.make("c"), of: model, outcome: ProviderOutcome(.cancelled))
        #expect(strategy.sequence(3, of: model) == "ac-")
    }

    @Test("excluded providers are skipped even with free slots")
    func exclusions() {
        let strategy = FirstAvailableStrategy()
        #expect(strategy.sequence(2, of: model, excluding: ["a"]) == "bc")
        #expect(strategy.sequence(3, of: model, excluding: ["c"]) == "aa-")
    }

    @Test("a release without a held slot does not make a spare one")
    func strayRelease() {
        let strategy = FirstAvailableStrategy()
        let single = ModelConfig.make(.make("a"))
        strategy.release(.make("a"), of: single, outcome: .ok(milliseconds: 1))
        #expect(strategy.sequence(2, of: single) == "a-")
        strategy.release(.make("a"), of: single, outcome: .ok(milliseconds: 1))
        strategy.release(.make("a"), of: single, outcome: .ok(milliseconds: 1))
        #expect(strategy.sequence(2, of: single) == "a-")
    }

    @Test("llm-router's names are served by the same strategy", arguments: ["first_available_optim", "first_available_optim_nworkers"])
    func llmRouterNames(name: String) {
        let strategy = FirstAvailableStrategy(name: name)
        #expect(strategy.name == name)
        #expect(strategy.sequence(5, of: model) == "aabc-")
    }
}
