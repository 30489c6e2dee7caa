// The SGLang router example format: {"models": {NAME: {"endpoint": {"host": "h", "port": 30000,
// "health_check_path": "/health"}, "strategy": "weighted"}}}, or "endpoints": [{...}, ...] for several workers;
// an endpoint may also carry llm-router's "weight" and "nworkers". Every endpoint is an
// SGLang provider serving NAME under that name.

extension ModelsConfig {
    /// Reads the SGLang format; nil when the structure is too broken to go on (problems are in `reader`).
    static func readSGLang(_ top: JSON.Object, _ reader: inout ConfigReader) -> ModelsConfig? {
        let models = readModelMap(top, &reader, what: "a model object with an \"endpoint\"") { name, object, modelPath, reader, ids in
            var endpoints: [(JSON, ConfigProblem.Path)] = []
            switch (object["endpoint"], object["endpoints"]) {
            case (nil, nil):
                reader.report(modelPath, "missing required key \"endpoint\" (or an \"endpoints\" list)")
            case (_?, _?):
                reader.report(modelPath, "has both \"endpoint\" and \"endpoints\"; use one")
            case (let single?, nil):
                endpoints = [(single, modelPath.key("endpoint"))]
            case (nil, .array(let list)?) where list.isEmpty:
                reader.report(modelPath.key("endpoints"), "must list at least one endpoint")
            case (nil, .array(let list)?):
                endpoints = list.enumerated().map { ($0.element, modelPath.key("endpoints").index($0.offset)) }
            case (nil, let other?):
                reader.report(modelPath.key("endpoints"), "expected a list of endpoint objects, got \(other.kindDescription)")
            }
            var providers: [ProviderConfig] = []
            for (endpoint, path) in endpoints {
                guard let provider = readEndpoint(endpoint, model: name, at: path, &reader) else { continue }
                ids.append((provider.id, path))
                providers.append(provider)
            }
            return providers
        }
        guard let models else { return nil }
        return ModelsConfig(format: .sglang, models: models)
    }

    /// Reads one `{"host": …, "port": …, "health_check_path": …}` endpoint of model `model`.
    private static func readEndpoint(
        _ value: JSON, model: String, at path: ConfigProblem.Path, _ reader: inout ConfigReader
    ) -> ProviderConfig? {
        guard let object = reader.object(value, at: path, what: "an endpoint object with \"host\" and \"port\"") else { return nil }
        let before = reader.problems.count
        var host = reader.string(object, "host", at: path, required: true)?.trimmingASCIIWhitespace()
        while host?.hasSuffix("/") == true { host?.removeLast() }
        let port = reader.integer(object, "port", at: path)
        switch object["port"] {
        case nil: reader.report(path.key("port"), "missing required key \"port\"")
        case .null?: reader.report(path.key("port"), "expected a port number, got null")
        default: break
        }
        if let port, !(1...65535).contains(port) {
            reader.report(path.key("port"), "must be within 1...65535, got \(port)")
        }
        let healthCheckPath = reader.healthCheckPath(object, at: path)
        // Not in SGLang's own example, but the same keys as llm-router's providers, so that `weighted` and
        // `first_available` mean something for SGLang configs too.
        let weight = reader.weight(object, at: path)
        let nworkers = reader.nworkers(object, at: path)
        let token = reader.apiKey(object, at: path)
        guard reader.problems.count == before, let host, let port else { return nil }

        // A host may carry its scheme ("https://h"); otherwise SGLang workers speak plain HTTP.
        var base = host.contains("://") ? host : "http://" + host
        if !host.contains("://"), host.contains(":"), !host.hasPrefix("[") { base = "http://[\(host)]" }
        guard let url = reader.baseURL("\(base):\(port)", at: path.key("host")) else { return nil }
        return ProviderConfig(
            id: "\(model)@\(hostAndPort(url))", apiHost: url, apiType: .sglang, apiToken: token, modelPath: model,
            weight: weight, nworkers: nworkers, healthCheckPath: healthCheckPath)
    }
}
