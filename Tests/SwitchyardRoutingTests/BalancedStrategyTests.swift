import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("Balanced strategy (fewest in flight)")
struct BalancedStrategyTests {
    let model = ModelConfig.make(.make("a"), .make("b"), .make("c"))

    @Test("requests released before the next take the providers in turn (ties go to the fewest selections)")
    func sequential() {
        #expect(BalancedStrategy().releasedSequence(7, of: model) == "abcabca")
    }

    @Test("held requests spread over the providers, then pile up evenly")
    func held() {
        let strategy = BalancedStrategy()
        #expect(strategy.sequence(7, of: model) == "abcabca")
        #expect(strategy.inFlight("a", of: "m") == 3)
        #expect(strategy.inFlight("b", of: "m") == 2)
    }

    @Test("the provider with fewest in flight wins; equal in-flight counts go to the fewest selections, then config order")
    func inFlightThenSelections() {
        let strategy = BalancedStrategy()
        let a = strategy.pick(model)!
        let b = strategy.pick(model)!
        _ = strategy.pick(model)
        #expect([a.id, b.id] == ["a", "b"])
        strategy.release(b, of: model, outcome: .ok(milliseconds: 1))
        // In flight a 1, b 0, c 1: b wins although it was chosen as often as the others.
        #expect(strategy.sequence(1, of: model) == "b")
        // In flight 1, 1, 1; selections a 1, b 2, c 1: a (before c), then c.
        #expect(strategy.sequence(2, of: model) == "ac")
    }

    @Test("a provider busy with a long request gets no more until the others are as busy")
    func longRequest() {
        let strategy = BalancedStrategy()
        #expect(strategy.sequence(1, of: model) == "a")
        #expect(strategy.releasedSequence(6, of: model) == "bcbcbc")
    }

    @Test("least_connection is the same rule under LLMStream's name")
    func leastConnection() {
        let strategy = BalancedStrategy(name: "least_connection")
        #expect(strategy.name == "least_connection")
        #expect(strategy.releasedSequence(4, of: model) == "abca")
    }

    @Test("excluded providers are never picked, whatever their counts")
    func exclusions() {
        let strategy = BalancedStrategy()
        #expect(strategy.sequence(4, of: model, excluding: ["a", "b"]) == "cccc")
        #expect(strategy.sequence(2, of: model) == "ab")
        #expect(strategy.sequence(1, of: model, excluding: ["a", "b", "c"]) == "-")
    }

    @Test("a release of a provider with nothing in flight changes nothing")
    func strayRelease() {
        let strategy = BalancedStrategy()
        strategy.release(.make("a"), of: model, outcome: .ok(milliseconds: 1))
        _ = strategy.pick(model)
        strategy.release(.make("b"), of: model, outcome: .ok(milliseconds: 1))
        #expect(strategy.inFlight("b", of: "m") == 0)
        #expect(strategy.sequence(2, of: model) == "bc")
    }
}
