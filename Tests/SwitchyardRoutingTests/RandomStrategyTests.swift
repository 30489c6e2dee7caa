import SwitchyardCore
import Testing
@testable import SwitchyardRouting

@Suite("Random strategy")
struct RandomStrategyTests {
    let model = ModelConfig.make(.make("a"), .make("b"), .make("c"))

    @Test("SplitMix64 gives the published reference numbers for seed 0")
    func splitMixReference() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("a fixed seed gives a fixed sequence that reaches every provider")
    func fixedSeed() {
        let first = RandomStrategy(seed: 42).sequence(30, of: model)
        #expect(first == RandomStrategy(seed: 42).sequence(30, of: model))
        #expect(Set(first) == ["a", "b", "c"])
        #expect(first != RandomStrategy(seed: 43).sequence(30, of: model))
    }

    @Test("choices are spread evenly")
    func uniform() {
        let counts = RandomStrategy(seed: 7).counts(3_000, of: model)
        #expect(counts.values.allSatisfy { (900...1_100).contains($0) }, "\(counts)")
    }

    @Test("excluded providers are never picked; the others still all are")
    func exclusions() {
        let strategy = RandomStrategy(seed: 1)
        let picks = strategy.sequence(40, of: model, excluding: ["b"])
        #expect(Set(picks) == ["a", "c"])
        #expect(strategy.sequence(2, of: model, excluding: ["a", "b", "c"]) == "--")
    }

    @Test("workers seeded at the same moment draw differently")
    func seeds() {
        #expect(RandomStrategy.seed(now: 1_000, pid: 10) != RandomStrategy.seed(now: 1_000, pid: 11))
        #expect(RandomStrategy.seed(now: 1_000, pid: 10) != RandomStrategy.seed(now: 1_001, pid: 10))
    }
}
