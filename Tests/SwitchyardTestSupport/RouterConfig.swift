import Foundation

/// A models configuration in llm-router's format, built in code and rendered to JSON for `serve --config`.
package struct RouterConfig: Sendable {
    /// One upstream provider of a model.
    package struct Provider: Sendable {
        /// Provider id (`provider.id` in logs).
        package var id: String
        /// Base URL, e.g. `http://127.0.0.1:PORT`.
        package var apiHost: String
        /// llm-router `api_type`.
        package var apiType: String = "vllm"
        /// The model name the upstream expects.
        package var modelPath: String = "mock-model"
        /// Bearer token sent upstream, if any.
        package var apiToken: String?
        /// `weight` for the weighted strategies; left out when nil (1).
        package var weight: Double?
        /// `nworkers` slots for `first_available`; left out when nil (1).
        package var nworkers: Int?

        /// Creates a provider entry.
        package init(
            id: String, apiHost: String, apiType: String = "vllm", modelPath: String = "mock-model", apiToken: String? = nil,
            weight: Double? = nil, nworkers: Int? = nil
        ) {
            self.id = id
            self.apiHost = apiHost
            self.apiType = apiType
            self.modelPath = modelPath
            self.apiToken = apiToken
            self.weight = weight
            self.nworkers = nworkers
        }
    }

    /// One model clients can ask for.
    package struct Model: Sendable {
        /// The name clients use.
        package var name: String
        /// Its providers, in configuration order.
        package var providers: [Provider]
        /// Model tried when every provider fails.
        package var fallbackModel: String?
        /// The model's own load-balancing strategy; left out when nil (the global one applies).
        package var strategy: String?

        /// Creates a model entry.
        package init(_ name: String, providers: [Provider], fallbackModel: String? = nil, strategy: String? = nil) {
            self.name = name
            self.providers = providers
            self.fallbackModel = fallbackModel
            self.strategy = strategy
        }
    }

    /// The models, all in one group and all active.
    package var models: [Model]
    /// The llm-router group name.
    package var group: String = "group"

    /// Creates a configuration with `models`.
    package init(_ models: [Model]) {
        self.models = models
    }

    /// A configuration with one model.
    package static func single(_ name: String, providers: [Provider], fallbackModel: String? = nil, strategy: String? = nil) -> RouterConfig {
        RouterConfig([Model(name, providers: providers, fallbackModel: fallbackModel, strategy: strategy)])
    }

    /// The llm-router JSON: `{"GROUP": {"MODEL": {"providers": [...]}}, "active_models": {"GROUP": [...]}}`.
    package var json: String {
        var modelsObject: [String: Any] = [:]
        for model in models {
            var entry: [String: Any] = [
                "providers": model.providers.map { provider -> [String: Any] in
                    var object: [String: Any] = [
                        "id": provider.id, "api_host": provider.apiHost,
                        "api_type": provider.apiType, "model_path": provider.modelPath,
                    ]
                    if let token = provider.apiToken { object["api_token"] = token }
                    if let weight = provider.weight { object["weight"] = weight }
                    if let nworkers = provider.nworkers { object["nworkers"] = nworkers }
                    return object
                },
            ]
            if let fallback = model.fallbackModel { entry["fallback_model"] = fallback }
            if let strategy = model.strategy { entry["strategy"] = strategy }
            modelsObject[model.name] = entry
        }
        let document: [String: Any] = [group: modelsObject, "active_models": [group: models.map(\.name)]]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
