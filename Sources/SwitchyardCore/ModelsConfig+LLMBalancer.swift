// The Go LLM load balancer's config.yaml: `general` (listen_address, listen_port, log_level) plus an `llms` list of
// {name, model, base_url, rate_limit, requests_per_min, context_length, api_key_name, api_type, price, quality}.
// Each entry is a provider (id `name`, upstream model `model`, host `base_url`); entries with the same `model` form
// one router model of that name, and all of them together form the pool model `auto`. Read from the JSON tree the
// YAML reader builds, so problems carry the same JSON paths as the other formats.

extension ModelsConfig {
    /// The pool model holding every provider of a Go balancer config.
    package static let poolModelName = "auto"

    /// Keys of an `llms` entry: the Go balancer's own plus the router's limit names, which mean the same as in the
    /// JSON formats. Anything else is a warning.
    static let balancerEntryKeys: Set<String> = [
        "name", "model", "base_url", "url", "rate_limit", "requests_per_min", "context_length", "api_key_name",
        "api_type", "price", "quality", "rpm", "tpm", "max_concurrency", "weight", "api_token",
    ]

    /// Reads the Go balancer format; nil when the structure is too broken to go on (problems are in `reader`).
    static func readLLMBalancer(_ top: JSON.Object, _ reader: inout ConfigReader) -> ModelsConfig? {
        let root = ConfigProblem.Path.root
        for (key, _) in top.members where key != "general" && key != "llms" {
            reader.warn(root.key(key), "unknown key, ignored (expected general and llms)")
        }
        let general = readGeneral(top, &reader)
        let listPath = root.key("llms")
        guard case .array(let entries)? = top["llms"] else {
            reader.report(listPath, "expected a list of LLM entries, got \(top["llms"]?.kindDescription ?? "nothing")")
            return nil
        }
        guard !entries.isEmpty else {
            reader.report(listPath, "must list at least one LLM")
            return nil
        }
        var byModel: [(name: String, providers: [ProviderConfig])] = []
        var ids: [(id: String, path: ConfigProblem.Path)] = []
        for (position, entry) in entries.enumerated() {
            let path = listPath.index(position)
            guard let object = reader.object(entry, at: path, what: "an LLM entry (name, model, base_url, …)") else { continue }
            if case .string(let id)? = object["name"], !id.isEmpty { ids.append((id, path.key("name"))) }
            guard let provider = readBalancerEntry(object, at: path, &reader) else { continue }
            if let slot = byModel.firstIndex(where: { $0.name == provider.modelPath }) {
                byModel[slot].providers.append(provider)
            } else {
                byModel.append((provider.modelPath, [provider]))
            }
        }
        reader.checkUniqueIDs(ids)
        var models = byModel.map { ModelConfig(name: $0.name, providers: $0.providers) }
        if models.contains(where: { $0.name == poolModelName }) {
            reader.warn(listPath, "an LLM serves a model named \"\(poolModelName)\", so there is no pool model of every LLM")
        } else if !models.isEmpty {
            models.append(ModelConfig(name: poolModelName, providers: models.flatMap(\.providers)))
        }
        var config = ModelsConfig(format: .llmBalancer, models: models)
        config.general = general
        return config
    }

    /// The `general` section: listen address, port and log level (defaults below flags and variables).
    private static func readGeneral(_ top: JSON.Object, _ reader: inout ConfigReader) -> GeneralSection? {
        guard let value = top["general"] else { return nil }
        if case .null = value { return nil }
        let path = ConfigProblem.Path.root.key("general")
        guard let object = reader.object(value, at: path, what: "a mapping (listen_address, listen_port, log_level)") else { return nil }
        for (key, _) in object.members where !["listen_address", "listen_port", "log_level"].contains(key) {
            reader.warn(path.key(key), "unknown key, ignored (expected listen_address, listen_port or log_level)")
        }
        var general = GeneralSection()
        if let address = reader.string(object, "listen_address", at: path) {
            let trimmed = address.trimmingASCIIWhitespace()
            if trimmed.isEmpty { reader.report(path.key("listen_address"), "must not be empty") } else { general.listenAddress = trimmed }
        }
        if let port = reader.integer(object, "listen_port", at: path) {
            if (0...65535).contains(port) { general.listenPort = port } else {
                reader.report(path.key("listen_port"), "must be within 0...65535, got \(port)")
            }
        }
        if let level = reader.string(object, "log_level", at: path) {
            if let parsed = LogLevel(parsing: level) { general.logLevel = parsed } else {
                reader.report(path.key("log_level"), "expected debug, info, warn(ing) or error, got \(ConfigProblem.Path.quoted(level))")
            }
        }
        return general
    }

