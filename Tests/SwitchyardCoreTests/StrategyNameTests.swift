import Testing
@testable import SwitchyardCore

@Suite("Strategy names")
struct StrategyNameTests {
    @Test("the valid names are the issue's and llm-router's, balanced first as the default")
    func names() {
        #expect(StrategyName.validNames == """
            balanced, least_connection, weighted, dynamic_weighted, first_available, first_available_optim, \
            first_available_optim_nworkers, round_robin, random, real_time_metrics
            """)
        #expect(StrategyName.defaultName == .balanced)
    }

    @Test("names parse case-insensitively, ignoring surrounding whitespace", arguments: [
        ("balanced", StrategyName.balanced), (" Least_Connection ", .leastConnection), ("REAL_TIME_METRICS", .realTimeMetrics),
    ])
    func parsing(text: String, name: StrategyName) {
        #expect(StrategyName(parsing: text) == name)
    }

    @Test("unknown names do not parse", arguments: ["", "metrics", "least-connection", "fastest"])
    func unknown(text: String) {
        #expect(StrategyName(parsing: text) == nil)
    }
}
