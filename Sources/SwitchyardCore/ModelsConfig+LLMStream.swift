// LLMStream's config: {"models": {NAME: {"servers": ["http://h:p", ...], "strategy": "round_robin"}},
// "metrics_update_interval": 5}. Every server is a vLLM provider serving NAME under that name. A model may add
// "api_token" or "api_key_name" (an environment variable holding the key) for all its servers, and its own
// "metrics_update_interval" (as may a model of the other formats).

extension ModelsConfig {
    /// Reads the LLMStream format; nil when the structure is too broken to go on (problems are in `reader`).
    static func readLLMStream(_ top: JSON.Object, _ reader: inout ConfigReader) -> ModelsConfig? {
        let root = ConfigProblem.Path.root
        var interval = reader.number(top, "metrics_update_interval", at: root)
        if let value = interval, !(value > 0) {
            reader.report(root.key("metrics_update_interval"), "must be > 0 seconds, got \(value)")
            interval = nil
        }
        let models = readModelMap(top, &reader, what: "a model object with a \"servers\" list") { name, object, modelPath, reader, ids in
            // LLMStream lists bare URLs, so limits (rpm, tpm, context_length, max_concurrency) sit on the model
            // and hold for each of its servers.
            let limits = reader.limits(object, at: modelPath)
            // One key for every server of the model (`api_token` or `api_key_name`, as in llm-router's providers).
            let token = reader.apiKey(object, at: modelPath)
            return readServers(object["servers"], model: name, token: token, limits: limits, at: modelPath.key("servers"), &reader, ids: &ids)
        }
        guard let models else { return nil }
        return ModelsConfig(format: .llmStream, models: models, metricsUpdateInterval: interval)
    }

    /// Reads LLMStream's `servers` list (URLs, or `host:port` meaning plain HTTP) of model `name`: one vLLM provider
    /// per server, id `<name>@<host:port>`, serving `name` under that name. Records ids for the uniqueness check.
    static func readServers(
        _ value: JSON?, model name: String, token: String = "", limits: ProviderLimits = ProviderLimits(), at serversPath: ConfigProblem.Path, _ reader: inout ConfigReader,
        ids: inout [(id: String, path: ConfigProblem.Path)]
    ) -> [ProviderConfig] {
        var providers: [ProviderConfig] = []
        switch value {
        case nil:
            reader.report(serversPath, "missing required key \"servers\" (a non-empty list of server URLs)")
        case .array(let servers)? where servers.isEmpty:
            reader.report(serversPath, "must list at least one server")
        case .array(let servers)?:
            for (position, server) in servers.enumerated() {
                let serverPath = serversPath.index(position)
                guard case .string(let text) = server else {
                    reader.report(serverPath, "expected a server URL string, got \(server.kindDescription)")
                    continue
                }
                // LLMStream users often write "host:port"; assume plain HTTP then, like LLMStream's client does.
                let url = text.contains("://") ? text : "http://" + text.trimmingASCIIWhitespace()
                guard let host = reader.baseURL(url, at: serverPath) else { continue }
                let id = "\(name)@\(hostAndPort(host))"
                ids.append((id, serverPath))
                var provider = ProviderConfig(id: id, apiHost: host, apiType: .vllm, apiToken: token, modelPath: name)
                limits.apply(to: &provider)
                providers.append(provider)
            }
        case let other?:
            reader.report(serversPath, "expected a list of server URLs, got \(other.kindDescription)")
        }
        return providers
    }

    /// Reads `{"models": {NAME: {…}}}`, the shape LLMStream and the SGLang example share: checks each model's
    /// name and object and reads its `strategy`; `providers` reads the format's own part (recording provider ids
    /// for the uniqueness check). A model with any problem is left out; nil when `models` is not an object.
    static func readModelMap(
        _ top: JSON.Object, _ reader: inout ConfigReader, what: String,
        providers: (String, JSON.Object, ConfigProblem.Path, inout ConfigReader, inout [(id: String, path: ConfigProblem.Path)]) -> [ProviderConfig]
    ) -> [ModelConfig]? {
        let root = ConfigProblem.Path.root
        guard let models = reader.object(top["models"] ?? .null, at: root.key("models")) else { return nil }
        var configs: [ModelConfig] = []
        var ids: [(id: String, path: ConfigProblem.Path)] = []
        for (name, value) in models.members {
            let modelPath = root.key("models").key(name)
            guard !name.isEmpty else {
                reader.report(modelPath, "model name must not be empty")
                continue
            }
            guard let object = reader.object(value, at: modelPath, what: what) else { continue }
            let before = reader.problems.count
            let strategy = reader.strategy(object, at: modelPath)
            let interval = reader.metricsInterval(object, at: modelPath)
            let found = providers(name, object, modelPath, &reader, &ids)
            if reader.problems.count == before {
                configs.append(ModelConfig(name: name, providers: found, strategy: strategy, metricsUpdateInterval: interval))
            }
        }
        reader.checkUniqueIDs(ids)
        return configs
    }

    /// `host:port` of a validated base URL, with the scheme's default port when none is written
    /// (IPv6 hosts in brackets).
    static func hostAndPort(_ baseURL: String) -> String {
        guard let url = URLParts(parsing: baseURL), var host = url.decodedHost else { return baseURL }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        let port = url.port.flatMap { Int($0) } ?? (url.scheme.lowercased() == "https" ? 443 : 80)
        return "\(host):\(port)"
    }
}
