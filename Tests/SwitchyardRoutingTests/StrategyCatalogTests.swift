import SwitchyardCore
import Testing
@testable import SwitchyardRouting

private func context() -> SelectorContext {
    SelectorContext(now: { 1_000 }, workerID: 1, pid: 42, defaultStrategy: "balanced", isSupported: { _ in true })
}

@Suite("Strategy catalog")
struct StrategyCatalogTests {
    @Test("every valid name has an implementation", arguments: StrategyName.allCases)
    func implemented(name: StrategyName) {
        #expect(StrategyCatalog.implemented.contains(name.rawValue))
    }

    @Test("each name builds its strategy; aliases keep the name they were chosen by", arguments: [
        ("balanced", "balanced"), ("least_connection", "least_connection"), ("weighted", "weighted"),
        ("dynamic_weighted", "dynamic_weighted"), ("first_available", "first_available"),
        ("first_available_optim_nworkers", "first_available_optim_nworkers"), ("round_robin", "round_robin"),
        ("random", "random"), ("real_time_metrics", "real_time_metrics"), ("no_such_strategy", "balanced"),
    ])
    func names(name: String, built: String) {
        #expect(StrategyCatalog.make(name, context: context()).name == built)
    }

    @Test("real_time_metrics chooses from the context's board of server loads")
    func realTimeMetricsUsesTheBoard() throws {
        let context = context()
        let strategy = try #require(StrategyCatalog.make("real_time_metrics", context: context) as? RealTimeMetricsStrategy)
        #expect(strategy.board === context.serverLoads)
        let model = ModelConfig.make(.make("a"), .make("b"))
        context.serverLoads.record(model: "m", provider: "a", load: ServerLoad(waiting: 50, running: 200, cacheUsage: 0.99), scrapedAtMilliseconds: 1, now: 1_000)
        context.serverLoads.record(model: "m", provider: "b", load: ServerLoad(waiting: 0, running: 0, cacheUsage: 0), scrapedAtMilliseconds: 1, now: 1_000)
        let counts = strategy.counts(1_000, of: model)
        #expect(counts["b", default: 0] >= 950, "\(counts)")
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
