import Testing
@testable import SwitchyardCore

/// An llm-router config with one group `g` holding `models` (JSON text of the group's members) and `active`.
private func llmRouter(_ models: String, active: [String]) -> String {
    let list = active.map { "\"\($0)\"" }.joined(separator: ", ")
    return #"{"g": {\#(models)}, "active_models": {"g": [\#(list)]}}"#
}

/// A minimal valid provider object.
private func provider(_ id: String, _ extra: String = "") -> String {
    #"{"id": "\#(id)", "api_host": "http://127.0.0.1:8000", "api_type": "vllm"\#(extra.isEmpty ? "" : ", " + extra)}"#
}

/// Directory of the example configs, found from this file's location.
private let configsDirectory: String = {
    var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/SwitchyardCoreTests/ModelsConfigTests.swift
    return parts.joined(separator: "/") + "/resources/configs"
}()

@Suite("Models config")
struct ModelsConfigTests {
    // MARK: formats

    @Test("an llm-router config yields its active models in active_models order with every provider key")
    func llmRouterFormat() throws {
        let config = try parse("""
            {
              "zeta": {"z/model": {"providers": [{"id": "z1", "api_host": "https://api.example.com/v1", "api_type": "openai",
                                                   "api_token": "sk-1", "model_path": "gpt-x", "input_size": 128000,
                                                   "weight": 0.25, "nworkers": 3, "tool_calling": true, "keep_alive": "90s",
                                                   "health_check_path": "/health", "publisher": "ignored", "arch": "x"}]}},
              "alpha": {"a/model": {"fallback_model": "z/model", "strategy": "round_robin", "providers_sleep": [],
                                    "providers": [\(provider("a1")), \(provider("a2"))]},
                        "inactive": {"providers": "not even a list"}},
              "active_models": {"zeta": ["z/model"], "alpha": ["a/model"]}
            }
            """)
        #expect(config.format == .llmRouter)
        #expect(config.models.map(\.name) == ["z/model", "a/model"])
        #expect(config.model(named: "inactive") == nil)
        let z = try #require(config.model(named: "z/model"))
        #expect(z.providers == [ProviderConfig(
            id: "z1", apiHost: "https://api.example.com/v1", apiType: .openai, apiToken: "sk-1", modelPath: "gpt-x",
            weight: 0.25, inputSize: 128_000, keepAlive: "90s", toolCalling: true, nworkers: 3, healthCheckPath: "/health",
            maxConcurrency: 3)])
        let a = try #require(config.model(named: "a/model"))
        #expect(a.fallbackModel == "z/model")
        #expect(a.strategy == "round_robin")
        #expect(a.providers.map(\.id) == ["a1", "a2"])
    }

    @Test("llm-router defaults: empty or missing model_path is the model name, weight 1, input_size from a string")
    func llmRouterDefaults() throws {
        let config = try parse(llmRouter("""
            "m": {"providers": [\(provider("p1", #""model_path": "", "input_size": "32768""#)), \(provider("p2"))]}
            """, active: ["m"]))
        let providers = try #require(config.model(named: "m")).providers
        #expect(providers[0].modelPath == "m")
        #expect(providers[1].modelPath == "m")
        #expect(providers[0].inputSize == 32768)
        #expect(providers[1].inputSize == 0)
        #expect(providers.allSatisfy { $0.weight == 1.0 && $0.nworkers == 1 && !$0.toolCalling && $0.apiToken == "" })
        #expect(providers.allSatisfy { $0.keepAlive == nil && $0.healthCheckPath == nil })
    }

    @Test("weights are kept as written, not clamped to 1 like llm-router does")
    func weightNotClamped() throws {
        let config = try parse(llmRouter(#""m": {"providers": [\#(provider("p", #""weight": 3"#))]}"#, active: ["m"]))
        #expect(config.models[0].providers[0].weight == 3)
    }

    @Test("trailing slashes are stripped from api_host")
    func trailingSlashStripped() throws {
        let config = try parse(llmRouter("""
            "m": {"providers": [{"id": "p", "api_host": "http://10.0.0.1:7000//", "api_type": "VLLM"}]}
            """, active: ["m"]))
        #expect(config.models[0].providers[0].apiHost == "http://10.0.0.1:7000")
        #expect(config.models[0].providers[0].apiType == .vllm)
    }

    @Test("an LLMStream config yields one vLLM provider per server, in file order, with host:port ids")
    func llmStreamFormat() throws {
        let config = try parse("""
            {"models": {"zz/model": {"servers": ["http://h1:8000/", "h2:9000"], "strategy": "round_robin"},
                        "aa/model": {"servers": ["https://h3"]}},
             "metrics_update_interval": 5}
            """)
        #expect(config.format == .llmStream)
        #expect(config.metricsUpdateInterval == 5)
        #expect(config.models.map(\.name) == ["zz/model", "aa/model"])
        #expect(config.models[0].strategy == "round_robin")
        #expect(config.models[0].providers == [
            ProviderConfig(id: "zz/model@h1:8000", apiHost: "http://h1:8000", apiType: .vllm, modelPath: "zz/model"),
            ProviderConfig(id: "zz/model@h2:9000", apiHost: "http://h2:9000", apiType: .vllm, modelPath: "zz/model"),
        ])
        #expect(config.models[1].providers.map(\.id) == ["aa/model@h3:443"])
    }

    @Test("an SGLang config yields SGLang providers from endpoint and endpoints, with health check paths")
    func sglangFormat() throws {
        let config = try parse("""
            {"models": {"one": {"endpoint": {"host": "h1", "port": 30000, "health_check_path": "/health"}},
                        "two": {"endpoints": [{"host": "h2", "port": 30001}, {"host": "h3", "port": "30002"}]}}}
            """)
        #expect(config.format == .sglang)
        #expect(config.models.map(\.name) == ["one", "two"])
        #expect(config.models[0].providers == [ProviderConfig(
            id: "one@h1:30000", apiHost: "http://h1:30000", apiType: .sglang, modelPath: "one", healthCheckPath: "/health")])
        #expect(config.models[1].providers.map(\.apiHost) == ["http://h2:30001", "http://h3:30002"])
        #expect(config.models[1].providers.map(\.id) == ["two@h2:30001", "two@h3:30002"])
    }

    @Test("the bundled example configs load in their formats", arguments: [
        ("example-models-config.json", ConfigFormat.llmRouter, ["team/chat-large", "team/chat-small"]),
        ("example-llmstream.json", ConfigFormat.llmStream, ["Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct"]),
        ("example-sglang.json", ConfigFormat.sglang, ["Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-V3"]),
    ])
    func examples(file: String, format: ConfigFormat, names: [String]) throws {
        let config = try ModelsConfig.load(path: configsDirectory + "/" + file)
        #expect(config.format == format)
        #expect(config.models.map(\.name) == names)
    }

    @Test("the llm-router example has a fallback and a trailing-slash host that is normalised")
    func llmRouterExample() throws {
        let config = try ModelsConfig.load(path: configsDirectory + "/example-models-config.json")
        #expect(config.model(named: "team/chat-large")?.fallbackModel == "team/chat-small")
        #expect(config.model(named: "team/chat-large")?.providers[1].apiHost == "http://10.0.0.12:8000")
        #expect(config.fallbackChain(from: "team/chat-large").map(\.name) == ["team/chat-large", "team/chat-small"])
    }

    // MARK: problems

    @Test("a file with three mistakes yields three problems, each with its path")
    func allProblemsCollected() {
        let found = problems("""
            {"chat_models": {"team/chat": {"providers": [
                {"id": "a", "api_host": "ftp://x", "api_type": "vllm"},
                {"id": "b", "api_host": "http://x", "api_type": "vllm", "weight": -1}]},
              "other": {"providers": [{"id": "c", "api_type": "vllm"}]}},
             "active_models": {"chat_models": ["team/chat", "other"]}}
            """)
        #expect(found.map(\.path) == [
            #"$.chat_models["team/chat"].providers[0].api_host"#,
            #"$.chat_models["team/chat"].providers[1].weight"#,
            "$.chat_models.other.providers[0].api_host",
        ])
        #expect(found[0].message.contains("http://"))
        #expect(found[1].message.contains("> 0"))
        #expect(found[2].message.contains("missing"))
    }

    @Test("wrong JSON types are reported at their paths")
    func wrongTypes() {
        let found = problems(llmRouter("""
            "m": {"providers": [\(provider("p", #""tool_calling": "yes", "nworkers": 1.5, "input_size": "big", "api_token": 7"#))],
                  "fallback_model": 3, "strategy": "fastest"}
            """, active: ["m"]))
        #expect(Set(found.map(\.path)) == [
            "$.g.m.providers[0].tool_calling", "$.g.m.providers[0].nworkers", "$.g.m.providers[0].input_size",
            "$.g.m.providers[0].api_token", "$.g.m.fallback_model", "$.g.m.strategy",
        ])
        #expect(found.count == 6)
    }

    @Test("an unknown api_type is an error listing the valid ones")
    func badAPIType() {
        let found = problems(llmRouter(#""m": {"providers": [{"id": "p", "api_host": "http://h", "api_type": "tgi"}]}"#, active: ["m"]))
        #expect(found.count == 1)
        #expect(found.first?.path == "$.g.m.providers[0].api_type")
        #expect(found.first?.message.contains("\"tgi\"") == true)
        #expect(found.first?.message.contains("vllm, sglang") == true)
        #expect(found.first?.message.contains("llama.cpp") == true)
    }

    @Test("provider ids must be unique across all active models")
    func duplicateIDs() {
        let found = problems(llmRouter("""
            "m1": {"providers": [\(provider("same")), \(provider("other"))]},
            "m2": {"providers": [\(provider("same"))]}
            """, active: ["m1", "m2"]))
        #expect(found.count == 1)
        #expect(found.first?.path == "$.g.m2.providers[0].id")
        #expect(found.first?.message.contains("$.g.m1.providers[0].id") == true)
    }

    @Test("an active model missing from its group is reported at its active_models entry")
    func unknownActiveModel() {
        let found = problems(#"{"g": {"m": {"providers": [\#(provider("p"))]}}, "active_models": {"g": ["m", "ghost"], "nogroup": ["x"]}}"#)
        #expect(found.map(\.path) == ["$.active_models.g[1]", "$.active_models.nogroup"])
        #expect(found[0].message.contains("\"ghost\""))
    }

    @Test("a model listed twice in active_models is reported")
    func modelListedTwice() {
        let found = problems(llmRouter(#""m": {"providers": [\#(provider("p"))]}"#, active: ["m", "m"]))
        #expect(found.map(\.path) == ["$.active_models.g[1]"])
    }

    @Test("a model without providers, or with an empty list, is reported")
    func missingProviders() {
        let found = problems(llmRouter(#""a": {}, "b": {"providers": []}, "c": {"providers": {}}"#, active: ["a", "b", "c"]))
        #expect(found.map(\.path) == ["$.g.a.providers", "$.g.b.providers", "$.g.c.providers"])
    }

    @Test("a fallback cycle is reported once, naming the whole cycle")
    func fallbackCycle() {
        let found = problems(llmRouter("""
            "a": {"fallback_model": "b", "providers": [\(provider("pa"))]},
            "b": {"fallback_model": "c", "providers": [\(provider("pb"))]},
            "c": {"fallback_model": "a", "providers": [\(provider("pc"))]},
            "d": {"fallback_model": "a", "providers": [\(provider("pd"))]}
            """, active: ["a", "b", "c", "d"]))
        #expect(found.count == 1)
        #expect(found.first?.path == "$.g.a.fallback_model")
        #expect(found.first?.message.contains("a -> b -> c -> a") == true)
    }

    @Test("a fallback to itself, to an unknown model or to an inactive model is reported")
    func fallbackTargets() {
        let found = problems("""
            {"g": {"self": {"fallback_model": "self", "providers": [\(provider("p1"))]},
                   "unknown": {"fallback_model": "nowhere", "providers": [\(provider("p2"))]},
                   "toInactive": {"fallback_model": "sleeping", "providers": [\(provider("p3"))]},
                   "sleeping": {"providers": [\(provider("p4"))]}},
             "active_models": {"g": ["self", "unknown", "toInactive"]}}
            """)
        #expect(found.map(\.path) == ["$.g.self.fallback_model", "$.g.unknown.fallback_model", "$.g.toInactive.fallback_model"])
        #expect(found[0].message.contains("itself"))
        #expect(found[1].message.contains("unknown"))
        #expect(found[2].message.contains("not an active model"))
    }

    @Test("invalid JSON is one problem at $ with its line and column")
    func invalidJSON() {
        let found = problems("{\n  \"models\": {\n    \"a\": tru\n  }\n}")
        #expect(found.count == 1)
        #expect(found.first?.path == "$")
        #expect(found.first?.message.contains("line 3, column 10") == true)
    }

    @Test("syntax JSONSerialization on Linux lets through is rejected", arguments: [
        #"{"active_models": {},}"#, "[1] x", "", "{\"a\": 01}", "{\"a\": \"\u{01}\"}", "{\"a\": \"\\ud800\"}",
    ])
    func strictJSON(text: String) {
        let found = problems(text)
        #expect(found.count == 1)
        #expect(found.first?.path == "$")
        #expect(found.first?.message.hasPrefix("invalid JSON") == true)
    }

    @Test("duplicate keys are reported instead of one silently replacing the other")
    func duplicateKeys() {
        let found = problems(#"{"g": {"m": {"providers": [\#(provider("a"))]}, "m": {"providers": [\#(provider("b"))]}}, "active_models": {"g": ["m"]}}"#)
        #expect(found.map(\.path) == ["$.g.m"])
        #expect(found.first?.message.contains("duplicate key") == true)
    }

    @Test("a file in none of the three formats is one problem at $ naming them")
    func unknownFormat() {
        for text in [#"{"foo": 1}"#, #"{"models": {"m": {"url": "x"}}}"#, "[]"] {
            let found = problems(text)
            #expect(found.map(\.path) == ["$"], "\(text)")
        }
        let message = problems(#"{"foo": 1}"#).first?.message ?? ""
        #expect(message.contains("llm-router") && message.contains("LLMStream") && message.contains("SGLang"))
    }

    @Test("LLMStream and SGLang mistakes are reported at their paths")
    func otherFormatProblems() {
        let stream = problems(#"{"models": {"a": {"servers": ["ftp://x", 5]}, "b": {"servers": []}, "c": {"servers": ["http://h:1", "http://h:1/"]}}, "metrics_update_interval": 0}"#)
        #expect(stream.map(\.path) == [
            "$.metrics_update_interval", "$.models.a.servers[0]", "$.models.a.servers[1]", "$.models.b.servers",
            "$.models.c.servers[1]",
        ])
        let sglang = problems(#"{"models": {"a": {"endpoint": {"host": "h"}}, "b": {"endpoints": [{"host": "h", "port": 70000, "health_check_path": "health"}]}}}"#)
        #expect(sglang.map(\.path) == ["$.models.a.endpoint.port", "$.models.b.endpoints[0].port", "$.models.b.endpoints[0].health_check_path"])
    }

    @Test("keep_alive accepts durations and whole seconds and rejects anything else")
    func keepAlive() throws {
        let config = try parse(llmRouter("""
            "m": {"providers": [\(provider("a", #""keep_alive": "35m""#)), \(provider("b", #""keep_alive": 90"#)), \(provider("c", #""keep_alive": null"#))]}
            """, active: ["m"]))
        #expect(config.models[0].providers.map(\.keepAlive) == ["35m", "90s", nil])
        #expect(config.models[0].providers.map(\.keepAliveSeconds) == [2100, 90, nil])
        let found = problems(llmRouter(#""m": {"providers": [\#(provider("a", #""keep_alive": "soon""#))]}"#, active: ["m"]))
        #expect(found.map(\.path) == ["$.g.m.providers[0].keep_alive"])
    }

    @Test("parsing the bytes read from a file gives what loading the file gives, so a snapshot of them configures the same")
    func readThenParse() throws {
        let path = configsDirectory + "/example-sglang.json"
        let bytes = try ModelsConfig.read(path: path)
        #expect(try ModelsConfig.parse(bytes, file: path) == ModelsConfig.load(path: path))
        #expect(throws: ConfigError.self) { try ModelsConfig.read(path: configsDirectory + "/does-not-exist.json") }
    }

    @Test("an unreadable file is one problem at $ naming the file")
    func unreadableFile() {
        let path = configsDirectory + "/does-not-exist.json"
        let error = #expect(throws: ConfigError.self) { try ModelsConfig.load(path: path) }
        #expect(error?.file == path)
        #expect(error?.problems.map(\.path) == ["$"])
        #expect(error?.problems.first?.message.contains("No such file") == true)
    }

    @Test("the error's description lists every problem as path: message")
    func errorDescription() {
        let error = ConfigError(file: "m.json", problems: [
            ConfigProblem(path: "$.a", message: "first"), ConfigProblem(path: "$.b[0]", message: "second"),
        ])
        let lines = error.description.split(separator: "\n").map(String.init)
        #expect(lines.contains("$.a: first"))
        #expect(lines.contains("$.b[0]: second"))
        #expect(lines.first?.contains("m.json") == true)
    }

    // MARK: pieces

    @Test("JSON paths quote keys that are not identifiers")
    func paths() {
        let path = ConfigProblem.Path.root.key("chat_models").key("team/chat").key("providers").index(1).key("api_host")
        #expect(path.description == #"$.chat_models["team/chat"].providers[1].api_host"#)
        #expect(ConfigProblem.Path.root.key("a\"b").key("9x").description == #"$["a\"b"]["9x"]"#)
    }

    @Test("string escapes, including surrogate pairs, decode into model names")
    func stringEscapes() throws {
        let config = try parse(#"{"models": {"caf\u00e9 \ud83d\ude00\/\n": {"servers": ["http://h:1"]}}}"#)
        #expect(config.models.first?.name == "café 😀/\n")
    }

    @Test("model(named:) follows later edits to models")
    func indexFollowsEdits() {
        var config = ModelsConfig(format: .llmRouter, models: [ModelConfig(name: "a", providers: [])])
        config.models.append(ModelConfig(name: "b", providers: [], fallbackModel: "a"))
        #expect(config.model(named: "b")?.fallbackModel == "a")
        config.models.removeFirst()
        #expect(config.model(named: "a") == nil)
        #expect(config.model(named: "b")?.name == "b")
    }

    @Test("api types parse case-insensitively, with llama.cpp aliases")
    func apiTypes() {
        #expect(APIType(parsing: "VLLM") == .vllm)
        #expect(APIType(parsing: "llama_cpp") == .llamacpp)
        #expect(APIType(parsing: "LlamaCpp") == .llamacpp)
        #expect(APIType(parsing: "llama.cpp") == .llamacpp)
        #expect(APIType(parsing: "Vertex_AI") == .vertexAI)
        #expect(APIType(parsing: "tgi") == nil)
        #expect(APIType.allCases.filter(\.isOpenAICompatible) == [.openai, .vllm, .sglang, .lmstudio, .llamacpp, .ollama, .groq])
    }
}
