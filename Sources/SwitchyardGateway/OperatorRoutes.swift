import SwitchyardCoordination
import SwitchyardCore
import SwitchyardHTTP

/// The router's own endpoints: model lists (OpenAI and Ollama shapes), health, ping, version and metrics.
final class OperatorRoutes {
    private unowned let gateway: Gateway
    private var modelsBody: [UInt8] = []
    private var tagsBody: [UInt8] = []
    private var lmStudioBody: [UInt8] = []

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    /// Re-renders the model lists for `config`.
    func refresh(_ config: ModelsConfig) {
        modelsBody = ModelListing.openAI(config)
        tagsBody = ModelListing.ollamaTags(config)
        lmStudioBody = ModelListing.lmStudio(config)
    }

    func register(in table: RouteTable, prefix: String) {
        table.add("/v1/models", name: "models", method: "GET") { [unowned self] _, response in
            gateway.sendLocal(response, route: "models", body: modelsBody)
        }
        table.add("/models", name: "models", method: "GET") { [unowned self] _, response in
            gateway.sendLocal(response, route: "models", body: modelsBody)
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
            gateway.metrics.sync(selector: gateway.selector as? RedisProviderSelector)
            gateway.sendLocal(response, route: "metrics", body: gateway.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
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