    /// One `llms` entry as a provider.
    private static func readBalancerEntry(_ object: JSON.Object, at path: ConfigProblem.Path, _ reader: inout ConfigReader) -> ProviderConfig? {
        let before = reader.problems.count
        for (key, _) in object.members where !balancerEntryKeys.contains(key) {
            reader.warn(path.key(key), "unknown key, ignored")
        }
        let id = reader.string(object, "name", at: path, required: true)
        let model = reader.string(object, "model", at: path, required: true)?.trimmingASCIIWhitespace()
        var apiType = APIType.openai
        if let typeName = reader.string(object, "api_type", at: path), !typeName.trimmingASCIIWhitespace().isEmpty {
            // The Go balancer's `google` is accepted as Gemini by the parser.
            if let parsed = APIType(parsing: typeName) {
                apiType = parsed
            } else {
                reader.report(path.key("api_type"), "unknown api_type \(ConfigProblem.Path.quoted(typeName)); valid: google, \(APIType.validNames)")
            }
        }
        // `base_url` in the current Go balancer, `url` in its first release.
        let urlKey = object.has("base_url") || !object.has("url") ? "base_url" : "url"
        let host = reader.string(object, urlKey, at: path, required: true)
            .flatMap { reader.baseURL($0, at: path.key(urlKey)) }
            .map { normalizedBase($0, apiType: apiType) }
        // The Go balancer's names first; the router's own spellings are accepted too (one of each pair).
        let rpmKey = limitKey("requests_per_min", alias: "rpm", in: object, at: path, &reader)
        let tpmKey = limitKey("rate_limit", alias: "tpm", in: object, at: path, &reader)
        let limits = reader.limits(object, at: path, rpmKey: rpmKey, tpmKey: tpmKey)
        let weight = reader.weight(object, at: path)
        // `api_key_name` names the environment variable holding the key (read now, as for the JSON formats); the
        // Go balancer writes `""` for providers without one (Ollama).
        var key = ""
        if case .string(let name)? = object["api_key_name"], name.trimmingASCIIWhitespace().isEmpty {
            key = reader.string(object, "api_token", at: path) ?? ""
        } else {
            key = reader.apiKey(object, at: path)
        }
        var price: Double?
        if let value = reader.number(object, "price", at: path) {
            if value >= 0 { price = value } else { reader.report(path.key("price"), "must be >= 0, got \(value)") }
        }
        if let quality = reader.number(object, "quality", at: path), quality < 0 {
            reader.report(path.key("quality"), "must be >= 0, got \(quality)")
        }
        guard reader.problems.count == before, let id, let model, let host else { return nil }
        var provider = ProviderConfig(id: id, apiHost: host, apiType: apiType, apiToken: key, modelPath: model, weight: weight, price: price)
        limits.apply(to: &provider)
        return provider
    }

    /// The key one limit is read from: the Go balancer's `name`, or the router's `alias` when only that is given;
    /// both at once is a problem.
    private static func limitKey(_ name: String, alias: String, in object: JSON.Object, at path: ConfigProblem.Path, _ reader: inout ConfigReader) -> String {
        if object.has(name) && object.has(alias) {
            reader.report(path.key(alias), "\(name) and \(alias) are the same limit; give one")
        }
        return object.has(name) || !object.has(alias) ? name : alias
    }

    /// The Go balancer's Ollama base URLs end in `…/api`, a path the Ollama adapter adds itself.
    private static func normalizedBase(_ host: String, apiType: APIType) -> String {
        if apiType == .ollama, host.hasSuffix("/api") { return String(host.dropLast(4)) }
        return host
    }
}

/// The Go balancer's `general` section: settings that apply unless a flag or environment variable says otherwise.
package struct GeneralSection: Sendable, Equatable {
    /// `listen_address`.
    package var listenAddress: String?
    /// `listen_port`.
    package var listenPort: Int?
    /// `log_level`.
    package var logLevel: LogLevel?

    /// An empty section.
    package init(listenAddress: String? = nil, listenPort: Int? = nil, logLevel: LogLevel? = nil) {
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.logLevel = logLevel
    }
}
