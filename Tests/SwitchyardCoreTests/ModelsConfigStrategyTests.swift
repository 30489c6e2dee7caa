import Testing
@testable import SwitchyardCore

/// An llm-router config with one active model `m` in group `g`: `model` is extra members of the model object,
/// `provider` extra members of its one provider.
private func llmRouter(model: String = "", provider: String = "") -> String {
    let providerExtra = provider.isEmpty ? "" : ", " + provider
    let modelExtra = model.isEmpty ? "" : model + ", "
    return #"{"g": {"m": {\#(modelExtra)"providers": [{"id": "p", "api_host": "http://h:1", "api_type": "vllm"\#(providerExtra)}]}}, "active_models": {"g": ["m"]}}"#
}

/// An LLMStream config with one model `m` whose object also has `model`.
private func llmStream(model: String) -> String {
    #"{"models": {"m": {"servers": ["http://h:1"], \#(model)}}}"#
}

/// An SGLang config with one model `m` whose object also has `model`, and whose one endpoint also has `endpoint`.
private func sglang(model: String = "", endpoint: String = "") -> String {
    let endpointExtra = endpoint.isEmpty ? "" : ", " + endpoint
    let modelExtra = model.isEmpty ? "" : ", " + model
    return #"{"models": {"m": {"endpoint": {"host": "h", "port": 1\#(endpointExtra)}\#(modelExtra)}}}"#
}

@Suite("Models config: strategies, weights and slots")
struct ModelsConfigStrategyTests {
    @Test("a model's strategy is read in every format, in its canonical spelling", arguments: [
        llmRouter(model: #""strategy": "Weighted""#), llmStream(model: #""strategy": " weighted ""#), sglang(model: #""strategy": "WEIGHTED""#),
    ])
    func strategyInEveryFormat(json: String) throws {
        let config = try parse(json)
        #expect(config.models[0].strategy == "weighted")
    }

    @Test("every strategy name is accepted, LLMStream's and llm-router's included", arguments: StrategyName.allCases)
    func everyName(name: StrategyName) throws {
        #expect(try parse(llmStream(model: #""strategy": "\#(name.rawValue)""#)).models[0].strategy == name.rawValue)
    }

    @Test("a model without a strategy has none (the global one applies)")
    func noStrategy() throws {
        #expect(try parse(llmRouter()).models[0].strategy == nil)
        #expect(try parse(sglang()).models[0].strategy == nil)
    }

    @Test("an unknown strategy is a problem at its path that lists the valid names", arguments: [
        (llmRouter(model: #""strategy": "fastest""#), "$.g.m.strategy"),
        (llmStream(model: #""strategy": "fastest""#), "$.models.m.strategy"),
        (sglang(model: #""strategy": "fastest""#), "$.models.m.strategy"),
    ])
    func unknownStrategy(json: String, path: String) {
        let found = problems(json)
        #expect(found.map(\.path) == [path])
        #expect(found.first?.message.contains(#""fastest""#) == true)
        #expect(found.first?.message.contains(StrategyName.validNames) == true)
    }

    @Test("the old name metrics is no longer a strategy")
    func metricsIsUnknown() {
        #expect(problems(llmStream(model: #""strategy": "metrics""#)).map(\.path) == ["$.models.m.strategy"])
    }

    @Test("a weight that is zero, negative or absurdly large is a problem at its path", arguments: [
        (llmRouter(provider: #""weight": 0"#), "$.g.m.providers[0].weight", "> 0"),
        (llmRouter(provider: #""weight": -2"#), "$.g.m.providers[0].weight", "> 0"),
        (llmRouter(provider: #""weight": "0""#), "$.g.m.providers[0].weight", "> 0"),
        (llmRouter(provider: #""weight": 1e9"#), "$.g.m.providers[0].weight", "at most"),
        (sglang(endpoint: #""weight": 0"#), "$.models.m.endpoint.weight", "> 0"),
    ])
    func badWeight(json: String, path: String, says: String) {
        let found = problems(json)
        #expect(found.map(\.path) == [path])
        #expect(found.first?.message.contains(says) == true)
    }

    @Test("nworkers below 1 is a problem at its path", arguments: [
        (llmRouter(provider: #""nworkers": 0"#), "$.g.m.providers[0].nworkers"),
        (llmRouter(provider: #""nworkers": -1"#), "$.g.m.providers[0].nworkers"),
        (sglang(endpoint: #""nworkers": 0"#), "$.models.m.endpoint.nworkers"),
    ])
    func badNworkers(json: String, path: String) {
        let found = problems(json)
        #expect(found.map(\.path) == [path])
        #expect(found.first?.message.contains(">= 1") == true)
    }

    @Test("every problem of one file is reported together: strategy, weight and nworkers")
    func allTogether() {
        let found = problems(llmRouter(model: #""strategy": "x""#, provider: #""weight": 0, "nworkers": 0"#))
        #expect(Set(found.map(\.path)) == ["$.g.m.strategy", "$.g.m.providers[0].weight", "$.g.m.providers[0].nworkers"])
    }

    @Test("SGLang endpoints may carry a weight and nworkers; without them they get 1 and 1")
    func sglangWeightAndSlots() throws {
        let config = try parse(#"{"models": {"m": {"strategy": "weighted", "endpoints": [{"host": "h", "port": 1, "weight": 3, "nworkers": 4}, {"host": "h", "port": 2}]}}}"#)
        #expect(config.models[0].providers.map(\.weight) == [3, 1])
        #expect(config.models[0].providers.map(\.nworkers) == [4, 1])
    }

    @Test("LLMStream servers weigh 1 and have one slot each")
    func llmStreamDefaults() throws {
        let config = try parse(llmStream(model: #""strategy": "first_available""#))
        #expect(config.models[0].providers.map(\.weight) == [1])
        #expect(config.models[0].providers.map(\.nworkers) == [1])
    }
}
