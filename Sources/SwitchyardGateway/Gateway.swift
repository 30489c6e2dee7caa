import SwitchyardCoordination
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardPrompts
import SwitchyardProviders
import SwitchyardRouting
import SwitchyardUpstream

/// A worker's request handling: composes the route table (each group of routes registers itself), the call
/// context every upstream call runs in (upstream client, selector, budget), metrics and the access log. One per
/// worker process, used on its loop thread.
package final class Gateway: HTTPResponder {
    let loop: EventLoop
    let settings: Settings
    let logger: Logger
    let identity: WorkerIdentity
    let upstream: UpstreamClient
    let metrics: GatewayMetrics
    let selector: ProviderSelector
    /// Keeps `real_time_metrics`' server loads current (one elected scraper per cluster, see ``MetricsScraper``).
    let metricsScraper: MetricsScraper
    let calls: CallContext
    /// The prompt library of this worker's generation, for the builtin endpoints.
    let prompts: PromptLibrary
    let routes = RouteTable()
    /// Bytes held for clients by this worker (buffered answers and connection input), capped by settings.
    package let memory: ByteBudget
    private var operatorRoutes: OperatorRoutes!
    /// Per-provider health as this worker sees it (attempts and probes), for `GET /health/{model}`.
    let health = ProviderHealthBoard()
    /// The active health probes (`LLM_ROUTER_HEALTH_INTERVAL`); nil when they are off.
    private(set) var prober: HealthProber?
    private(set) var config: ModelsConfig
    private var requestCounter = 0
    /// `w<worker>-<pid>-`, the fixed part of generated request ids.
    private let requestIDPrefix: [UInt8]

    /// Who may call `/admin/*`.
    private let adminAccess: AdminAccess
    /// Client keys at the door, when `LLM_ROUTER_AUTH_ENABLED` is on.
    private let clientAuth: ClientAuthenticator?
    /// The key of the request being routed, while its handler runs (handlers run synchronously on the loop).
    private(set) var currentClientKey: ClientKeys.Key?

    /// The models served: the file's combined with the admin API's changes (``AdminModelRoutes``).
    private(set) var registry: ModelRegistry!

    /// `metrics` records into the instance's shared counters (nil: a region of this worker's own);
    /// `registryStore`: where the model registry lives; nil: Redis when configured, else this worker's memory.
    package init(loop: EventLoop, settings: Settings, config: ModelsConfig, prompts: PromptLibrary, logger: Logger, identity: WorkerIdentity,
                 metrics sharedMetrics: (region: SharedCounters, cell: Int)? = nil, clientKeys: ClientKeys? = nil, registryStore: (any RegistryStore)? = nil) {
        self.loop = loop
        let metrics = sharedMetrics.map { GatewayMetrics(region: $0.region, cell: $0.cell) } ?? GatewayMetrics.standalone()
        self.metrics = metrics
        self.adminAccess = AdminAccess(token: settings.adminToken)
        let instanceLimiter = InstanceRateLimiter(region: metrics.region)
        self.clientAuth = settings.authEnabled ? ClientAuthenticator(keys: clientKeys ?? ClientKeys(), publicPaths: settings.authPublicEndpoints,
                                                                     limiter: instanceLimiter) : nil
        self.prompts = prompts
        self.settings = settings
        self.logger = logger
        self.identity = identity
        self.config = config
        self.requestIDPrefix = Array("w\(identity.id)-\(identity.pid)-".utf8)
        self.upstream = UpstreamClient(loop: loop, configuration: .init(
            connectTimeout: settings.upstreamConnectTimeout,
            firstByteTimeout: settings.upstreamFirstByteTimeout,
            idleTimeout: settings.upstreamIdleTimeout,
            totalTimeout: settings.externalTimeout,
            builtInHTTP1: settings.upstreamClient != "curl",
            caFile: settings.upstreamCAFile))
        var context = SelectorContext(
            now: { [unowned loop] in loop.now }, workerID: identity.id, pid: identity.pid,
            defaultStrategy: settings.balanceStrategy, isSupported: ProviderAdapters.supports)
        context.queueTimeout = MonotonicClock.nanoseconds(settings.queueTimeout)
        context.onQueueWait = { [metrics] model, outcome, nanoseconds in metrics.recordQueueWait(model: model, outcome: outcome, nanoseconds: nanoseconds) }
        context.queueLimit = settings.queueMax
        context.timers = SelectorTimers(
            schedule: { [unowned loop] nanoseconds, body in
                let timer = loop.schedule(afterNanoseconds: nanoseconds, body)
                return { [unowned loop] in loop.cancel(timer) }
            },
            soon: { [unowned loop] body in loop.afterCurrentIteration(body) })
        self.selector = SelectorFactory.make(loop: loop, settings: settings, config: config, context: context, logger: logger, identity: identity)
        self.metricsScraper = .forWorker(loop: loop, board: context.serverLoads, upstream: upstream, selector: selector,
                                         settings: settings, config: config, logger: logger, identity: identity)
        self.memory = ByteBudget(limit: settings.maxBufferedBytes)
        self.calls = CallContext(scheduler: loop, upstream: upstream, selector: selector, logger: logger,
                                 budget: MonotonicClock.nanoseconds(settings.requestTimeout), memory: memory)
        metrics.defaultStrategy = settings.balanceStrategy
        // Client keys' rpm for the whole cluster when Redis is shared (the instance's counts while it is away).
        if let clientAuth, let redis = selector as? RedisProviderSelector {
            clientAuth.clusterLimiter = RedisClientRateLimiter(client: redis.client, fallback: instanceLimiter)
        }
        calls.observer = metrics
        if let redis = selector as? RedisProviderSelector {
            redis.client.onRoundTrip = { [metrics] in metrics.recordRedisRoundTrip(nanoseconds: $0) }
        }
        // The selector (and its Redis client) keep their own counters and queues; they reach the shared cell every
        // second, and before each scrape.
        loop.scheduleRepeating(everyNanoseconds: 1_000_000_000) { [weak self] in
            self?.syncMetrics()
        }
        calls.health = health
        calls.maxAttempts = settings.maxAttempts
        calls.defaultMaxTokens = settings.defaultMaxTokens
        warnAboutStrategies(config)
        OpenAIRoutes(gateway: self).register(in: routes, prefix: settings.endpointPrefix)
        BuiltinRoutes(gateway: self).register(in: routes, prefix: settings.endpointPrefix)
        operatorRoutes = OperatorRoutes(gateway: self)
        operatorRoutes.register(in: routes, prefix: settings.endpointPrefix)
        AdminRoutes(gateway: self).register(in: routes)
        if settings.healthInterval > 0 {
            // One prober per cluster when Redis is shared (a lease), else worker 1 of the instance.
            let election: ProbeElection = (selector as? RedisProviderSelector).map {
                RedisProbeElection(client: $0.client, owner: "\(identity.instanceID ?? RedisProviderSelector.defaultInstanceID()):\(identity.pid)", workerID: identity.id,
                                   intervalSeconds: settings.healthInterval)
            } ?? LocalProbeElection(workerID: identity.id)
            prober = HealthProber(scheduler: loop, upstream: upstream, board: health, circuits: circuits, logger: logger,
                                  intervalSeconds: settings.healthInterval, election: election)
        }
        OllamaRoutes(gateway: self).register(in: routes)
        AnthropicRoutes(gateway: self).register(in: routes)
        apply(config)
        registry = ModelRegistry(file: config, store: registryStore ?? makeRegistryStore(), logger: logger) { [unowned self] merged in self.reload(config: merged) }
        AdminModelRoutes(gateway: self).register(in: routes)
        StatusPage(gateway: self).register(in: routes)
        prober?.start()
        metricsScraper.start()
    }

    /// The selector's passive circuits (the local selector's, also behind a Redis selector).
    var circuits: ProviderCircuits? {
        SelectorFactory.localSelector(of: selector)?.circuits
    }

    /// Swaps in a new models configuration; requests in flight keep the one they started with.
    package func reload(config: ModelsConfig) {
        apply(config)
        warnAboutStrategies(config)
        logger.info("configuration reloaded", [("models", .int(config.models.count))])
    }

    /// Number of upstream calls in progress.
    package var inFlight: Int { calls.inFlightCount }

    /// The worker starts draining: calls waiting for a provider are refused, and so is every later wait.
    package func beginDrain() {
        prober?.stop()
        calls.drain()
        metricsScraper.close()
    }

    /// Records a request the HTTP layer rejected before it reached a handler.
    package func recordRejected(_ error: HTTPParseError) {
        metrics.recordRejected(status: error.status)
        logger.info("request rejected", [("status", .int(error.status)), ("error.code", .string(error.code))])
    }

    private func apply(_ config: ModelsConfig) {
        self.config = config
        selector.reload(config: config)
        metricsScraper.reload(config: config)
        calls.prepare(config)
        operatorRoutes.refresh(config)
        prober?.update(config)
        health.retain(Set(config.allProviders.map(\.id)))
    }

    private func warnAboutStrategies(_ config: ModelsConfig) {
        for name in LocalProviderSelector.unimplementedStrategies(in: config, defaultStrategy: settings.balanceStrategy) {
            logger.warning("strategy not implemented in this build; using \(StrategyCatalog.fallback.rawValue)", [("strategy", .string(name))])
        }
    }

    // MARK: routing

    package func respond(to request: HTTPRequest, response: HTTPServerResponse) {
        let path = String(request.head.path)
        response.requestID = requestID(for: request)
        // Every admin path, known or not, is behind the admin token: nothing about it shows without the token.
        // Client keys do not apply there (the admin token is its own credential).
        if path == "/admin" || path.hasPrefix("/admin/") {
            if let error = adminAccess.check(authorization: request.head.headers["Authorization"]) {
                var headers = HTTPHeaders()
                // RFC 6750 §3: a 401 for a bearer-protected resource names the scheme.
                if error.status == 401 { headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"switchyard-admin\"") }
                return finishLocally(response, route: "admin", error: error, headers: headers)
            }
        } else if let clientAuth, !clientAuth.isPublic(path) {
            switch clientAuth.check(request.head.headers) {
            case .decided(let outcome):
                authenticated(outcome, request, response, path: path)
            case .sharedLimit(let key, let rpm):
                // A key with `rpm` is charged through Redis when it is shared: the request goes on after that round trip.
                clientAuth.chargeShared(key, rpm: rpm) { [self] outcome in authenticated(outcome, request, response, path: path) }
            }
            return
        }
        route(request, response: response, path: path)
    }

    /// Routes a request whose client key passed, or answers the refusal.
    private func authenticated(_ outcome: ClientAuthenticator.Outcome, _ request: HTTPRequest, _ response: HTTPServerResponse, path: String) {
        switch outcome {
        case .refused(let error, let reason, let headers):
            metrics.recordAuthRejected(reason: reason)
            // In the shape the caller's SDK parses (Anthropic and Ollama clients included).
            finishLocally(response, route: "auth", error: error, dialect: Self.dialect(ofPath: path), headers: headers)
        case .passed(let key):
            response.clientKeyID = key.id
            currentClientKey = key
            route(request, response: response, path: path)
            currentClientKey = nil
        }
    }

    /// Hands an admitted request to its route.
    private func route(_ request: HTTPRequest, response: HTTPServerResponse, path: String) {
        switch routes.match(path: path, method: request.head.method) {
        case .found(_, let handler):
            handler(request, response)
        case .notFound:
            finishLocally(response, route: "unknown", error: .notFound(path: path))
        case .methodNotAllowed(let route, let allowed):
            var headers = HTTPHeaders()
            headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            finishLocally(response, route: route, error: .methodNotAllowed(method: request.head.method, path: path, allowed: allowed), headers: headers)
        }
    }

    /// The request's place in a wait queue from its `x-priority` header (`high`, `normal`, `low`; absent =
    /// `normal`), or a 400 naming the header.
    func priority(of request: HTTPRequest) -> Result<LeasePriority, RouterError> {
        guard let value = request.head.headers["x-priority"] else { return .success(.normal) }
        guard let priority = LeasePriority(header: value) else {
            return .failure(.invalidRequest("The x-priority header must be high, normal or low.", param: "x-priority", code: "invalid_priority"))
        }
        return .success(priority)
    }

    /// A request id: the client's `X-Request-Id` when it is sane, else one made from worker, pid and a counter.
    /// Set on every request's response (``HTTPServerResponse/requestID``) before its handler runs; the HTTP
    /// parser has already refused control characters in field values, so the id is safe to send upstream.
    private func requestID(for request: HTTPRequest) -> String {
        requestCounter &+= 1
        if let given = request.head.headers["X-Request-Id"], !given.isEmpty, given.utf8.count <= 128 { return given }
        // `w<worker>-<pid>-<counter>` without string interpolation (measured ~1,000 instructions per request).
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var value = requestCounter
            var end = buffer.count
            repeat {
                end -= 1
                buffer[end] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                value /= 10
            } while value > 0
            return buffer.count - end
        }
        return String(unsafeUninitializedCapacity: requestIDPrefix.count + count) { out in
            var i = 0
            for byte in requestIDPrefix { out[i] = byte; i += 1 }
            withUnsafeBytes(of: &digits) { for byte in $0[($0.count - count)...] { out[i] = byte; i += 1 } }
            return i
        }
    }

    /// Why the current request's client key may not use `model` (403), or nil when it may (or auth is off).
    func clientKeyRefusal(model: String) -> RouterError? {
        guard let key = currentClientKey, let error = ClientAuthenticator.refusal(key: key, model: model) else { return nil }
        metrics.recordAuthRejected(reason: "model_not_allowed")
        return error
    }

    // MARK: local answers

    /// Routes polled by probes and scrapers: their successful answers are logged at debug level only.
    private static let probeRoutes: Set<String> = ["health", "health_model", "health_all", "ping", "metrics"]

    /// Brings the selector's own counters and its queue lengths into this worker's metrics cell.
    func syncMetrics() {
        metrics.syncQueues(selector.waitingRequests)
        metrics.sync(selector: selector as? RedisProviderSelector)
    }

    /// Sends a response produced by the router itself (not relayed), records it and writes its access-log line.
    func sendLocal(_ response: HTTPServerResponse, route: String, status: Int = 200, body: [UInt8], headers: HTTPHeaders = HTTPHeaders(),
                   contentType: String = "application/json", errorCode: String? = nil) {
        var fields = headers
        fields.add(name: "Content-Type", value: contentType)
        if !response.requestID.isEmpty && fields["X-Request-Id"] == nil { fields.add(name: "X-Request-Id", value: response.requestID) }
        response.send(status: status, headers: fields, body: body)
        let level: LogLevel = status < 400 && Self.probeRoutes.contains(route) ? .debug : .info
        recordAccess(response, route: route, status: status, level: level, fields: errorCode.map { [("error.code", .string($0))] } ?? [])
    }

    /// The end of every request, local or proxied: request metrics and the one access-log line (method, path,
    /// status, duration, bytes, then `fields`, then the request id and the client key id).
    func recordAccess(_ response: HTTPServerResponse, route: String, status: Int, level: LogLevel = .info, fields: [(String, LogValue)],
                      model: String = "", provider: String = "") {
        let nanoseconds = loop.now &- response.receivedAt
        metrics.recordRequest(route: route, model: model, provider: provider, status: status, nanoseconds: nanoseconds)
        if let keyID = response.clientKeyID { metrics.recordClient(keyID: keyID, status: status) }
        guard logger.enabled(level) else { return }
        let seconds = Double(nanoseconds) / 1e9
        var line: [(String, LogValue)] = [
            ("method", .string(response.requestHead.method)),
            ("path", .string(String(response.requestHead.path))),
            ("status", .int(status)),
            ("duration_ms", .double(seconds * 1000)),
            ("bytes", .int(response.bodyBytes)),
        ]
        line.append(contentsOf: fields)
        if !response.requestID.isEmpty { line.append(("request.id", .string(response.requestID))) }
        if let keyID = response.clientKeyID { line.append(("key.id", .string(keyID))) }
        logger.log(level, "request", line)
    }

    /// Answers with a router error (`X-Request-Id` is the response's own; the parameter is kept for callers).
    func finishLocally(_ response: HTTPServerResponse, route: String, error: RouterError, dialect: ClientDialect = .openAI,
                       headers: HTTPHeaders = HTTPHeaders(), requestID: String? = nil) {
        if let requestID, response.requestID.isEmpty { response.requestID = requestID }
        var fields = headers
        if let retryAfter = error.retryAfter, fields["Retry-After"] == nil { fields.add(name: "Retry-After", value: String(retryAfter)) }
        sendLocal(response, route: route, status: error.status, body: error.body(for: dialect), headers: fields, errorCode: error.code)
    }

    /// Starts the proxied call of `parsed` to `model` once the client key may use the model and `x-priority` reads
    /// (refusals in `dialect`'s shape); the answer goes back through `translator` (nil: as the provider's OpenAI
    /// answer). `logModel` and `stream` are what the access log says the client asked for.
    func startProxiedCall(_ parsed: ProxyRequest, model: ModelConfig, endpoint: EndpointKind, request: HTTPRequest, response: HTTPServerResponse,
                          route: String, logModel: String, stream: Bool, translator: ClientTranscoder? = nil, dialect: ClientDialect = .openAI) {
        if let refusal = clientKeyRefusal(model: model.name) {
            return finishLocally(response, route: route, error: refusal, dialect: dialect)
        }
        let priority: LeasePriority
        switch self.priority(of: request) {
        case .failure(let error): return finishLocally(response, route: route, error: error, dialect: dialect)
        case .success(let value): priority = value
        }
        let requestID = response.requestID
        let access = ProxiedAccess(gateway: self, route: route, model: logModel, stream: stream)
        let sink = ClientRelaySink(response: response, requestID: requestID, access: access, translator: translator,
                                   clientStream: translator == nil ? false : stream)
        let call = UpstreamCall(context: calls, request: CallRequest(endpoint: endpoint, proxy: parsed, model: model, requestID: requestID, priority: priority), sink: sink)
        sink.attach(call)
        call.start()
    }
}
