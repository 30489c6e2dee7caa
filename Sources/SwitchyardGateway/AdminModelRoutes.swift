import SwitchyardCore
import SwitchyardHTTP

/// The admin models API (LLMStream's paths and bodies), behind the admin token (``Gateway`` checks it with
/// ``AdminAccess`` for every `/admin` path before routing):
///
/// | | |
/// |---|---|
/// | `GET /admin/models` | every served model with its source (`file` or `api`), the registry version and store |
/// | `GET /admin/models/{name}` | one model |
/// | `POST /admin/models` | add a model: `{"model_name", "servers": [URL…], "strategy"}` or `{"model_name", "providers": [llm-router providers]}`, optional `fallback_model`; 201, or 409 when the name is served |
/// | `PUT /admin/models/{name}` | replace a served model (the same body; `model_name` optional); 404 when unknown |
/// | `DELETE /admin/models/{name}` | stop serving a model (also one from the file); 404 when unknown |
///
/// Every change is checked as `check-config` checks a file (400 listing every problem with its JSON path in the
/// body) and committed through the worker's ``ModelRegistry``. Provider tokens never appear in an answer (a
/// provider shows `has_token`); hosts do.
final class AdminModelRoutes {
    private unowned let gateway: Gateway
    private static let prefix = "/admin/models/"

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    func register(in table: RouteTable) {
        table.add("/admin/models", name: "admin_models", method: "GET") { _, response in self.list(response) }
        table.add("/admin/models", name: "admin_models", method: "POST") { request, response in self.create(request, response) }
        for method in ["GET", "PUT", "DELETE"] {
            table.addPrefix(Self.prefix, name: "admin_model", method: method) { request, response in
                self.one(method, request, response)
            }
        }
    }

    // MARK: handlers

    private func list(_ response: HTTPServerResponse) {
        let registry = gateway.registry!
        let view = registry.view
        var out = JSONWriter(capacity: 1024)
        out.raw("{\"version\":")
        out.number(view.snapshot.version)
        out.raw(",\"store\":")
        out.string(registry.store.kind)
        out.raw(",\"models\":[")
        for (index, model) in view.config.models.enumerated() {
            if index > 0 { out.raw(",") }
            write(model, source: view.sources[model.name] ?? .file, to: &out)
        }
        out.raw("],\"deleted_file_models\":[")
        for (index, name) in view.hiddenFileModels.keys.sorted().enumerated() {
            if index > 0 { out.raw(",") }
            out.string(name)
        }
        out.raw("]}")
        gateway.sendLocal(response, route: "admin_models", body: out.bytes, headers: Self.noStore)
    }

    private func create(_ request: HTTPRequest, _ response: HTTPServerResponse) {
        let definition: ModelDefinition
        do {
            definition = try ModelDefinition.parse(body: request.body)
        } catch {
            return refuse(response, route: "admin_models", ModelRegistry.Refusal(error: ModelRegistry.invalidDefinition(error.problems), problems: error.problems))
        }
        commit(.create(definition), response, route: "admin_models", status: 201)
    }

    private func one(_ method: String, _ request: HTTPRequest, _ response: HTTPServerResponse) {
        let raw = String(request.head.path.dropFirst(Self.prefix.count))
        guard let name = URLParts.percentDecoded(raw), ModelDefinition.nameProblem(name) == nil else {
            return gateway.finishLocally(response, route: "admin_model", error: .invalidRequest("The model name in the path is not valid.", param: "model_name", code: "invalid_model_name"))
        }
        switch method {
        case "GET":
            let view = gateway.registry.view
            guard let model = view.config.model(named: name) else {
                return gateway.finishLocally(response, route: "admin_model", error: .modelNotFound(name))
            }
            var out = JSONWriter(capacity: 512)
            write(model, source: view.sources[name] ?? .file, to: &out)
            gateway.sendLocal(response, route: "admin_model", body: out.bytes, headers: Self.noStore)
        case "PUT":
            // An unknown model is a 404 whatever the body says.
            guard gateway.registry.view.serves(name) else {
                return gateway.finishLocally(response, route: "admin_model", error: .modelNotFound(name))
            }
            let definition: ModelDefinition
            do {
                definition = try ModelDefinition.parse(body: request.body, name: name)
            } catch {
                return refuse(response, route: "admin_model", ModelRegistry.Refusal(error: ModelRegistry.invalidDefinition(error.problems), problems: error.problems))
            }
            commit(.replace(definition), response, route: "admin_model", status: 200)
        default:
            commit(.delete(name), response, route: "admin_model", status: 200)
        }
    }

