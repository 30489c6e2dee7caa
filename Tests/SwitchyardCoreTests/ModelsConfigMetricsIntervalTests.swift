import Testing
@testable import SwitchyardCore

@Suite("Models config: metrics_update_interval per model")
struct ModelsConfigMetricsIntervalTests {
    @Test("a model's own interval is read in every format; without one it is nil (the global one applies)", arguments: [
        #"{"g": {"m": {"metrics_update_interval": 2.5, "providers": [{"id": "p", "api_host": "http://h:1", "api_type": "vllm"}]}}, "active_models": {"g": ["m"]}}"#,
        #"{"models": {"m": {"servers": ["http://h:1"], "metrics_update_interval": "2.5"}}, "metrics_update_interval": 7}"#,
        #"{"models": {"m": {"endpoint": {"host": "h", "port": 1}, "metrics_update_interval": 2.5}}}"#,
    ])
    func perModel(json: String) throws {
        #expect(try parse(json).models[0].metricsUpdateInterval == 2.5)
    }

    @Test("absent, the model has none and LLMStream's global value stays")
    func absent() throws {
        let config = try parse(#"{"models": {"m": {"servers": ["http://h:1"]}}, "metrics_update_interval": 7}"#)
        #expect(config.models[0].metricsUpdateInterval == nil)
        #expect(config.metricsUpdateInterval == 7)
    }

    @Test("zero, negative or not a number is a problem at its path", arguments: [
        (#"{"models": {"m": {"servers": ["http://h:1"], "metrics_update_interval": 0}}}"#, "$.models.m.metrics_update_interval"),
        (#"{"models": {"m": {"servers": ["http://h:1"], "metrics_update_interval": -1}}}"#, "$.models.m.metrics_update_interval"),
        (#"{"models": {"m": {"endpoint": {"host": "h", "port": 1}, "metrics_update_interval": "soon"}}}"#, "$.models.m.metrics_update_interval"),
        (#"{"g": {"m": {"metrics_update_interval": [], "providers": [{"id": "p", "api_host": "http://h:1", "api_type": "vllm"}]}}, "active_models": {"g": ["m"]}}"#, "$.g.m.metrics_update_interval"),
    ])
    func invalid(json: String, path: String) {
        #expect(problems(json).map(\.path) == [path])
    }
}
