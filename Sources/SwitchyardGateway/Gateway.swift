import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardProviders
import SwitchyardRouting
import SwitchyardUpstream

/// A worker's request handling: the route table, the handlers and the shared pieces they use (upstream client,
/// strategy, metrics, logger). One per worker process, used on its loop thread.
package final class Gateway: HTTPResponder {
    enum Handler {
        case proxy(EndpointKind)
        case models
        case ollamaTags
        case health
        case ping
        case version
        case metrics
    }

    struct Route {
        var name: String
        var methods: [String: Handler]
    }

    let loop: EventLoop
    let settings: Settings
    let logger: Logger
    let identity: WorkerIdentity
    let upstream: UpstreamClient
    let metrics = GatewayMetrics()
    /// Passive provider health, fed by every attempt's outcome.
    let circuits = ProviderCircuits()
    private(set) var config: ModelsConfig
    private(set) var strategy: ProviderStrategy
    private var runtimes: [String: ProviderRuntime] = [:]
    private var routes: [String: Route] = [:]
    private var modelsBody: [UInt8] = []
    private var tagsBody: [UInt8] = []
    private var requestCounter = 0

    package init(loop: EventLoop, settings: Settings, config: ModelsConfig, logger: Logger, identity: WorkerIdentity) {
        self.loop = loop
        self.settings = settings
        self.logger = logger
        self.identity = identity
        self.config = config
        self.upstream = UpstreamClient(loop: loop, configuration: .init(
            connectTimeout: settings.upstreamConnectTimeout,
            firstByteTimeout: settings.upstreamFirstByteTimeout,
            idleTimeout: settings.upstreamIdleTimeout,
            totalTimeout: settings.externalTimeout,
            builtInHTTP1: settings.upstreamClient != "curl",
            caFile: settings.upstreamCAFile))
        let made = StrategyFactory.make(settings.balanceStrategy)
        self.strategy = made.strategy
        if !made.exact {
            logger.warning("strategy not implemented in this build; using round_robin", [("strategy", .string(settings.balanceStrategy))])
        }
        buildRoutes()
        apply(config)
    }

    /// Swaps in a new models configuration; requests in flight keep the one they started with.
    package func reload(config: ModelsConfig) {
        apply(config)
        logger.info("configuration reloaded", [("models", .int(config.models.count))])
    }

    /// Number of proxied requests in progress.
    package var inFlight: Int { metrics.inFlight }

    /// Records a request the HTTP layer rejected before it reached a handler.
    package func recordRejected(_ error: HTTPParseError) {
        metrics.recordRejected(status: error.status)
        logger.info("request rejected", [("status", .int(error.status)), ("error.code", .string(error.code))])
    }

    private func apply(_ config: ModelsConfig) {
        self.config = config
        var runtimes: [String: ProviderRuntime] = [:]
        for model in config.models {
            for provider in model.providers where runtimes[provider.id] == nil {
                runtimes[provider.id] = ProviderRuntime(provider: provider)
            }
        }
        self.runtimes = runtimes
        modelsBody = ModelListing.openAI(config)
        tagsBody = ModelListing.ollamaTags(config)
    }

    /// The prepared runtime of `provider`. Ids are unique per configuration and the table is rebuilt on reload,
    /// so the id alone identifies it (an exchange that started before a reload may fail over to the new one).
    func runtime(for provider: ProviderConfig) -> ProviderRuntime {
        if let existing = runtimes[provider.id] { return existing }
        let made = ProviderRuntime(provider: provider)
        runtimes[provider.id] = made
        return made
    }

    // MARK: routing

    private func buildRoutes() {
        func add(_ path: String, _ name: String, _ method: String, _ handler: Handler) {
            routes[path, default: Route(name: name, methods: [:])].methods[method] = handler
        }
        let prefix = settings.endpointPrefix
        for base in ["/v1", "", prefix] {
            add(base + "/chat/completions", "chat_completions", "POST", .proxy(.chatCompletions))
            add(base + "/completions", "completions", "POST", .proxy(.completions))
            add(base + "/embeddings", "embeddings", "POST", .proxy(.embeddings))
        }
        add("/v1/models", "models", "GET", .models)
        add("/models", "models", "GET", .models)
        add("/api/tags", "ollama_tags", "GET", .ollamaTags)
        add("/health", "health", "GET", .health)
        add("/ping", "ping", "GET", .ping)
        add(prefix + "/ping", "ping", "GET", .ping)
        add(prefix + "/version", "version", "GET", .version)
        add("/metrics", "metrics", "GET", .metrics)
    }

    package func respond(to request: HTTPRequest, response: HTTPServerResponse) {
        let path = String(request.head.path)
        guard let route = routes[path] else {
            let error = RouterError.notFound(path: path)
            finishLocally(response, route: "unknown", error: error)
            return
        }
        var method = request.head.method
        if method == "HEAD" && route.methods["GET"] != nil { method = "GET" }
        guard let handler = route.methods[method] else {
            let allowed = route.methods.keys.sorted() + (route.methods["GET"] != nil ? ["HEAD"] : [])
            var headers = HTTPHeaders()
            headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            finishLocally(response, route: route.name, error: .methodNotAllowed(method: request.head.method, path: path, allowed: allowed), headers: headers)
            return
        }
        switch handler {
        case .proxy(let endpoint):
            // Even while draining, a request that reached us is served (with `Connection: close`): refusing it
            // would fail a client that merely reused a keep-alive connection during a reload.
            startProxy(request, response: response, endpoint: endpoint, route: route.name)
        case .models:
            sendLocal(response, route: route.name, body: modelsBody)
        case .ollamaTags:
            sendLocal(response, route: route.name, body: tagsBody)
        case .health:
            var out = JSONWriter()
            out.raw("{\"status\":\"ok\",\"worker\":{\"id\":")
            out.number(identity.id)
            out.raw(",\"pid\":")
            out.number(Int(identity.pid))
            out.raw(",\"generation\":")
            out.number(identity.generation)
            out.raw("},\"version\":")
            out.string(SwitchyardVersion.current)
            out.raw("}")
            sendLocal(response, route: route.name, body: out.bytes)
        case .ping:
            sendLocal(response, route: route.name, body: Array("{\"status\":\"ok\",\"body\":\"pong\"}".utf8))
        case .version:
            var out = JSONWriter()
            out.raw("{\"version\":")
            out.string(SwitchyardVersion.current)
            out.raw("}")
            sendLocal(response, route: route.name, body: out.bytes)
        case .metrics:
            sendLocal(response, route: route.name, body: metrics.render(identity: identity), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    private func startProxy(_ request: HTTPRequest, response: HTTPServerResponse, endpoint: EndpointKind, route: String) {
        requestCounter &+= 1
        let requestID = request.head.headers["X-Request-Id"].flatMap { $0.isEmpty || $0.utf8.count > 128 ? nil : $0 }
            ?? "w\(identity.id)-\(identity.pid)-\(requestCounter)"
        let parsed = ProxyRequest.parse(request.body)
        switch parsed {
        case .failure(let error):
            finishLocally(response, route: route, error: error, requestID: requestID)
        case .success(let proxyRequest):
            guard let model = config.model(named: proxyRequest.model) else {
                finishLocally(response, route: route, error: .modelNotFound(proxyRequest.model), requestID: requestID)
                return
            }
            let exchange = ProxyExchange(gateway: self, response: response, endpoint: endpoint, route: route, request: proxyRequest, model: model, requestID: requestID)
            exchange.start()
        }
    }

    // MARK: local answers

    /// Routes polled by probes and scrapers: their successful answers are logged at debug level only.
    private static let probeRoutes: Set<String> = ["health", "ping", "metrics"]

    /// Sends a response produced by the router itself (not relayed), records it and writes its access-log line.
    func sendLocal(_ response: HTTPServerResponse, route: String, status: Int = 200, body: [UInt8], headers: HTTPHeaders = HTTPHeaders(),
                   contentType: String = "application/json", errorCode: String? = nil) {
        var fields = headers
        fields.add(name: "Content-Type", value: contentType)
        response.send(status: status, headers: fields, body: body)
        let level: LogLevel = status < 400 && Self.probeRoutes.contains(route) ? .debug : .info
        recordAccess(response, route: route, status: status, level: level, fields: errorCode.map { [("error.code", .string($0))] } ?? [])
    }

    /// The end of every request, local or proxied: request metrics and the one access-log line (method, path,
    /// status, duration, bytes, then `fields`).
    func recordAccess(_ response: HTTPServerResponse, route: String, status: Int, level: LogLevel = .info, fields: [(String, LogValue)]) {
        let seconds = Double(loop.now &- response.receivedAt) / 1e9
        metrics.recordRequest(route: route, status: status, seconds: seconds)
        guard logger.enabled(level) else { return }
        var line: [(String, LogValue)] = [
            ("method", .string(response.requestHead.method)),
            ("path", .string(String(response.requestHead.path))),
            ("status", .int(status)),
            ("duration_ms", .double(seconds * 1000)),
            ("bytes", .int(response.bodyBytes)),
        ]
        line.append(contentsOf: fields)
        logger.log(level, "request", line)
    }

    /// Answers with a router error.
    func finishLocally(_ response: HTTPServerResponse, route: String, error: RouterError, headers: HTTPHeaders = HTTPHeaders(), requestID: String? = nil) {
        var fields = headers
        if let requestID { fields.add(name: "X-Request-Id", value: requestID) }
        sendLocal(response, route: route, status: error.status, body: error.body, headers: fields, errorCode: error.code)
    }
}
