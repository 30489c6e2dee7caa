import Testing
@testable import SwitchyardCore

/// An llm-router config with one provider `p` of model `m` whose object also has `extra`.
private func llmRouter(_ extra: String) -> String {
    #"{"g": {"m": {"providers": [{"id": "p", "api_host": "http://h:1", "api_type": "vllm", \#(extra)}]}}, "active_models": {"g": ["m"]}}"#
}

@Suite("Models config: provider limits (rpm, tpm, context_length, max_concurrency)")
struct ModelsConfigLimitsTests {
    @Test("the limits are read in every JSON format")
    func everyFormat() throws {
        let limits = #""rpm": 60, "tpm": "90000", "context_length": 8192, "max_concurrency": 3"#
        let configs = [
            try parse(llmRouter(limits)),
            try parse(#"{"models": {"m": {"servers": ["http://h:1"], \#(limits)}}}"#),
            try parse(#"{"models": {"m": {"endpoint": {"host": "h", "port": 1, \#(limits)}}}}"#),
        ]
        for config in configs {
            let provider = config.models[0].providers[0]
            #expect(provider.rpm == 60)
            #expect(provider.tpm == 90_000)
            #expect(provider.contextLength == 8192)
            #expect(provider.maxConcurrency == 3)
            #expect(provider.nworkers == 3)
        }
    }

    @Test("without limits a provider has none, one first_available slot and an unknown window")
    func noLimits() throws {
        let provider = try parse(llmRouter(#""weight": 1"#)).models[0].providers[0]
        #expect(provider.rpm == nil && provider.tpm == nil && provider.maxConcurrency == nil && provider.contextLength == nil)
        #expect(provider.nworkers == 1)
        #expect(!provider.hasRateLimits)
    }

    @Test("llm-router's nworkers is max_concurrency's alias and still sets first_available's slots")
    func nworkersAlias() throws {
        let provider = try parse(llmRouter(#""nworkers": 4"#)).models[0].providers[0]
        #expect(provider.maxConcurrency == 4)
        #expect(provider.nworkers == 4)
    }

    @Test("llm-router's input_size is context_length's alias; 0 stays 'unknown'")
    func inputSizeAlias() throws {
        #expect(try parse(llmRouter(#""input_size": 32768"#)).models[0].providers[0].contextLength == 32768)
        #expect(try parse(llmRouter(#""input_size": 0"#)).models[0].providers[0].contextLength == nil)
    }

    @Test("bad limits are problems at their paths", arguments: [
        (#""rpm": -1"#, "$.g.m.providers[0].rpm"),
        (#""rpm": 0"#, "$.g.m.providers[0].rpm"),
        (#""tpm": "lots""#, "$.g.m.providers[0].tpm"),
        (#""tpm": 1.5"#, "$.g.m.providers[0].tpm"),
        (#""rpm": true"#, "$.g.m.providers[0].rpm"),
        (#""context_length": 99"#, "$.g.m.providers[0].context_length"),
        (#""context_length": -5"#, "$.g.m.providers[0].context_length"),
        (#""input_size": 50"#, "$.g.m.providers[0].input_size"),
        (#""max_concurrency": 0"#, "$.g.m.providers[0].max_concurrency"),
        (#""max_concurrency": "x""#, "$.g.m.providers[0].max_concurrency"),
        (#""context_length": 4096, "input_size": 8192"#, "$.g.m.providers[0].input_size"),
        (#""max_concurrency": 2, "nworkers": 3"#, "$.g.m.providers[0].nworkers"),
    ])
    func badLimits(extra: String, path: String) {
        let found = problems(llmRouter(extra))
        #expect(found.map(\.path) == [path], "\(found)")
    }

    @Test("a context window of exactly 100 tokens is accepted")
    func smallestWindow() throws {
        #expect(try parse(llmRouter(#""context_length": 100"#)).models[0].providers[0].contextLength == 100)
    }

    @Test("every bad limit of one file is reported together")
    func allTogether() {
        let found = problems(llmRouter(#""rpm": -1, "tpm": 0, "context_length": 10, "max_concurrency": -2"#))
        #expect(Set(found.map(\.path)) == ["$.g.m.providers[0].rpm", "$.g.m.providers[0].tpm", "$.g.m.providers[0].context_length", "$.g.m.providers[0].max_concurrency"])
    }
}
