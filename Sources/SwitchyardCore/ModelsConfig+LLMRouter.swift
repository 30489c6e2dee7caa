// llm-router's models-config.json: top-level model groups {GROUP: {MODEL: {...}}} plus
// "active_models": {GROUP: [MODEL, ...]}. Only active models exist; everything else is ignored (not validated),
// as in llm-router, so a file can keep inactive drafts.

extension ModelsConfig {
    /// Reads the llm-router format; nil when the structure is too broken to go on (problems are in `reader`).
    static func readLLMRouter(_ top: JSON.Object, _ reader: inout ConfigReader) -> ModelsConfig? {
        let activePath = ConfigProblem.Path.root.key("active_models")
        guard let active = reader.object(top["active_models"] ?? .null, at: activePath,
                                         what: "an object mapping group names to lists of model names")
        else { return nil }

        var models: [ModelConfig] = []
        var activeNames: [String: ConfigProblem.Path] = [:]
        var fallbacks: [(model: String, target: String, path: ConfigProblem.Path)] = []
        var ids: [(id: String, path: ConfigProblem.Path)] = []

        for (group, list) in active.members {
            let listPath = activePath.key(group)
            guard case .array(let names) = list else {
                reader.report(listPath, "expected a list of model names, got \(list.kindDescription)")
                continue
            }
            let groupPath = ConfigProblem.Path.root.key(group)
            let groupObject: JSON.Object?
            switch top[group] {
            case nil:
                reader.report(listPath, "group \(ConfigProblem.Path.quoted(group)) is not defined at the top level")
                continue
            case let value?:
                groupObject = reader.object(value, at: groupPath, what: "an object mapping model names to models")
            }
            guard let groupObject else { continue }

            for (position, entry) in names.enumerated() {
                let entryPath = listPath.index(position)
                guard case .string(let name) = entry, !name.isEmpty else {
                    reader.report(entryPath, "expected a model name (non-empty string), got \(entry.kindDescription)")
                    continue
                }
                if let earlier = activeNames[name] {
                    reader.report(entryPath, "model \(ConfigProblem.Path.quoted(name)) is already active (listed at \(earlier))")
                    continue
                }
                guard let value = groupObject[name] else {
                    reader.report(entryPath, "model \(ConfigProblem.Path.quoted(name)) is not defined in group \(ConfigProblem.Path.quoted(group)) (\(groupPath))")
                    continue
                }
                activeNames[name] = entryPath
                let modelPath = groupPath.key(name)
                guard let object = reader.object(value, at: modelPath, what: "a model object with a \"providers\" list") else { continue }
                if let target = reader.string(object, "fallback_model", at: modelPath) {
                    fallbacks.append((name, target, modelPath.key("fallback_model")))
                }
                if let model = readModel(name: name, object, at: modelPath, &reader, ids: &ids) {
                    models.append(model)
                }
            }
        }
        reader.checkUniqueIDs(ids)
        checkFallbacks(fallbacks, active: activeNames, top: top, &reader)
        return ModelsConfig(format: .llmRouter, models: models)
    }

    /// Reads one model object; collects its provider ids (with paths) into `ids`.
    static func readModel(
        name: String, _ object: JSON.Object, at path: ConfigProblem.Path, _ reader: inout ConfigReader,
        ids: inout [(id: String, path: ConfigProblem.Path)]
    ) -> ModelConfig? {
        let fallback = object["fallback_model"].flatMap { value -> String? in
            if case .string(let target) = value, !target.isEmpty { return target }
            return nil
        }
        let strategy = reader.strategy(object, at: path)
        let interval = reader.metricsInterval(object, at: path)
        let providersPath = path.key("providers")
        guard let value = object["providers"] else {
            reader.report(providersPath, "missing required key \"providers\" (a non-empty list of providers)")
            return nil
        }
        guard case .array(let list) = value else {
            reader.report(providersPath, "expected a list of providers, got \(value.kindDescription)")
            return nil
        }
        guard !list.isEmpty else {
            reader.report(providersPath, "must list at least one provider")
            return nil
        }
        let before = reader.problems.count
        var providers: [ProviderConfig] = []
        for (position, entry) in list.enumerated() {
            let providerPath = providersPath.index(position)
            guard let providerObject = reader.object(entry, at: providerPath, what: "a provider object") else { continue }
            if case .string(let id)? = providerObject["id"], !id.isEmpty { ids.append((id, providerPath.key("id"))) }
            if let provider = readProvider(providerObject, model: name, at: providerPath, &reader) {
                providers.append(provider)
            }
        }
        guard reader.problems.count == before else { return nil }
        return ModelConfig(name: name, providers: providers, fallbackModel: fallback, strategy: strategy, metricsUpdateInterval: interval)
    }