    private func commit(_ change: ModelRegistry.Change, _ response: HTTPServerResponse, route: String, status: Int) {
        gateway.registry.perform(change) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let refusal):
                self.refuse(response, route: route, refusal)
            case .success(let entry):
                var out = JSONWriter(capacity: 512)
                let view = self.gateway.registry.view
                if let model = view.config.model(named: entry.name), entry.definition != nil {
                    self.write(model, source: view.sources[entry.name] ?? .api(version: entry.version, overridesFile: false), to: &out)
                } else {
                    out.raw("{\"model_name\":")
                    out.string(entry.name)
                    out.raw(",\"deleted\":true,\"version\":")
                    out.number(entry.version)
                    out.raw("}")
                }
                self.gateway.sendLocal(response, route: route, status: status, body: out.bytes, headers: Self.noStore)
            }
        }
    }

    /// Answers with the refusal's error in the OpenAI shape, plus `problems` (`[{"path","message"}]`) when the
    /// definition was invalid.
    private func refuse(_ response: HTTPServerResponse, route: String, _ refusal: ModelRegistry.Refusal) {
        guard !refusal.problems.isEmpty else { return gateway.finishLocally(response, route: route, error: refusal.error) }
        var body = refusal.error.body
        body.removeLast(2)  // "}}"
        var out = JSONWriter()
        out.raw(",\"problems\":[")
        for (index, problem) in refusal.problems.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"path\":")
            out.string(problem.path)
            out.raw(",\"message\":")
            out.string(problem.message)
            out.raw("}")
        }
        out.raw("]}}")
        gateway.sendLocal(response, route: route, status: refusal.error.status, body: body + out.bytes, errorCode: refusal.error.code)
    }

    /// One model: name, source, strategy, fallback, the servers (hosts) and providers. Never a token.
    private func write(_ model: ModelConfig, source: ModelSource, to out: inout JSONWriter) {
        out.raw("{\"model_name\":")
        out.string(model.name)
        switch source {
        case .file:
            out.raw(",\"source\":\"file\",\"version\":null,\"overrides_file\":false")
        case .api(let version, let overrides):
            out.raw(",\"source\":\"api\",\"version\":")
            out.number(version)
            out.raw(",\"overrides_file\":")
            out.bool(overrides)
        }
        out.raw(",\"strategy\":")
        if let strategy = model.strategy { out.string(strategy) } else { out.raw("null") }
        out.raw(",\"fallback_model\":")
        if let fallback = model.fallbackModel { out.string(fallback) } else { out.raw("null") }
        out.raw(",\"servers\":[")
        for (index, provider) in model.providers.enumerated() {
            if index > 0 { out.raw(",") }
            out.string(provider.apiHost)
        }
        out.raw("],\"providers\":[")
        for (index, provider) in model.providers.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"id\":")
            out.string(provider.id)
            out.raw(",\"api_host\":")
            out.string(provider.apiHost)
            out.raw(",\"api_type\":")
            out.string(provider.apiType.rawValue)
            out.raw(",\"model_path\":")
            out.string(provider.modelPath)
            out.raw(",\"weight\":")
            out.number(provider.weight)
            out.raw(",\"nworkers\":")
            out.number(provider.nworkers)
            out.raw(",\"has_token\":")
            out.bool(!provider.apiToken.isEmpty)
            out.raw("}")
        }
        out.raw("]}")
    }

    private static let noStore: HTTPHeaders = {
        var headers = HTTPHeaders()
        headers.add(name: "Cache-Control", value: "no-store")
        return headers
    }()
}
