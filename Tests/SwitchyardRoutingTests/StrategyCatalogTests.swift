import SwitchyardCore
import Testing
@testable import SwitchyardRouting

private func context() -> SelectorContext {
    SelectorContext(now: { 1_000 }, workerID: 1, pid: 42, defaultStrategy: "balanced", isSupported: { _ in true })
}

@Suite("Strategy catalog")
struct StrategyCatalogTests {
    @Test("every valid name but real_time_metrics has an implementation", arguments: StrategyName.allCases)
    func implemented(name: StrategyName) {
        #expect(StrategyCatalog.implemented.contains(name.rawValue) == (name != .realTimeMetrics))
    }

    @Test("each name builds its strategy; aliases keep the name they were chosen by", arguments: [
        ("balanced", "balanced"), ("least_connection", "least_connection"), ("weighted", "weighted"),
        ("dynamic_weighted", "dynamic_weighted"), ("first_available", "first_available"),
        ("first_available_optim_nworkers", "first_available_optim_nworkers"), ("round_robin", "round_robin"),
        ("random", "random"), ("real_time_metrics", "balanced"), ("no_such_strategy", "balanced"),
    ])
    func names(name: String, built: String) {
        #expect(StrategyCatalog.make(name, context: context()).name == built)
    }

    @Test("real_time_metrics falls back to balanced's rule")
    func realTimeMetricsIsBalanced() {
        let strategy = StrategyCatalog.make("real_time_metrics", context: context())
        #expect(strategy is BalancedStrategy)
        #expect(strategy.releasedSequence(4, of: .make(.make("a"), .make("b"))) == "abab")
    }

    @Test("every strategy honours exclusions and answers nil when all are excluded", arguments: StrategyName.allCases)
    func exclusions(name: StrategyName) {
        let strategy = StrategyCatalog.make(name.rawValue, context: context())
        let model = ModelConfig.make(.make("a", weight: 3, nworkers: 4), .make("b", nworkers: 4), .make("c", weight: 2, nworkers: 4))
        #expect(strategy.sequence(4, of: model, excluding: ["a", "c"]) == "bbbb")
        #expect(strategy.sequence(1, of: model, excluding: ["a", "b", "c"]) == "-")
        #expect(!strategy.sequence(6, of: model, excluding: ["b"]).contains("b"))
    }
}
