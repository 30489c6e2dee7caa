/// Where a served model's definition comes from.
package enum ModelSource: Sendable, Equatable {
    /// The models configuration file (of the worker's generation).
    case file
    /// The admin API, at registry `version`; `overridesFile` when the file defines a model of that name too.
    case api(version: Int, overridesFile: Bool)
}

/// The models a worker serves: its generation's file models combined with the model registry (the admin API's
/// changes). The rules, in order, so that no API change is ever dropped without a word:
///
/// 1. A model the API defined replaces the file's model of that name (wherever it stands in the file); one the API
///    deleted hides the file's model. File edits reloaded by HUP therefore never undo an API change: the API
///    entry keeps winning until the API changes that model again.
/// 2. API models the file does not have follow the file's models, in the order they were added.
/// 3. A file model that uses a provider id an API model also uses is left out (a warning says so): the API
///    change wins. Through the API itself this cannot happen (such a change is refused); it can after a HUP, or
///    between routers with different files sharing one Redis.
/// 4. A stored API model that does not read (written by another build) is left out with a warning.
package struct RegistryView: Sendable {
    /// The generation's file models.
    package let file: ModelsConfig
    /// The registry applied.
    package let snapshot: RegistrySnapshot
    /// What the worker serves.
    package private(set) var config: ModelsConfig
    /// Where each served model comes from.
    package private(set) var sources: [String: ModelSource] = [:]
    /// File models deleted through the API, with the version of the deletion.
    package private(set) var hiddenFileModels: [String: Int] = [:]
    /// What rules 3 and 4 left out, for the log.
    package private(set) var warnings: [String] = []

    /// Combines `file` with `snapshot`; `environment` resolves providers' `api_key_name`.
    package init(file: ModelsConfig, snapshot: RegistrySnapshot, environment: @escaping (String) -> String? = ModelDefinition.processEnvironment) {
        self.file = file
        self.snapshot = snapshot
        var api: [String: (ModelConfig, Int)] = [:]
        var deleted: [String: Int] = [:]
        var order: [String] = []
        var apiIDs: [String: String] = [:]  // provider id -> API model
        var warnings: [String] = []
        for entry in snapshot.entries {
            guard let definition = entry.definition else {
                deleted[entry.name] = entry.version
                continue
            }
            do {
                let model = try ModelDefinition.parse(body: definition, name: entry.name, stored: true, environment: environment).model
                if let clash = model.providers.first(where: { apiIDs[$0.id] != nil }) {
                    warnings.append("API model \(ConfigProblem.Path.quoted(entry.name)) (version \(entry.version)) left out: provider id \(ConfigProblem.Path.quoted(clash.id)) is already used by API model \(ConfigProblem.Path.quoted(apiIDs[clash.id]!))")
                    continue
                }
                for provider in model.providers { apiIDs[provider.id] = entry.name }
                api[entry.name] = (model, entry.version)
                order.append(entry.name)
            } catch {
                warnings.append("API model \(ConfigProblem.Path.quoted(entry.name)) (version \(entry.version)) left out: it does not read: \(error.problems.map(\.description).joined(separator: "; "))")
            }
        }
        var models: [ModelConfig] = []
        var sources: [String: ModelSource] = [:]
        var hidden: [String: Int] = [:]
        for model in file.models {
            if let (replacement, version) = api[model.name] {
                models.append(replacement)
                sources[model.name] = .api(version: version, overridesFile: true)
            } else if let version = deleted[model.name] {
                hidden[model.name] = version
            } else if let clash = model.providers.first(where: { apiIDs[$0.id] != nil }) {
                warnings.append("file model \(ConfigProblem.Path.quoted(model.name)) left out: its provider id \(ConfigProblem.Path.quoted(clash.id)) is used by API model \(ConfigProblem.Path.quoted(apiIDs[clash.id]!)) (API changes win; change or delete that model through the API)")
            } else {
                models.append(model)
                sources[model.name] = .file
            }
        }
        for name in order where sources[name] == nil {
            let (model, version) = api[name]!
            models.append(model)
            sources[name] = .api(version: version, overridesFile: false)
        }
        self.config = ModelsConfig(format: file.format, models: models, metricsUpdateInterval: file.metricsUpdateInterval)
        self.sources = sources
        self.hiddenFileModels = hidden
        self.warnings = warnings
    }

    /// Whether `name` is served (from the file or the API).
    package func serves(_ name: String) -> Bool { config.model(named: name) != nil }

    /// The problems of setting `definition` (POST or PUT), checked against every other served model as
    /// `check-config` checks a file: provider ids unique across all models, and a `fallback_model` that names
    /// another served model without forming a cycle. Paths are the body's.
    package func problems(setting definition: ModelDefinition) -> [ConfigProblem] {
        let name = definition.model.name
        var problems: [ConfigProblem] = []
        var owners: [String: String] = [:]
        for model in config.models where model.name != name {
            for provider in model.providers { owners[provider.id] = model.name }
        }
        for (provider, path) in zip(definition.model.providers, definition.providerPaths) {
            if let owner = owners[provider.id] {
                problems.append(ConfigProblem(path, "duplicate provider id \(ConfigProblem.Path.quoted(provider.id)); already used by model \(ConfigProblem.Path.quoted(owner))"))
            }
        }
        if let target = definition.model.fallbackModel {
            let path = ConfigProblem.Path.root.key("fallback_model")
            var candidate = config
            if let index = candidate.models.firstIndex(where: { $0.name == name }) {
                candidate.models[index] = definition.model
            } else {
                candidate.models.append(definition.model)
            }
            if target == name {
                problems.append(ConfigProblem(path, "fallback_model refers to the model itself"))
            } else if candidate.model(named: target) == nil {
                problems.append(ConfigProblem(path, "fallback_model \(ConfigProblem.Path.quoted(target)) names an unknown model"))
            } else {
                let chain = candidate.fallbackChain(from: name)
                if let last = chain.last, last.fallbackModel == name {
                    problems.append(ConfigProblem(path, "fallback_model cycle: \((chain.map(\.name) + [name]).joined(separator: " -> "))"))
                }
            }
        }
        return problems
    }

    /// The problems of deleting `name`: models whose `fallback_model` names it would be left pointing nowhere.
    package func problems(deleting name: String) -> [ConfigProblem] {
        config.models.filter { $0.name != name && $0.fallbackModel == name }.map { model in
            ConfigProblem(.root, "model \(ConfigProblem.Path.quoted(model.name)) falls back to \(ConfigProblem.Path.quoted(name)); change its fallback_model first")
        }
    }
}
