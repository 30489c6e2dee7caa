import SwitchyardCoordination
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders
import SwitchyardRouting

/// The router's own endpoints: model lists (OpenAI and Ollama shapes), health, ping, version and metrics.
final class OperatorRoutes {
    private unowned let gateway: Gateway
    private var modelsBody: [UInt8] = []
    private var tagsBody: [UInt8] = []
    private var lmStudioBody: [UInt8] = []

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    /// The OpenAI model list for the caller: every model, or only those its client key may use.
    private func visibleModels() -> [UInt8] {
        guard let key = gateway.currentClientKey, key.models != nil else { return modelsBody }
        var allowed = gateway.config
        allowed.models = allowed.models.filter { ClientAuthenticator.refusal(key: key, model: $0.name) == nil }
        return ModelListing.openAI(allowed)
    }

    /// Re-renders the model lists for `config`.
    func refresh(_ config: ModelsConfig) {
        modelsBody = ModelListing.openAI(config)
        tagsBody = ModelListing.ollamaTags(config)
        lmStudioBody = ModelListing.lmStudio(config)
    }

    func register(in table: RouteTable, prefix: String) {
        for path in ["/v1/models", "/models"] {
            table.add(path, name: "models", method: "GET") { [unowned self] _, response in
                gateway.sendLocal(response, route: "models", body: visibleModels())
            }
        }
        // `/tags` is llm-router's documented spelling of Ollama's `/api/tags`.
        for path in ["/api/tags", "/tags"] {
            table.add(path, name: "ollama_tags", method: "GET") { [unowned self] _, response in
                gateway.sendLocal(response, route: "ollama_tags", body: tagsBody)
            }
        }
        table.add(prefix + "/v0/models", name: "lmstudio_models", method: "GET") { [unowned self] _, response in
            gateway.sendLocal(response, route: "lmstudio_models", body: lmStudioBody)
        }
        table.add("/health", name: "health", method: "GET") { [unowned self] _, response in
            gateway.sendLocal(response, route: "health", body: healthBody())
        }
        // Per-model health (SGLang router's `/health/{model}`, model names URL-encoded) and every model's.
        table.addPrefix("/health/", name: "health_model", method: "GET") { [unowned self] request, response in
            let raw = String(request.head.path.dropFirst("/health/".count))
            if raw == "all" { return healthAll(response) }
            guard let name = URLParts.percentDecoded(raw), let model = gateway.config.model(named: name) else {
                return gateway.finishLocally(response, route: "health_model", error: .modelNotFound(URLParts.percentDecoded(raw) ?? raw))
            }
            var out = JSONWriter()
            let healthy = writeModelHealth(model, into: &out)
            gateway.sendLocal(response, route: "health_model", status: healthy ? 200 : 503, body: out.bytes)
        }
        for path in ["/ping", prefix + "/ping"] {
            table.add(path, name: "ping", method: "GET") { [unowned self] _, response in
                gateway.sendLocal(response, route: "ping", body: Array("{\"status\":\"ok\",\"body\":\"pong\"}".utf8))
            }
        }
        table.add(prefix + "/version", name: "version", method: "GET") { [unowned self] _, response in
            var out = JSONWriter()
            out.raw("{\"version\":")
            out.string(SwitchyardVersion.current)
            out.raw("}")
            gateway.sendLocal(response, route: "version", body: out.bytes)
        }
        // LLM_ROUTER_USE_PROMETHEUS=false leaves /metrics out (404); counting goes on, it is cheap.
        guard gateway.settings.usePrometheus else { return }
        table.add("/metrics", name: "metrics", method: "GET") { [unowned self] _, response in
            gateway.syncMetrics()
            gateway.sendLocal(response, route: "metrics", body: gateway.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    /// `GET /health/all`: every model's health; 200 when every model has a healthy provider, else 503.
    private func healthAll(_ response: HTTPServerResponse) {
        var out = JSONWriter()
        var allHealthy = true
        out.raw("{\"models\":[")
        for (index, model) in gateway.config.models.enumerated() {
            if index > 0 { out.raw(",") }
            allHealthy = writeModelHealth(model, into: &out) && allHealthy
        }
        out.raw("],\"status\":")
        out.string(allHealthy ? "ok" : "degraded")
        out.raw(",\"worker\":")
        gateway.identity.write(to: &out)
        out.raw("}")
        gateway.sendLocal(response, route: "health_all", status: allHealthy ? 200 : 503, body: out.bytes)
    }

    /// Writes `{"model", "status", "providers": [{"id", "healthy", "since", "last_error", "last_checked",
    /// "circuit"}]}`; returns whether at least one provider is healthy (healthy as last seen and circuit not open).
    private func writeModelHealth(_ model: ModelConfig, into out: inout JSONWriter) -> Bool {
        let circuits = gateway.circuits
        let now = gateway.loop.now
        var anyHealthy = false
        var providers = JSONWriter()
        for (index, provider) in model.providers.enumerated() {
            let entry = gateway.health.entry(provider.id)
            let circuit = circuits?.state(provider.id, now: now) ?? .closed
            let healthy = entry.healthy && circuit != .open
            anyHealthy = anyHealthy || healthy
            if index > 0 { providers.raw(",") }
            providers.raw("{\"id\":")
            providers.string(provider.id)
            providers.raw(",\"healthy\":\(healthy),\"since\":")
            providers.string(ClientTimestamp.rfc3339(entry.since))
            providers.raw(",\"last_error\":")
            if let error = entry.lastError { providers.string(error) } else { providers.raw("null") }
            providers.raw(",\"last_checked\":")
            if entry.lastChecked > 0 { providers.string(ClientTimestamp.rfc3339(entry.lastChecked)) } else { providers.raw("null") }
            providers.raw(",\"circuit\":")
            providers.string(circuit.rawValue)
            providers.raw("}")
        }
        out.raw("{\"model\":")
        out.string(model.name)
        out.raw(",\"status\":")
        out.string(anyHealthy ? "ok" : "unavailable")
        out.raw(",\"providers\":[")
        out.raw(String(decoding: providers.bytes, as: UTF8.self))
        out.raw("]}")
        return anyHealthy
    }

    private func healthBody() -> [UInt8] {
        var out = JSONWriter()
        out.raw("{\"status\":\"ok\",\"worker\":")
        gateway.identity.write(to: &out)
        out.raw(",\"version\":")
        out.string(SwitchyardVersion.current)
        out.raw("}")
        return out.bytes
    }
}
