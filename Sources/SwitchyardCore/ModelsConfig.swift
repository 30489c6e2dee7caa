/// One upstream endpoint serving a model.
package struct ProviderConfig: Sendable, Equatable {
    /// Unique id across all models; the load-balancing key and the name in logs and errors.
    package var id: String
    /// Base URL (`http://` or `https://` with a host), without a trailing `/`; the API path is appended.
    package var apiHost: String
    /// Wire protocol of the provider.
    package var apiType: APIType
    /// Bearer token sent upstream; `""` when none.
    package var apiToken: String
    /// Model name sent upstream in the request's `model` field (the router model name when the config has none).
    package var modelPath: String
    /// Relative weight for weighted strategies, `> 0`. Unlike llm-router it is not clamped to 1.
    package var weight: Double
    /// Context window in tokens (`context_length`, llm-router's `input_size`; `0` = unknown): a request whose
    /// estimated prompt plus `max_tokens` exceeds it is never sent to this provider.
    package var inputSize: Int
    /// Keep-alive duration such as `"90s"`, `"35m"` or `"2h"`, for keep-alive pings.
    package var keepAlive: String?
    /// Whether `tools`/`functions` may be forwarded; when false they are stripped from requests.
    package var toolCalling: Bool
    /// Concurrent request slots for `first_available` (llm-router's `first_available_optim_nworkers`), `>= 1`.
    package var nworkers: Int
    /// Path probed for health (SGLang's `health_check_path`), when configured.
    package var healthCheckPath: String?
    /// Requests per minute the provider accepts (`rpm`; the Go balancer's `requests_per_min`); nil = no limit.
    package var rpm: Int?
    /// Tokens per minute the provider accepts (`tpm`; the Go balancer's `rate_limit`); nil = no limit.
    package var tpm: Int?
    /// In-flight cap (`max_concurrency`; an explicit llm-router `nworkers` means the same); nil = no cap.
    package var maxConcurrency: Int?
    /// Price per 1,000 prompt tokens (the Go balancer's `price`), for the per-request cost in logs and metrics.
    package var price: Double?

    /// Creates a provider; optional settings take llm-router's defaults.
    package init(
        id: String, apiHost: String, apiType: APIType, apiToken: String = "", modelPath: String,
        weight: Double = 1.0, inputSize: Int = 0, keepAlive: String? = nil, toolCalling: Bool = false,
        nworkers: Int = 1, healthCheckPath: String? = nil, rpm: Int? = nil, tpm: Int? = nil,
        maxConcurrency: Int? = nil, price: Double? = nil
    ) {
        self.id = id
        self.apiHost = apiHost
        self.apiType = apiType
        self.apiToken = apiToken
        self.modelPath = modelPath
        self.weight = weight
        self.inputSize = inputSize
        self.keepAlive = keepAlive
        self.toolCalling = toolCalling
        self.nworkers = nworkers
        self.healthCheckPath = healthCheckPath
        self.rpm = rpm
        self.tpm = tpm
        self.maxConcurrency = maxConcurrency
        self.price = price
    }

    /// The context window in tokens, nil when unknown.
    package var contextLength: Int? { inputSize > 0 ? inputSize : nil }

    /// Whether any admission limit (rpm, tpm, max_concurrency) is configured.
    package var hasRateLimits: Bool { rpm != nil || tpm != nil || maxConcurrency != nil }
}

/// A model the router serves, by name, with the providers that serve it.
package struct ModelConfig: Sendable, Equatable {
    /// The name clients put in the request's `model` field.
    package var name: String
    /// Providers serving this model (never empty in a loaded config).
    package var providers: [ProviderConfig]
    /// Active model to try when every provider of this one fails.
    package var fallbackModel: String?
    /// Per-model load-balancing strategy overriding the process-wide one: a ``StrategyName`` raw value.
    package var strategy: String?
    /// Seconds between `/metrics` scrapes of its servers under `real_time_metrics` (the model's own
    /// `metrics_update_interval`, > 0); nil: the configuration's global value.
    package var metricsUpdateInterval: Double?

    /// Creates a model.
    package init(name: String, providers: [ProviderConfig], fallbackModel: String? = nil, strategy: String? = nil, metricsUpdateInterval: Double? = nil) {
        self.name = name
        self.providers = providers
        self.fallbackModel = fallbackModel
        self.strategy = strategy
        self.metricsUpdateInterval = metricsUpdateInterval
    }
}

