#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One model as the admin API takes it (`POST /admin/models`, `PUT /admin/models/{name}`) and as the model
/// registry stores it: LLMStream's `{"model_name", "servers": [URL…], "strategy"}` or
/// `{"model_name", "providers": [llm-router provider objects]}`, either with an optional `fallback_model`.
///
/// A body is read by the same readers as a models file (`check-config`), so it gets the same checks and messages,
/// with JSON paths relative to the body (`$.servers[1]`, `$.providers[0].api_host`). Differences, on purpose:
/// `api_token` is refused (the registry lives in Redis, where no secret may go): a provider that needs a token
/// names an environment variable of the routers in `api_key_name`; unknown top-level keys are problems (a typo
/// must not silently drop a setting).
package struct ModelDefinition: Sendable {
    /// The model, providers resolved (an `api_key_name`'s token read from the environment).
    package var model: ModelConfig
    /// The definition as the registry stores it: the body's members with `model_name` first, compact JSON. Never
    /// holds a token.
    package var stored: [UInt8]
    /// Where each provider of ``model`` came from in the body (`$.servers[i]`, `$.providers[i].id`), for problems
    /// found against the rest of the registry.
    package var providerPaths: [ConfigProblem.Path]

    /// The keys a body may have.
    static let keys: Set<String> = ["model_name", "servers", "providers", "strategy", "fallback_model"]

    /// The longest accepted model name, in bytes.
    package static let maxNameBytes = 256

    /// Reads `body`. `name` is the model named by the path (PUT, or a stored entry): the body's `model_name` may be
    /// left out, and must match when given. Without `name` (POST) `model_name` is required.
    ///
    /// `stored`: the body comes from the registry rather than an admin call: an `api_key_name` whose variable is
    /// unset here leaves the provider without a token instead of being a problem (another router may have it).
    package static func parse(
        body: [UInt8], name: String? = nil, stored: Bool = false,
        environment: @escaping (String) -> String? = ModelDefinition.processEnvironment
    ) throws(ConfigError) -> ModelDefinition {
        var reader = ConfigReader()
        reader.environment = environment
        reader.requireKeyVariables = !stored
        reader.refuseTokens = true
        let root = ConfigProblem.Path.root
        let value: JSONValue
        do {
            value = try ModelsConfig.parseJSON(body, duplicates: &reader.problems)
        } catch {
            throw ConfigError(problems: [ConfigProblem(
                .root, "invalid JSON at line \(error.line), column \(error.column) (byte offset \(error.offset)): \(error.message)")])
        }
        guard case .object(let object) = value else {
            throw ConfigError(problems: [ConfigProblem(.root, "expected a JSON object with \"model_name\" and \"servers\" or \"providers\", got \(value.kindDescription)")])
        }
        for member in object.members where !keys.contains(member.key) {
            reader.report(root.key(member.key), "unknown key; a model has \(keys.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        let given = reader.string(object, "model_name", at: root, required: name == nil)
        if let name, let given, given != name {
            reader.report(root.key("model_name"), "must match the model named in the path, \(ConfigProblem.Path.quoted(name)) (a model cannot be renamed; DELETE it and POST the new name)")
        }
        let modelName = name ?? given ?? ""
        if let problem = nameProblem(modelName), name != nil || given != nil {
            reader.report(root.key("model_name"), problem)
        }
        switch object["fallback_model"] {
        case nil, .null?, .string?: break
        case let other?: reader.report(root.key("fallback_model"), "expected a model name, got \(other.kindDescription)")
        }

        var ids: [(id: String, path: ConfigProblem.Path)] = []
        var model: ModelConfig?
        switch (object["servers"], object["providers"]) {
        case (_?, _?):
            reader.report(root, "give either \"servers\" (LLMStream) or \"providers\" (llm-router), not both")
        case (nil, nil):
            reader.report(root, "missing \"servers\" (a list of server URLs) or \"providers\" (a list of provider objects)")
        case (let servers?, nil):
            let strategy = reader.strategy(object, at: root)
            let before = reader.problems.count
            let providers = ModelsConfig.readServers(servers, model: modelName, at: root.key("servers"), &reader, ids: &ids)
            if reader.problems.count == before {
                model = ModelConfig(name: modelName, providers: providers, fallbackModel: fallbackName(object), strategy: strategy)
            }
        case (nil, _?):
            model = ModelsConfig.readModel(name: modelName, object, at: root, &reader, ids: &ids)
        }
        reader.checkUniqueIDs(ids)
        guard reader.problems.isEmpty, let model, ids.count == model.providers.count else {
            throw ConfigError(problems: reader.problems.isEmpty ? [ConfigProblem(.root, "invalid model definition")] : reader.problems)
        }
        var canonical = JSONValue.Object()
        canonical.append("model_name", .string(modelName))
        for member in object.members where member.key != "model_name" { canonical.append(member.key, member.value) }
        var writer = JSONWriter()
        JSONValue.object(canonical).write(to: &writer)
        return ModelDefinition(model: model, stored: writer.bytes, providerPaths: ids.map(\.path))
    }

    /// Looks `name` up in this process' environment.
    package static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// What is wrong with `name` as a model name, or nil: it must not be empty, longer than ``maxNameBytes`` or
    /// hold control characters.
    package static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > maxNameBytes { return "must be at most \(maxNameBytes) bytes long" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "must not contain control characters" }
        return nil
    }

    private static func fallbackName(_ object: JSONValue.Object) -> String? {
        if case .string(let target)? = object["fallback_model"], !target.isEmpty { return target }
        return nil
    }
}
