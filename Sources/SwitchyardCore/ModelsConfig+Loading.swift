#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension ModelsConfig {
    /// Parses and validates; throws ConfigError listing EVERY problem found (not just the first).
    ///
    /// The format is detected: `active_models` at the top level means llm-router, `llms` the Go load balancer's;
    /// otherwise a `models` object whose entries have `servers` means LLMStream and entries with
    /// `endpoint`/`endpoints` mean SGLang. A file whose first character is not `{` or `[` is read as YAML
    /// (libyaml), any of the four formats; the Go balancer's is YAML by nature.
    package static func parse(_ data: [UInt8], file: String? = nil) throws(ConfigError) -> ModelsConfig {
        var reader = ConfigReader()
        let root: JSON
        let yaml = YAMLReader.looksLikeYAML(data)
        if yaml {
            guard let document = YAMLReader.parse(data, problems: &reader.problems) else {
                throw ConfigError(file: file, problems: reader.problems)
            }
            root = document
        } else {
            do {
                root = try parseJSON(data, duplicates: &reader.problems)
            } catch {
                throw ConfigError(file: file, problems: [ConfigProblem(
                    .root, "invalid JSON at line \(error.line), column \(error.column) (byte offset \(error.offset)): \(error.message)")])
            }
        }
        guard case .object(let top) = root else {
            throw ConfigError(file: file, problems: [ConfigProblem(
                .root, "expected \(yaml ? "a YAML mapping" : "a JSON object") at the top level, got \(root.kindDescription)")])
        }
        let config: ModelsConfig?
        switch detectFormat(top) {
        case .llmRouter?: config = readLLMRouter(top, &reader)
        case .llmStream?: config = readLLMStream(top, &reader)
        case .sglang?: config = readSGLang(top, &reader)
        case .llmBalancer?: config = readLLMBalancer(top, &reader)
        case nil:
            reader.report(.root, """
                unrecognised models config format; expected one of: llm-router (model groups plus "active_models": \
                {GROUP: [MODEL, …]}), LLMStream ({"models": {MODEL: {"servers": ["http://host:port", …]}}}), SGLang \
                router ({"models": {MODEL: {"endpoint": {"host": …, "port": …}}}}) or the Go load balancer's YAML \
                (general: …, llms: [{name: …, model: …, base_url: …}, …])
                """)
            config = nil
        }
        if var config, reader.problems.isEmpty {
            config.warnings = reader.warnings
            return config
        }
        throw ConfigError(file: file, problems: reader.problems)
    }

    /// Reads and parses the file at `path`; an unreadable file is a ConfigError with one problem at `$`.
    package static func load(path: String) throws(ConfigError) -> ModelsConfig {
        try parse(read(path: path), file: path)
    }

    /// The bytes of the file at `path`, for ``parse(_:file:)``; an unreadable file is a ConfigError with one
    /// problem at `$`. The supervisor reads once per generation and hands these exact bytes to its workers.
    package static func read(path: String) throws(ConfigError) -> [UInt8] {
        switch FileContents.read(path) {
        case .success(let contents): return contents
        case .failure(let reason):
            throw ConfigError(file: path, problems: [ConfigProblem(.root, "cannot read the file: \(reason)")])
        }
    }

    /// The format `top` is written in, or nil when it matches none.
    static func detectFormat(_ top: JSON.Object) -> ConfigFormat? {
        if top.has("active_models") { return .llmRouter }
        if top.has("llms") { return .llmBalancer }
        guard case .object(let models)? = top["models"] else { return nil }
        let entries = models.members.compactMap { member -> JSON.Object? in
            if case .object(let entry) = member.value { return entry }
            return nil
        }
        if entries.contains(where: { $0.has("servers") }) { return .llmStream }
        if entries.contains(where: { $0.has("endpoint") || $0.has("endpoints") }) { return .sglang }
        return nil
    }
}

/// Collects problems while reading configuration values, so one pass reports every mistake.
struct ConfigReader {
    typealias JSON = ModelsConfig.JSON
    typealias Path = ConfigProblem.Path