    /// Reads one provider object of model `model` (keys as in llm-router; unknown keys such as `publisher` are
    /// listing-only there and ignored here).
    private static func readProvider(
        _ object: JSON.Object, model: String, at path: ConfigProblem.Path, _ reader: inout ConfigReader
    ) -> ProviderConfig? {
        let before = reader.problems.count
        let id = reader.string(object, "id", at: path, required: true)
        let host = reader.string(object, "api_host", at: path, required: true)
            .flatMap { reader.baseURL($0, at: path.key("api_host")) }
        var apiType: APIType?
        if let typeName = reader.string(object, "api_type", at: path, required: true) {
            apiType = APIType(parsing: typeName)
            if apiType == nil {
                reader.report(path.key("api_type"), "unknown api_type \(ConfigProblem.Path.quoted(typeName)); valid: \(APIType.validNames)")
            }
        }
        let token = reader.apiKey(object, at: path)
        let modelPath = reader.string(object, "model_path", at: path).map { $0.trimmingASCIIWhitespace() } ?? ""
        let weight = reader.weight(object, at: path)
        let limits = reader.limits(object, at: path)
        let toolCalling = reader.bool(object, "tool_calling", at: path) ?? false
        let keepAlive = readKeepAlive(object, at: path, &reader)
        let healthCheckPath = reader.healthCheckPath(object, at: path)

        guard reader.problems.count == before, let id, let host, let apiType else { return nil }
        var provider = ProviderConfig(
            id: id, apiHost: host, apiType: apiType, apiToken: token,
            modelPath: modelPath.isEmpty ? model : modelPath, weight: weight,
            keepAlive: keepAlive, toolCalling: toolCalling, healthCheckPath: healthCheckPath)
        limits.apply(to: &provider)
        return provider
    }

    /// `keep_alive`: a duration string (`"90s"`, `"35m"`, `"2h"`, bare digits = seconds) or a whole number of
    /// seconds, normalised to a string.
    private static func readKeepAlive(_ object: JSON.Object, at path: ConfigProblem.Path, _ reader: inout ConfigReader) -> String? {
        let keyPath = path.key("keep_alive")
        switch object["keep_alive"] {
        case nil, .null?: return nil
        case .string(let text)?:
            let trimmed = text.trimmingASCIIWhitespace()
            if trimmed.isEmpty { return nil }
            guard ProviderConfig.durationSeconds(trimmed) != nil else {
                reader.report(keyPath, "expected a duration such as \"90s\", \"35m\" or \"2h\", got \(ConfigProblem.Path.quoted(text))")
                return nil
            }
            return trimmed
        case .number(let text, _)?:
            guard let seconds = Int(text), seconds >= 0 else {
                reader.report(keyPath, "expected a duration such as \"90s\", \"35m\" or \"2h\", got \(text)")
                return nil
            }
            return "\(seconds)s"
        case let other?:
            reader.report(keyPath, "expected a duration such as \"90s\", \"35m\" or \"2h\", got \(other.kindDescription)")
            return nil
        }
    }

    /// Checks every `fallback_model`: it must name another active model, and following the chain must end.
    private static func checkFallbacks(
        _ fallbacks: [(model: String, target: String, path: ConfigProblem.Path)],
        active: [String: ConfigProblem.Path], top: JSON.Object, _ reader: inout ConfigReader
    ) {
        var next: [String: String] = [:]
        for (model, target, path) in fallbacks {
            if target == model {
                reader.report(path, "fallback_model refers to the model itself")
            } else if active[target] == nil {
                let definedSomewhere = top.members.contains { member in
                    if case .object(let group) = member.value, member.key != "active_models" { return group.has(target) }
                    return false
                }
                reader.report(path, definedSomewhere
                    ? "fallback_model \(ConfigProblem.Path.quoted(target)) is not an active model (add it to active_models)"
                    : "fallback_model \(ConfigProblem.Path.quoted(target)) names an unknown model")
            } else {
                next[model] = target
            }
        }
        // A chain a -> b -> ... that returns to a is a cycle; report each cycle once, at its first model in file order.
        var reported: Set<String> = []
        for (model, _, path) in fallbacks where !reported.contains(model) {
            var chain = [model]
            var current = model
            while let target = next[current], chain.count <= next.count {
                if target == model {
                    reported.formUnion(chain)
                    reader.report(path, "fallback_model cycle: \((chain + [model]).joined(separator: " -> "))")
                    break
                }
                if chain.contains(target) { break }  // a cycle further down the chain, reported from its own member
                chain.append(target)
                current = target
            }
        }
    }
}
