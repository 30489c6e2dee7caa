import Glibc
import Testing
@testable import SwitchyardCore

/// The example's key variables, set once for every test that parses it (the values are test data).
private let keysSet: Bool = {
    setenv("SY_TEST_GOOGLE_KEY", "g-key", 1)
    setenv("SY_TEST_GROQ_KEY", "q-key", 1)
    return true
}()

/// The Go load balancer's README example, shortened (three LLMs, two sharing a model).
private let example = """
    general:
      listen_address: "0.0.0.0"
      listen_port: 8081
      log_level: "debug" # debug, info, warn, error

    llms:
      - name: "Google-Gemini"
        model: "gemini-1.5-pro"
        base_url: "https://generativelanguage.googleapis.com/v1beta"
        rate_limit: 1000000 # Tokens per minute
        requests_per_min: 60
        context_length: 128000
        api_key_name: "SY_TEST_GOOGLE_KEY"
        api_type: "google"
        price: 0.007
        quality: 9
      - name: "Ollama-Local"
        model: "llama3"
        base_url: "http://localhost:11434/api"
        rate_limit: 5000000
        requests_per_min: 500
        context_length: 8192
        api_key_name: ""
        api_type: "ollama"
        price: 0.0
      - name: "Groq-Llama3"
        model: "llama3"
        base_url: "https://api.groq.com/openai/v1"
        rate_limit: 270000000
        requests_per_min: 15000
        context_length: 8192
        api_key_name: "SY_TEST_GROQ_KEY"
        api_type: "groq"
        price: 0.0005
    """

@Suite("Models config: the Go load balancer's YAML")
struct ModelsConfigLLMBalancerTests {
    @Test("the README example loads: one provider per entry, one model per model name, and the pool model auto")
    func example() throws {
        _ = keysSet
        let config = try parse(SwitchyardCoreTests.example)
        #expect(config.format == .llmBalancer)
        #expect(config.models.map(\.name) == ["gemini-1.5-pro", "llama3", "auto"])
        #expect(config.model(named: "llama3")?.providers.map(\.id) == ["Ollama-Local", "Groq-Llama3"])
        #expect(config.model(named: "auto")?.providers.map(\.id) == ["Google-Gemini", "Ollama-Local", "Groq-Llama3"])
        #expect(config.warnings.isEmpty)
        let gemini = config.models[0].providers[0]
        #expect(gemini.apiType == .gemini)
        #expect(gemini.apiHost == "https://generativelanguage.googleapis.com/v1beta")
        #expect(gemini.modelPath == "gemini-1.5-pro")
        #expect(gemini.tpm == 1_000_000 && gemini.rpm == 60 && gemini.contextLength == 128_000)
        #expect(gemini.apiToken == "g-key", "api_key_name names the variable holding the key")
        #expect(gemini.price == 0.007)
        let ollama = config.models[1].providers[0]
        #expect(ollama.apiHost == "http://localhost:11434")
        #expect(ollama.apiToken == "", "an empty api_key_name means no key")
        #expect(config.models[1].providers[1].apiHost == "https://api.groq.com/openai/v1")
    }

    @Test("general sets listen address, port and log level below environment and flags")
    func general() throws {
        _ = keysSet
        let config = try parse(SwitchyardCoreTests.example)
        #expect(config.general == GeneralSection(listenAddress: "0.0.0.0", listenPort: 8081, logLevel: .debug))
        let fromFile = try Settings.load(environment: [:], arguments: [], general: config.general)
        #expect(fromFile.host == "0.0.0.0" && fromFile.port == 8081 && fromFile.logLevel == .debug)
        let overridden = try Settings.load(environment: ["LLM_ROUTER_SERVER_PORT": "9000"], arguments: ["--log-level", "error"], general: config.general)
        #expect(overridden.host == "0.0.0.0" && overridden.port == 9000 && overridden.logLevel == .error)
    }

    @Test("unknown keys are warnings with their paths, and the file still loads")
    func unknownKeys() throws {
        let config = try parse("""
            general: {listen_port: 1, colour: blue}
            extra: 1
            llms:
              - {name: a, model: m, base_url: "http://h:1", modes: [text]}
            """)
        #expect(config.warnings.map(\.path) == ["$.extra", "$.general.colour", "$.llms[0].modes"])
    }

    @Test("bad values are problems at their paths", arguments: [
        ("- {name: a, model: m, base_url: 'http://h:1', requests_per_min: -1}", "$.llms[0].requests_per_min"),
        ("- {name: a, model: m, base_url: 'http://h:1', rate_limit: lots}", "$.llms[0].rate_limit"),
        ("- {name: a, model: m, base_url: 'http://h:1', context_length: 50}", "$.llms[0].context_length"),
        ("- {name: a, model: m, base_url: 'http://h:1', price: -1}", "$.llms[0].price"),
        ("- {name: a, model: m, base_url: 'ftp://h'}", "$.llms[0].base_url"),
        ("- {name: a, model: m, base_url: 'http://h:1', api_type: cobol}", "$.llms[0].api_type"),
        ("- {model: m, base_url: 'http://h:1'}", "$.llms[0].name"),
        ("- {name: a, base_url: 'http://h:1'}", "$.llms[0].model"),
        ("- {name: a, model: m, base_url: 'http://h:1', rpm: 5, requests_per_min: 5}", "$.llms[0].rpm"),
        ("- {name: a, model: m, base_url: 'http://h:1', api_key_name: SY_TEST_UNSET_VARIABLE}", "$.llms[0].api_key_name"),
    ])
    func badValues(entry: String, path: String) {
        let found = problems("llms:\n  \(entry)\n")
        #expect(found.map(\.path) == [path], "\(found)")
    }