/// File format a models configuration was written in.
package enum ConfigFormat: String, Sendable {
    /// llm-router's `models-config.json`: model groups plus `active_models`.
    case llmRouter = "llm-router"
    /// LLMStream's `{"models": {NAME: {"servers": [...]}}}`.
    case llmStream = "llmstream"
    /// SGLang router's `{"models": {NAME: {"endpoint": {...}}}}`.
    case sglang = "sglang"
    /// The Go LLM load balancer's YAML: `general` plus an `llms` list.
    case llmBalancer = "llm-balancer"
}

/// The models the router serves, as loaded from a configuration file.
package struct ModelsConfig: Sendable, Equatable {
    /// The format the configuration was read from.
    package var format: ConfigFormat
    /// Models in file order (`active_models` order for the llm-router format).
    package var models: [ModelConfig] {
        didSet {
            index = Self.makeIndex(models)
            usesTokenLimits = Self.anyTokenLimit(models)
        }
    }
    /// Whether some provider has a context window, a TPM limit or a price, so requests need a token estimate.
    package private(set) var usesTokenLimits: Bool
    /// LLMStream's `metrics_update_interval` in seconds, when given.
    package var metricsUpdateInterval: Double?
    /// The Go balancer's `general` section (listen address, port, log level), when given.
    package var general: GeneralSection?
    /// What the loader noticed but accepted (unknown YAML keys), with paths; not part of equality.
    package var warnings: [ConfigProblem] = []

    /// Model name -> position in `models`; rebuilt whenever `models` changes.
    private var index: [String: Int]

    /// Creates a configuration from already validated models.
    package init(format: ConfigFormat, models: [ModelConfig], metricsUpdateInterval: Double? = nil) {
        self.format = format
        self.models = models
        self.metricsUpdateInterval = metricsUpdateInterval
        self.index = Self.makeIndex(models)
        self.usesTokenLimits = Self.anyTokenLimit(models)
    }

    private static func anyTokenLimit(_ models: [ModelConfig]) -> Bool {
        models.contains { $0.providers.contains { $0.contextLength != nil || $0.tpm != nil || $0.price != nil } }
    }

    /// The model called `named`, in O(1).
    package func model(named: String) -> ModelConfig? {
        index[named].map { models[$0] }
    }

    /// The model called `name` followed by its fallbacks (`fallback_model` chain) in order, each at most once.
    /// Empty when `name` is unknown.
    package func fallbackChain(from name: String) -> [ModelConfig] {
        var chain: [ModelConfig] = []
        var seen: Set<String> = []
        var next: String? = name
        while let current = next, seen.insert(current).inserted, let model = model(named: current) {
            chain.append(model)
            next = model.fallbackModel
        }
        return chain
    }

    /// Every provider of every model, in model order.
    package var allProviders: [ProviderConfig] {
        models.flatMap(\.providers)
    }

    /// Configurations are equal when their format, models and metrics interval are.
    package static func == (lhs: ModelsConfig, rhs: ModelsConfig) -> Bool {
        lhs.format == rhs.format && lhs.models == rhs.models && lhs.metricsUpdateInterval == rhs.metricsUpdateInterval
            && lhs.general == rhs.general
    }

    private static func makeIndex(_ models: [ModelConfig]) -> [String: Int] {
        var index: [String: Int] = [:]
        // The first model of a name wins, as in the loader (which rejects duplicates anyway).
        for (position, model) in models.enumerated() where index[model.name] == nil {
            index[model.name] = position
        }
        return index
    }
}

extension ProviderConfig {
    /// `keepAlive` in seconds (`"90s"` -> 90, `"35m"` -> 2100, `"2h"` -> 7200, bare digits are seconds), or nil.
    package var keepAliveSeconds: Double? {
        keepAlive.flatMap(Self.durationSeconds)
    }

    /// Parses a keep-alive duration: digits with an optional unit `s`, `m` or `h`; nil when malformed.
    package static func durationSeconds(_ text: String) -> Double? {
        var digits = Substring(text)
        var unit: Double = 1
        switch digits.last {
        case "s": digits = digits.dropLast()
        case "m": digits = digits.dropLast(); unit = 60
        case "h": digits = digits.dropLast(); unit = 3600
        default: break
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Double(digits) else { return nil }
        return value * unit
    }
}
