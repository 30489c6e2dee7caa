import Glibc
import SwitchyardCore
import Testing

@Suite("Admin API model definitions")
struct ModelDefinitionTests {
    private func parse(_ body: String, name: String? = nil, stored: Bool = false, environment: [String: String] = [:]) throws(ConfigError) -> ModelDefinition {
        try ModelDefinition.parse(body: Array(body.utf8), name: name, stored: stored) { environment[$0] }
    }

    private func paths(_ body: String, name: String? = nil) -> [String] {
        do {
            _ = try parse(body, name: name)
            return []
        } catch {
            return error.problems.map(\.path)
        }
    }

    @Test("an LLMStream body gives one vLLM provider per server, with the paths of the servers")
    func serversBody() throws {
        let definition = try parse(#"{"strategy":"round_robin","servers":["http://10.0.0.1:8000","10.0.0.2:8000"],"model_name":"llama"}"#)
        #expect(definition.model.name == "llama")
        #expect(definition.model.strategy == "round_robin")
        #expect(definition.model.providers.map(\.id) == ["llama@10.0.0.1:8000", "llama@10.0.0.2:8000"])
        #expect(definition.model.providers.map(\.apiHost) == ["http://10.0.0.1:8000", "http://10.0.0.2:8000"])
        #expect(definition.providerPaths.map(\.description) == ["$.servers[0]", "$.servers[1]"])
        // Stored with model_name first, the rest as given.
        #expect(String(decoding: definition.stored, as: UTF8.self)
            == #"{"model_name":"llama","strategy":"round_robin","servers":["http://10.0.0.1:8000","10.0.0.2:8000"]}"#)
    }

    @Test("an llm-router body reads providers as a models file does; api_key_name takes the token from the environment and never stores it")
    func providersBody() throws {
        let body = #"{"model_name":"m","fallback_model":"other","providers":[{"id":"g","api_host":"https://api.groq.com/openai/v1","api_type":"groq","model_path":"llama-3","api_key_name":"GROQ_KEY","weight":2}]}"#
        let definition = try parse(body, environment: ["GROQ_KEY": "gsk-secret"])
        #expect(definition.model.fallbackModel == "other")
        #expect(definition.model.providers[0].apiToken == "gsk-secret")
        #expect(definition.model.providers[0].weight == 2)
        #expect(definition.providerPaths.map(\.description) == ["$.providers[0].id"])
        #expect(!String(decoding: definition.stored, as: UTF8.self).contains("gsk-secret"))
        // A stored definition applied where the variable is unset: no token, no problem.
        #expect(try parse(String(decoding: definition.stored, as: UTF8.self), name: "m", stored: true).model.providers[0].apiToken == "")
        // An admin call naming an unset variable is a problem.
        #expect(paths(body) == ["$.providers[0].api_key_name"])
    }

    @Test("a models file may name its token's environment variable in api_key_name; an unset one is a check-config problem")
    func keyNameInFiles() throws {
        func file(_ variable: String) -> [UInt8] {
            Array(#"{"g":{"m":{"providers":[{"id":"p","api_host":"http://h","api_type":"openai","api_key_name":"\#(variable)"}]}},"active_models":{"g":["m"]}}"#.utf8)
        }
        #expect(try ModelsConfig.parse(file("PATH")).models[0].providers[0].apiToken == String(cString: getenv("PATH")))
        do {
            _ = try ModelsConfig.parse(file("SWITCHYARD_TEST_SURELY_UNSET"))
            Issue.record("an unset variable must be a problem")
        } catch {
            #expect(error.problems.map(\.path) == ["$.g.m.providers[0].api_key_name"])
        }
    }

    @Test("tokens, unknown keys, both or neither provider lists, bad names and renames are problems with their paths")
    func problems() {
        #expect(paths(#"{"model_name":"m","providers":[{"id":"a","api_host":"http://h","api_type":"openai","api_token":"sk"}]}"#) == ["$.providers[0].api_token"])
        #expect(paths(#"{"model_name":"m","servers":["http://h"],"sever":1}"#) == ["$.sever"])
        #expect(paths(#"{"model_name":"m","servers":["http://h"],"providers":[]}"#) == ["$"])
        #expect(paths(#"{"model_name":"m"}"#) == ["$"])
        #expect(paths(#"{"servers":["http://h"]}"#) == ["$.model_name"])
        #expect(paths(#"{"model_name":"a\u0001","servers":["http://h"]}"#) == ["$.model_name"])
        #expect(paths(#"{"model_name":"m","servers":["http://h"],"fallback_model":5}"#) == ["$.fallback_model"])
        #expect(paths(#"{"model_name":"other","servers":["http://h"]}"#, name: "m") == ["$.model_name"])
        #expect(paths(#"{"model_name":"m","servers":["http://h","http://h"]}"#) == ["$.servers[1]"])
        #expect(paths("[]") == ["$"])
        #expect(paths("{") == ["$"])
        #expect(paths(#"{"model_name":"m","model_name":"m","servers":["http://h"]}"#) == ["$.model_name"])
    }
}

@Suite("Model registry: file models combined with API changes")
struct RegistryViewTests {
    private func file(_ models: [ModelConfig]) -> ModelsConfig { ModelsConfig(format: .llmRouter, models: models) }
    private func provider(_ id: String) -> ProviderConfig { ProviderConfig(id: id, apiHost: "http://h", apiType: .vllm, modelPath: "x") }
    private func entry(_ name: String, _ version: Int, _ json: String?) -> RegistryEntry {
        RegistryEntry(name: name, version: version, definition: json.map { Array($0.utf8) })
    }

    private let files = [
        ModelConfig(name: "a", providers: [ProviderConfig(id: "pa", apiHost: "http://h", apiType: .vllm, modelPath: "x")]),
        ModelConfig(name: "b", providers: [ProviderConfig(id: "pb", apiHost: "http://h", apiType: .vllm, modelPath: "x")]),
        ModelConfig(name: "c", providers: [ProviderConfig(id: "pc", apiHost: "http://h", apiType: .vllm, modelPath: "x")]),
    ]

    @Test("API models replace file models in place, deletions hide them, new ones follow in change order")
    func combination() {
        let snapshot = RegistrySnapshot(version: 4, entries: [
            entry("z", 4, #"{"model_name":"z","servers":["http://z"]}"#),
            entry("b", 1, #"{"model_name":"b","servers":["http://b2"],"strategy":"random"}"#),
            entry("c", 2, nil),
            entry("y", 3, #"{"model_name":"y","servers":["http://y"]}"#),
        ])
        let view = RegistryView(file: file(files), snapshot: snapshot) { _ in nil }
        #expect(view.config.models.map(\.name) == ["a", "b", "y", "z"])
        #expect(view.config.model(named: "b")?.strategy == "random")
        #expect(view.sources["a"] == .file)
        #expect(view.sources["b"] == .api(version: 1, overridesFile: true))
        #expect(view.sources["z"] == .api(version: 4, overridesFile: false))
        #expect(view.hiddenFileModels == ["c": 2])
        #expect(view.warnings.isEmpty)
    }

    @Test("a file model whose provider id an API model uses is left out with a warning; so is an unreadable entry")
    func conflictsFavourTheAPI() {
        let snapshot = RegistrySnapshot(version: 2, entries: [
            entry("n", 1, #"{"model_name":"n","providers":[{"id":"pa","api_host":"http://h","api_type":"vllm"}]}"#),
            entry("broken", 2, #"{"model_name":"broken"}"#),
        ])
        let view = RegistryView(file: file(files), snapshot: snapshot) { _ in nil }
        #expect(view.config.models.map(\.name) == ["b", "c", "n"])
        #expect(view.warnings.count == 2)
        #expect(view.warnings.contains { $0.contains("file model \"a\" left out") })
        #expect(view.warnings.contains { $0.contains("API model \"broken\"") })
    }

    @Test("a change is checked against every other model: provider ids, fallback targets and cycles; deletions against fallbacks")
    func changeProblems() throws {
        var models = files
        models[0].fallbackModel = "b"
        let view = RegistryView(file: file(models), snapshot: .empty) { _ in nil }
        let clash = try ModelDefinition.parse(body: Array(#"{"model_name":"n","providers":[{"id":"pb","api_host":"http://h","api_type":"vllm"}]}"#.utf8))
        #expect(view.problems(setting: clash).map(\.description) == [#"$.providers[0].id: duplicate provider id "pb"; already used by model "b""#])
        // Replacing a model keeps its own ids free.
        let same = try ModelDefinition.parse(body: Array(#"{"providers":[{"id":"pb","api_host":"http://h2","api_type":"vllm"}]}"#.utf8), name: "b")
        #expect(view.problems(setting: same).isEmpty)
        let cycle = try ModelDefinition.parse(body: Array(#"{"servers":["http://h"],"fallback_model":"a"}"#.utf8), name: "b")
        #expect(view.problems(setting: cycle).map(\.description) == ["$.fallback_model: fallback_model cycle: b -> a -> b"])
        let unknown = try ModelDefinition.parse(body: Array(#"{"model_name":"n","servers":["http://h"],"fallback_model":"ghost"}"#.utf8))
        #expect(view.problems(setting: unknown).map(\.path) == ["$.fallback_model"])
        #expect(view.problems(deleting: "b").count == 1)
        #expect(view.problems(deleting: "c").isEmpty)
    }

    @Test("snapshots and stored entries read back what was written")
    func roundTrips() throws {
        let snapshot = RegistrySnapshot(version: 3, entries: [entry("a/b", 3, #"{"model_name":"a/b","servers":["http://h"]}"#), entry("c", 2, nil)])
        #expect(RegistrySnapshot(serialized: snapshot.serialized) == snapshot)
        #expect(snapshot.entries.map(\.name) == ["c", "a/b"])
        let stored = try #require(snapshot.entry(named: "a/b"))
        #expect(RegistryEntry(name: "a/b", storedValue: stored.storedValue) == stored)
        #expect(RegistryEntry(name: "c", storedValue: Array(#"{"version":2,"model":null}"#.utf8)) == entry("c", 2, nil))
        #expect(RegistryEntry(name: "x", storedValue: Array("garbage".utf8)) == nil)
        #expect(snapshot.recording(entry("c", 4, #"{"model_name":"c","servers":["http://h"]}"#)).version == 4)
    }
}