    @Test("two entries with one name are a problem at the second")
    func duplicateNames() {
        let found = problems("llms:\n  - {name: a, model: m, base_url: 'http://h:1'}\n  - {name: a, model: n, base_url: 'http://h:2'}\n")
        #expect(found.map(\.path) == ["$.llms[1].name"])
    }

    @Test("the older url key works like base_url")
    func urlKey() throws {
        let config = try parse("llms:\n  - {name: a, model: m, url: 'http://h:1/'}\n")
        #expect(config.models[0].providers[0].apiHost == "http://h:1")
    }

    @Test("an LLM serving a model called auto leaves out the pool, with a warning")
    func autoTaken() throws {
        let config = try parse("llms:\n  - {name: a, model: auto, base_url: 'http://h:1'}\n  - {name: b, model: m, base_url: 'http://h:2'}\n")
        #expect(config.models.map(\.name) == ["auto", "m"])
        #expect(config.warnings.map(\.path) == ["$.llms"])
    }
}

@Suite("YAML reader (libyaml events into a JSON tree)")
struct YAMLReaderTests {
    private func read(_ text: String) -> (JSONValue?, [ConfigProblem]) {
        var problems: [ConfigProblem] = []
        let value = YAMLReader.parse(Array(text.utf8), problems: &problems)
        return (value, problems)
    }

    @Test("plain scalars get core-schema types; quoted ones stay strings")
    func scalars() throws {
        let (value, problems) = read("a: 1\nb: -2.5e3\nc: true\nd: ~\ne: '7'\nf: hello\ng: !!str 8\nh: 0x1F\n")
        #expect(problems.isEmpty)
        let object = try #require(value)
        #expect(object["a"]?.kindDescription == "the number 1")
        #expect(object["b"]?.kindDescription == "the number -2.5e3")
        #expect(object["c"]?.kindDescription == "true")
        #expect(object["d"]?.kindDescription == "null")
        #expect(object["e"]?.kindDescription == "the string \"7\"")
        #expect(object["f"]?.kindDescription == "the string \"hello\"")
        #expect(object["g"]?.kindDescription == "the string \"8\"")
        #expect(object["h"]?.kindDescription == "the number 31")
    }

    @Test("anchors, aliases and merge keys; explicit keys override merged ones")
    func aliases() throws {
        let (value, problems) = read("base: &b {rpm: 5, tpm: 9}\nx:\n  <<: *b\n  tpm: 10\nlist: [*b]\n")
        #expect(problems.isEmpty)
        #expect(value?["x"]?["rpm"]?.kindDescription == "the number 5")
        #expect(value?["x"]?["tpm"]?.kindDescription == "the number 10")
        #expect(value?["list"]?[0]?["rpm"]?.kindDescription == "the number 5")
    }

    @Test("an alias bomb is refused after a bounded amount of work, as a problem at $")
    func aliasBomb() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let (value, problems) = read(text)
        #expect(value == nil)
        #expect(problems.count == 1)
        #expect(problems.first?.path == "$")
        #expect(problems.first?.message.contains("alias bomb") == true)
    }

    @Test("the alias bomb as a models config is a problem, not a hang")
    func aliasBombConfig() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...12 { text += "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]\n" }
        text += "llms: *a12\n"
        #expect(problems(text).map(\.path) == ["$"])
    }

    @Test("syntax errors name line and column")
    func syntaxError() {
        let (value, problems) = read("a: [1, 2\nb: 3\n")
        #expect(value == nil)
        #expect(problems.first?.message.contains("invalid YAML at line") == true)
    }

    @Test("duplicate keys are problems at their path; complex keys and unknown aliases too")
    func structuralProblems() {
        #expect(read("a: 1\na: 2\n").1.map(\.path) == ["$.a"])
        #expect(read("? [1]\n: 2\n").1.map(\.path) == ["$"])
        #expect(read("a: *nothing\n").0 == nil)
    }

    @Test("a second document is refused")
    func twoDocuments() {
        #expect(read("a: 1\n---\nb: 2\n").0 == nil)
    }

    @Test("nesting deeper than the cap is refused")
    func depth() {
        let deep = String(repeating: "[", count: YAMLReader.maxDepth + 1) + String(repeating: "]", count: YAMLReader.maxDepth + 1)
        #expect(read("a: " + deep + "\n").0 == nil)
    }

    @Test("JSON text is detected as JSON, anything else as YAML")
    func detection() {
        #expect(!YAMLReader.looksLikeYAML(Array("  {\"a\": 1}".utf8)))
        #expect(YAMLReader.looksLikeYAML(Array("# comment\nllms: []".utf8)))
    }

    @Test("the JSON formats may be written in YAML too")
    func llmRouterInYAML() throws {
        let config = try parse("g:\n  m:\n    providers:\n      - {id: p, api_host: 'http://h:1', api_type: vllm, rpm: 7}\nactive_models: {g: [m]}\n")
        #expect(config.format == .llmRouter)
        #expect(config.models[0].providers[0].rpm == 7)
    }
}