    /// Problems so far, in the order found.
    var problems: [ConfigProblem] = []
    /// Looks up the environment variable a provider's `api_key_name` names.
    var environment: (String) -> String? = ModelDefinition.processEnvironment
    /// Whether an `api_key_name` naming an unset variable is a problem (files, admin API changes), rather than
    /// only leaving the provider without a token (a stored API model applied on another router).
    var requireKeyVariables = true
    /// Whether `api_token` is refused (admin API bodies: tokens must not reach Redis).
    var refuseTokens = false

    /// Whether `name` can be an environment variable name: `[A-Za-z_][A-Za-z0-9_]*`, at most 128 bytes.
    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 128, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x5F }
    }

    /// Things that do not stop the configuration from loading (unknown keys), in the order found.
    var warnings: [ConfigProblem] = []

    /// Records a warning at `path`.
    mutating func warn(_ path: Path, _ message: String) {
        warnings.append(ConfigProblem(path, message))
    }

    /// Records a problem at `path`.
    mutating func report(_ path: Path, _ message: String) {
        problems.append(ConfigProblem(path, message))
    }

    /// The provider's key: `api_token` as written, or the value of the environment variable `api_key_name` names
    /// (read now, so at start-up and on every reload). A missing or empty variable, or both keys at once, is a
    /// problem. Messages name the variable, never its value.
    mutating func apiKey(_ object: JSON.Object, at path: Path) -> String {
        let token = string(object, "api_token", at: path) ?? ""
        if refuseTokens && !token.isEmpty {
            report(path.key("api_token"), """
                provider tokens are not accepted through the admin API (the registry is stored in Redis and shown to \
                every router); put the token in an environment variable of every router and name it in "api_key_name"
                """)
            return ""
        }
        guard let name = string(object, "api_key_name", at: path)?.trimmingASCIIWhitespace() else { return token }
        let keyPath = path.key("api_key_name")
        guard token.isEmpty else {
            report(keyPath, "give either \"api_token\" or \"api_key_name\", not both")
            return token
        }
        guard Self.isEnvironmentName(name) else {
            report(keyPath, "expected an environment variable name (letters, digits, _), got \(Path.quoted(name))")
            return ""
        }
        if let value = environment(name), !value.isEmpty { return value }
        if requireKeyVariables {
            report(keyPath, "environment variable \(Path.quoted(name)) is not set or empty on this router (it should hold the provider's key)")
        }
        return ""
    }

    /// `value` as an object, reporting anything else.
    mutating func object(_ value: JSON, at path: Path, what: String = "an object") -> JSON.Object? {
        if case .object(let object) = value { return object }
        report(path, "expected \(what), got \(value.kindDescription)")
        return nil
    }

    /// A string member. Missing or null is nil (reported when `required`); a required string must not be empty.
    mutating func string(_ object: JSON.Object, _ key: String, at path: Path, required: Bool = false) -> String? {
        let keyPath = path.key(key)
        switch object[key] {
        case nil:
            if required { report(keyPath, "missing required key \"\(key)\"") }
            return nil
        case .null?:
            if required { report(keyPath, "expected a non-empty string, got null") }
            return nil
        case .string(let text)?:
            if required && text.trimmingASCIIWhitespace().isEmpty {
                report(keyPath, "must not be empty")
                return nil
            }
            return text
        case let other?:
            report(keyPath, "expected a string, got \(other.kindDescription)")
            return nil
        }
    }

    /// A number member (a numeric string is accepted too, as llm-router converts with `float()`); nil when
    /// missing, null or wrong (reported).
    mutating func number(_ object: JSON.Object, _ key: String, at path: Path) -> Double? {
        let keyPath = path.key(key)
        switch object[key] {
        case nil, .null?: return nil
        case .number(_, let value)?: return value
        case .string(let text)?:
            if let value = Double(text.trimmingASCIIWhitespace()), value.isFinite { return value }
            report(keyPath, "expected a number, got \(JSON.string(text).kindDescription)")
            return nil
        case let other?:
            report(keyPath, "expected a number, got \(other.kindDescription)")
            return nil
        }
    }

    /// An integer member (integral numbers and numeric strings such as `"32768"` are accepted); nil when missing,
    /// null or wrong (reported).
    mutating func integer(_ object: JSON.Object, _ key: String, at path: Path) -> Int? {
        let keyPath = path.key(key)
        switch object[key] {
        case nil, .null?: return nil
        case .number(let text, let value)?:
            if let exact = Int(text) { return exact }
            if value.rounded() == value, abs(value) < 9.0e15 { return Int(value) }
            report(keyPath, "expected a whole number, got \(text)")
            return nil
        case .string(let text)?:
            if let exact = Int(text.trimmingASCIIWhitespace()) { return exact }
            report(keyPath, "expected a whole number, got \(JSON.string(text).kindDescription)")
            return nil
        case let other?:
            report(keyPath, "expected a whole number, got \(other.kindDescription)")
            return nil
        }
    }

    /// A boolean member; nil when missing or null, reported when not `true`/`false`.
    mutating func bool(_ object: JSON.Object, _ key: String, at path: Path) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?:
            report(path.key(key), "expected true or false, got \(other.kindDescription)")
            return nil
        }
    }

    /// A per-model `strategy` member, checked against the known strategy names.
    mutating func strategy(_ object: JSON.Object, at path: Path) -> String? {
        guard let name = string(object, "strategy", at: path) else { return nil }
        guard let known = StrategyName(parsing: name) else {
            report(path.key("strategy"), "unknown strategy \(ConfigProblem.Path.quoted(name)); valid: \(StrategyName.validNames)")
            return nil
        }
        return known.rawValue
    }

    /// A per-model `metrics_update_interval` member: seconds, > 0 (reported otherwise); nil when absent.
    mutating func metricsInterval(_ object: JSON.Object, at path: Path) -> Double? {
        guard let value = number(object, "metrics_update_interval", at: path) else { return nil }
        guard value > 0 else {
            report(path.key("metrics_update_interval"), "must be > 0 seconds, got \(value)")
            return nil
        }
        return value
    }

    /// A provider's `weight`: a number > 0 (not clamped to 1, unlike llm-router) and at most ``maxWeight``; 1 when
    /// missing, null or wrong (reported). Zero is refused rather than meaning "never": leave such a provider out
    /// of the list instead.
    mutating func weight(_ object: JSON.Object, at path: Path) -> Double {
        guard let weight = number(object, "weight", at: path) else { return 1 }
        // Whole numbers are shown as written ("0", not "0.0").
        let shown = weight.rounded() == weight && abs(weight) < 1e15 ? String(Int(weight)) : String(weight)
        guard weight > 0 else {
            report(path.key("weight"), "must be > 0, got \(shown)")
            return 1
        }
        guard weight <= Self.maxWeight else {
            report(path.key("weight"), "must be at most \(Int(Self.maxWeight)), got \(shown)")
            return 1
        }
        return weight
    }

    /// The largest accepted `weight`: weighted round robin adds weights up in floating point, which stays exact
    /// for whole weights far beyond this, and only ratios matter.
    static let maxWeight: Double = 1_000_000

    /// A provider's `nworkers` (concurrent slots for `first_available`): a whole number >= 1; 1 when missing, null
    /// or wrong (reported).
    mutating func nworkers(_ object: JSON.Object, at path: Path) -> Int {
        guard let count = integer(object, "nworkers", at: path) else { return 1 }
        guard count >= 1 else {
            report(path.key("nworkers"), "must be >= 1, got \(count)")
            return 1
        }
        return count
    }

    /// The smallest accepted context window: no chat request with a reply fits in less.
    static let minContextLength = 100

    /// A provider's admission limits, shared by every format: `rpm`, `tpm` (whole numbers >= 1), `context_length`
    /// (alias `input_size`; >= 100 tokens, `input_size: 0` meaning unknown as in llm-router) and `max_concurrency`
    /// (alias `nworkers`, which also sets the `first_available` slots). Problems are reported at their paths.
    mutating func limits(_ object: JSON.Object, at path: Path, rpmKey: String = "rpm", tpmKey: String = "tpm") -> ProviderLimits {
        var limits = ProviderLimits()
        limits.rpm = positive(object, rpmKey, at: path)
        limits.tpm = positive(object, tpmKey, at: path)
        let context = integer(object, "context_length", at: path)
        let inputSize = integer(object, "input_size", at: path)
        if let context, let inputSize, context != inputSize {
            report(path.key("input_size"), "differs from context_length (\(context)); they are the same setting, give one")
        }
        if let context {
            if context < Self.minContextLength {
                report(path.key("context_length"), "must be at least \(Self.minContextLength) tokens, got \(context)")
            } else {
                limits.contextLength = context
            }
        } else if let inputSize {
            if inputSize < 0 {
                report(path.key("input_size"), "must be >= 0, got \(inputSize)")
            } else if inputSize > 0 && inputSize < Self.minContextLength {
                report(path.key("input_size"), "must be 0 (unknown) or at least \(Self.minContextLength) tokens, got \(inputSize)")
            } else {
                limits.contextLength = inputSize
            }
        }
        let maxConcurrency = positive(object, "max_concurrency", at: path)
        var nworkers: Int?
        switch object["nworkers"] {
        case nil, .null?: break
        default: nworkers = self.nworkers(object, at: path)
        }
        if let maxConcurrency, let nworkers, maxConcurrency != nworkers {
            report(path.key("nworkers"), "differs from max_concurrency (\(maxConcurrency)); nworkers is its alias, give one")
        }
        limits.maxConcurrency = maxConcurrency ?? nworkers
        limits.slots = limits.maxConcurrency ?? 1
        return limits
    }

    /// A whole number >= 1 under `key`; nil when missing, null or wrong (reported).
    mutating func positive(_ object: JSON.Object, _ key: String, at path: Path) -> Int? {
        guard let value = integer(object, key, at: path) else { return nil }
        guard value >= 1 else {
            report(path.key(key), "must be a whole number >= 1, got \(value)")
            return nil
        }
        return value
    }

    /// Checks `text` as a provider base URL: `http`/`https` with a host, no query or fragment. Returns it without
    /// trailing `/` or surrounding whitespace; reports and returns nil otherwise.
    mutating func baseURL(_ text: String, at path: Path) -> String? {
        var host = text.trimmingASCIIWhitespace()
        while host.hasSuffix("/") { host.removeLast() }
        guard let url = URLParts(parsing: host), url.scheme.lowercased() == "http" || url.scheme.lowercased() == "https" else {
            report(path, "expected an http:// or https:// URL, got \(ConfigProblem.Path.quoted(text))")
            return nil
        }
        guard let name = url.decodedHost, !name.isEmpty, name != "[]" else {  // "[]": brackets around nothing
            report(path, "URL \(ConfigProblem.Path.quoted(text)) has no host")
            return nil
        }
        if let port = url.port {
            // An overflowing port is out of range too (URLComponents used to ignore it and take the default).
            guard let number = Int(port), (1...65535).contains(number) else {
                report(path, "URL \(ConfigProblem.Path.quoted(text)) has port \(Int(port).map(String.init) ?? port) outside 1...65535")
                return nil
            }
        }
        if url.query != nil || url.fragment != nil {
            report(path, "URL \(ConfigProblem.Path.quoted(text)) must not have a query or fragment")
            return nil
        }
        return host
    }

    /// A `health_check_path` member: a string starting with `/`.
    mutating func healthCheckPath(_ object: JSON.Object, at path: Path) -> String? {
        guard let value = string(object, "health_check_path", at: path) else { return nil }
        guard value.hasPrefix("/") else {
            report(path.key("health_check_path"), "must start with \"/\", got \(ConfigProblem.Path.quoted(value))")
            return nil
        }
        return value
    }

    /// Reports every provider id used more than once (at the later uses, naming the first).
    mutating func checkUniqueIDs(_ providers: [(id: String, path: Path)]) {
        var first: [String: Path] = [:]
        for (id, path) in providers {
            if let earlier = first[id] {
                report(path, "duplicate provider id \(ConfigProblem.Path.quoted(id)); already used at \(earlier)")
            } else {
                first[id] = path
            }
        }
    }
}

/// The admission limits read from one provider entry (see ``ConfigReader/limits(_:at:)``).
struct ProviderLimits {
    var rpm: Int?
    var tpm: Int?
    /// 0 = unknown.
    var contextLength = 0
    var maxConcurrency: Int?
    /// `first_available` slots: the concurrency cap, else 1.
    var slots = 1

    /// Copies the limits into `provider`.
    func apply(to provider: inout ProviderConfig) {
        provider.rpm = rpm
        provider.tpm = tpm
        provider.inputSize = contextLength
        provider.maxConcurrency = maxConcurrency
        provider.nworkers = slots
    }
}
