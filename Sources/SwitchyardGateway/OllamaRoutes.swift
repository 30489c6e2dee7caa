import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders

/// Ollama's API, as the official clients use it: `/api/chat`, `/api/generate`, `/api/embed`, `/api/embeddings`
/// (translated into the OpenAI pivot and answered in Ollama's schema, streaming NDJSON by default as Ollama
/// does), the model lists `/api/tags` (also llm-router's `/tags`), `/api/show`, `/api/ps`, and `/api/version`,
/// `GET /` (`Ollama is running`). Errors use Ollama's `{"error":"…"}`.
struct OllamaRoutes {
    unowned let gateway: Gateway

    func register(in table: RouteTable) {
        add(table, "/api/chat", "ollama_chat", .chat)
        add(table, "/api/generate", "ollama_generate", .generate)
        add(table, "/api/embed", "ollama_embed", .embed)
        add(table, "/api/embeddings", "ollama_embeddings", .embeddings)
        let gateway = self.gateway
        table.add("/", name: "ollama_root", method: "GET") { [unowned gateway] _, response in
            gateway.sendLocal(response, route: "ollama_root", body: Array("Ollama is running".utf8), contentType: "text/plain; charset=utf-8")
        }
        table.add("/api/version", name: "version", method: "GET") { [unowned gateway] _, response in
            var out = JSONWriter()
            out.raw("{\"version\":")
            out.string(SwitchyardVersion.current)
            out.raw("}")
            gateway.sendLocal(response, route: "version", body: out.bytes)
        }
        table.add("/api/ps", name: "ollama_ps", method: "GET") { [unowned gateway] _, response in
            let config = gateway.config
            let servable = config.models.filter { model in model.providers.contains { gateway.calls.runtime(for: $0).supported } }
            gateway.sendLocal(response, route: "ollama_ps", body: ModelListing.ollamaRunning(servable))
        }
        table.add("/api/show", name: "ollama_show", method: "POST") { [unowned gateway] request, response in
            Self.show(request, response: response, gateway: gateway)
        }
    }

    private func add(_ table: RouteTable, _ path: String, _ route: String, _ operation: OllamaOperation) {
        let gateway = self.gateway
        table.add(path, name: route, method: "POST") { [unowned gateway] request, response in
            if operation == .embeddings && Self.isOpenAIEmbeddings(request.body) {
                // `/api/embeddings` is also `{prefix}/embeddings` of the OpenAI routes (default prefix `/api`): an
                // OpenAI body (`input`, no `prompt`) keeps being served as OpenAI.
                return OpenAIRoutes.proxy(request, response: response, endpoint: .embeddings, route: "embeddings", gateway: gateway)
            }
            let translator = OllamaClientTranscoder(operation: operation, model: Self.modelName(request.body))
            if operation == .generate && OllamaRequestTranslator.isLoadOnly(request.body),
               case .success(let object) = ClientRequestReader.object(request.body), case .success(let model) = ClientRequestReader.model(object) {
                // No prompt: Ollama only loads the model and says so. A known model is always "loaded" here.
                guard gateway.config.model(named: model) != nil else {
                    return gateway.finishLocally(response, route: route, error: Self.notFound(model), dialect: .ollama)
                }
                var out = JSONWriter()
                out.raw("{\"model\":")
                out.string(model)
                out.raw(",\"created_at\":")
                out.string(ClientTimestamp.now())
                out.raw(",\"response\":\"\",\"done\":true,\"done_reason\":\"load\"}")
                return gateway.sendLocal(response, route: route, body: out.bytes)
            }
            switch OllamaRequestTranslator.translate(request.body, operation: operation) {
            case .failure(let error):
                gateway.finishLocally(response, route: route, error: error, dialect: .ollama)
            case .success(let translated):
                gateway.proxy(translated, request: request, response: response, route: route, translator: translator, dialect: .ollama, notFound: Self.notFound)
            }
        }
    }

    /// Whether an `/api/embeddings` body is OpenAI's (`input` without `prompt`) rather than Ollama's.
    private static func isOpenAIEmbeddings(_ body: [UInt8]) -> Bool {
        guard case .success(let scan) = body.withUnsafeBytes({ JSONScanner.scanObject($0) }) else { return false }
        return scan.member("input") != nil && scan.member("prompt") == nil
    }

    /// Ollama's wording for an unknown model (404).
    static func notFound(_ model: String) -> RouterError {
        RouterError(status: 404, message: "model \"\(model)\" not found", code: "model_not_found", param: "model")
    }

    /// The request's `model` for the replies (any string; validation happens in the translator).
    private static func modelName(_ body: [UInt8]) -> String {
        guard let range = body.withUnsafeBytes({ JSONScanner.firstTopLevelString("model", in: $0) }) else { return "" }
        return body.withUnsafeBytes { JSONScanner.decodeString($0, range) } ?? ""
    }

    /// `POST /api/show`: one model's details, or 404 in Ollama's shape.
    private static func show(_ request: HTTPRequest, response: HTTPServerResponse, gateway: Gateway) {
        let object: JSONValue.Object
        switch ClientRequestReader.object(request.body) {
        case .failure(let error):
            return gateway.finishLocally(response, route: "ollama_show", error: error, dialect: .ollama)
        case .success(let value): object = value
        }
        let name: String
        switch ClientRequestReader.model(object, alias: "name") {
        case .failure(let error):
            return gateway.finishLocally(response, route: "ollama_show", error: error, dialect: .ollama)
        case .success(let value): name = value
        }
        guard let model = gateway.config.model(named: name) else {
            return gateway.finishLocally(response, route: "ollama_show", error: notFound(name), dialect: .ollama)
        }
        gateway.sendLocal(response, route: "ollama_show", body: ModelListing.ollamaShow(model))
    }
}
