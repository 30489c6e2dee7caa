import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis
import SwitchyardRouting

/// Fetches a model server's metrics page for the ``MetricsScraper`` (the gateway implements it on the worker's
/// upstream client; tests with a fake).
package protocol MetricsFetching: AnyObject {
    /// GETs `url` with `headerLines`; `completion` gets the body of a 200 answer, or nil (connection error, timeout
    /// after `timeout` seconds, another status), on the loop thread and never before this returns.
    func fetchMetrics(url: String, headerLines: [String], timeout: Double, completion: @escaping ([UInt8]?) -> Void)
}

/// Keeps a worker's ``ServerLoadBoard`` current for the models served by `real_time_metrics`: every
/// `metrics_update_interval` seconds (the model's own, else the configuration's, else 10) the vLLM and SGLang
/// providers of those models have their `<api_host>/metrics` page read, and the loads (``ServerLoad``) land on
/// every worker's board. Rounds run at the shortest interval in use; a page is fetched when its own interval
/// (the shortest among the models it serves) is up.
///
/// **With Redis**, exactly one worker of the whole cluster scrapes, elected through ``LeaseElection``. It
/// publishes each result into the model's hash `<prefix>{<model>}:rtm` (field: provider id, value:
/// `waiting,running,cache,scrapedAtMs`, or `,,,scrapedAtMs` for a failed scrape; the hash expires when nobody
/// writes it for a while), and every worker reads the hashes of its `real_time_metrics` models once per interval
/// (one `HGETALL` per model) into its board. None of this is on the request path. While Redis cannot be reached,
/// each worker scrapes for itself, so the choice stays informed.
///
/// **Without Redis** (the supervisor's private Redis turned off or unavailable), each worker scrapes for itself:
/// workers share nothing else then either, and N workers × servers small GETs per interval are cheap next to
/// the alternative of a blind choice on every worker but one.
///
/// A scrape times out after `min(5, max(1, interval))` seconds; a reading is stale (its server counts as average)
/// three of its model's intervals plus that timeout after it arrived. A failure (unreachable, timeout, not a 200,
/// not a metrics page) records a failed reading, which the strategy treats as average. A server whose previous
/// scrape has not finished is skipped this round. One page is fetched once per round even when several
/// providers (of several models) share its server.
package final class MetricsScraper {
    /// What this worker does for the scrape.
    package enum Role: String, Sendable {
        /// No model uses `real_time_metrics`.
        case idle
        /// It scrapes for itself (no Redis, or Redis unreachable).
        case local
        /// It holds the cluster's lease and scrapes for every worker.
        case leader
        /// Another worker scrapes; this one reads the shared results.
        case follower
    }

    /// Counters for the operator view and tests.
    package struct Statistics: Sendable, Equatable {
        /// Pages fetched and read as a load.
        package var scrapes = 0
        /// Fetches that failed or did not carry a load.
        package var failures = 0
        /// Shared hashes read back.
        package var reads = 0
        /// Times this worker took the lease.
        package var terms = 0
    }

    /// One server's page and the providers (of `real_time_metrics` models) it belongs to.
    struct Target {
        var url: String
        var headerLines: [String]
        var uses: [(model: String, provider: String)]
        /// Seconds between its scrapes: the shortest interval of the models it serves.
        var interval: Double
    }

    /// The interval when the configuration gives none (LLMStream's default).
    package static let defaultInterval = 10.0
    /// The shortest interval honoured (50 ms): a smaller value would spin the loop and flood the servers.
    package static let minimumInterval = 0.05

    /// The loads this worker's strategy chooses from.
    package let board: ServerLoadBoard
    package private(set) var role = Role.idle
    package private(set) var statistics = Statistics()
    /// Seconds between rounds: the shortest `metrics_update_interval` of the `real_time_metrics` models.
    package private(set) var interval = MetricsScraper.defaultInterval
    /// The election, when Redis is configured.
    package let election: LeaseElection?

    private let loop: EventLoop
    private let fetcher: MetricsFetching
    private let client: RedisClient?
    private let logger: Logger
    private let defaultStrategy: String
    private var targets: [Target] = []
    /// The `real_time_metrics` models and their provider ids.
    private var models: [(name: String, providers: Set<String>)] = []
    private var fetching: Set<String> = []
    /// When each page is due for its next scrape (loop clock), by URL.
    private var due: [String: UInt64] = [:]
    private var timer: TimerID?
    private var closed = false

    /// A scraper for `config`; `client` (started by the caller) shares the scrape, nil scrapes per worker.
    /// `owner` names this worker in the election (`<instance id>:<pid>`). Call ``start()`` to begin.
    package init(loop: EventLoop, board: ServerLoadBoard, fetcher: MetricsFetching, client: RedisClient?, owner: String,
                 defaultStrategy: String, config: ModelsConfig, logger: Logger) {
        self.loop = loop
        self.board = board
        self.fetcher = fetcher
        self.client = client
        self.logger = logger
        self.defaultStrategy = defaultStrategy
        election = client.map { LeaseElection(client: $0, owner: owner) }
        apply(config)
    }

    deinit {
        if let timer { loop.cancel(timer) }
    }

    /// Starts the rounds: the first one now (after the current loop iteration), then every interval.
    package func start() {
        guard timer == nil, !closed else { return }
        timer = loop.schedule(afterNanoseconds: 0) { [weak self] in self?.round() }
    }

    /// Takes in a new configuration (models, providers, intervals); a round runs at once, so a shorter interval
    /// does not wait out the old one.
    package func reload(config: ModelsConfig) {
        apply(config)
        guard let pending = timer else { return }
        loop.cancel(pending)
        timer = loop.schedule(afterNanoseconds: 0) { [weak self] in self?.round() }
    }

    /// Stops the rounds and hands the lease over (a graceful stop).
    package func close() {
        closed = true
        if let timer { loop.cancel(timer) }
        timer = nil
        election?.resign()
    }

    private func apply(_ config: ModelsConfig) {
        let (targets, models) = Self.targets(of: config, defaultStrategy: defaultStrategy)
        self.targets = targets
        self.models = models
        interval = targets.map(\.interval).min() ?? max(config.metricsUpdateInterval ?? Self.defaultInterval, Self.minimumInterval)
        var stale: [String: UInt64] = [:]
        for model in config.models {
            let seconds = Self.interval(of: model, in: config)
            stale[model.name] = MonotonicClock.nanoseconds(3 * seconds + Self.timeout(seconds))
        }
        board.staleAfter = stale
        board.retain(models: Set(models.map(\.name)))
    }

    /// The scrape interval of `model`: its own, else the configuration's, else ``defaultInterval``; at least
    /// ``minimumInterval``.
    static func interval(of model: ModelConfig, in config: ModelsConfig) -> Double {
        max(model.metricsUpdateInterval ?? config.metricsUpdateInterval ?? defaultInterval, minimumInterval)
    }

    /// A scrape's timeout for `interval`: `min(5, max(1, interval))` seconds.
    static func timeout(_ interval: Double) -> Double { min(5, max(1, interval)) }

    /// The pages to scrape for `config`: the vLLM and SGLang providers of models whose strategy (their own or
    /// `defaultStrategy`) is `real_time_metrics`, one target per page; and those models with their provider ids.
    static func targets(of config: ModelsConfig, defaultStrategy: String) -> ([Target], [(name: String, providers: Set<String>)]) {
        var targets: [Target] = []
        var byURL: [String: Int] = [:]
        var models: [(name: String, providers: Set<String>)] = []
        for model in config.models where StrategyName(rawValue: model.strategy ?? defaultStrategy) == .realTimeMetrics {
            models.append((model.name, Set(model.providers.map(\.id))))
            let seconds = interval(of: model, in: config)
            for provider in model.providers where provider.apiType == .vllm || provider.apiType == .sglang {
                let url = metricsURL(provider.apiHost)
                if let index = byURL[url] {
                    targets[index].uses.append((model.name, provider.id))
                    targets[index].interval = min(targets[index].interval, seconds)
                    continue
                }
                byURL[url] = targets.count
                let headers = provider.apiToken.isEmpty ? [] : ["Authorization: Bearer \(provider.apiToken)"]
                targets.append(Target(url: url, headerLines: headers, uses: [(model.name, provider.id)], interval: seconds))
            }
        }
        return (targets, models)
    }

    /// `<api_host>/metrics`, the server's root even when `api_host` ends in the OpenAI base path `/v1`.
    static func metricsURL(_ apiHost: String) -> String {
        var host = apiHost
        while host.hasSuffix("/") { host.removeLast() }
        if host.hasSuffix("/v1") { host.removeLast(3) }
        return host + "/metrics"
    }

    // MARK: rounds

    private func round() {
        timer = nil
        guard !closed else { return }
        defer { timer = loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(interval)) { [weak self] in self?.round() } }
        guard !targets.isEmpty else {
            if role == .leader { election?.resign() }
            role = .idle
            return
        }
        guard let client, let election, client.isConnected else {
            role = .local
            scrape(publish: nil)
            return
        }
        election.step(leaseMilliseconds: Int(3 * interval * 1000)) { [weak self] leader in
            guard let self, !self.closed else { return }
            if leader && self.role != .leader {
                self.statistics.terms += 1
                self.logger.info("this worker scrapes the model servers' metrics for the cluster", [("owner", .string(election.owner))])
            }
            self.role = leader ? .leader : .follower
            if leader { self.scrape(publish: client) }
        }
        readShared(client)
    }

    /// Fetches every target that is due and not still being fetched; results go to the board and, through
    /// `publish`, to Redis.
    private func scrape(publish: RedisClient?) {
        let now = loop.now
        // Half a round of slack, so that a page due just after this round is not put off to the next one.
        let horizon = now &+ MonotonicClock.nanoseconds(interval / 2)
        for target in targets where !fetching.contains(target.url) && due[target.url, default: 0] <= horizon {
            fetching.insert(target.url)
            due[target.url] = now &+ MonotonicClock.nanoseconds(target.interval)
            fetcher.fetchMetrics(url: target.url, headerLines: target.headerLines, timeout: Self.timeout(target.interval)) { [weak self] body in
                self?.scraped(target, body: body, publish: publish)
            }
        }
    }

    private func scraped(_ target: Target, body: [UInt8]?, publish: RedisClient?) {
        fetching.remove(target.url)
        let load = body.flatMap { ServerLoad(metrics: $0) }
        if load == nil { statistics.failures += 1 } else { statistics.scrapes += 1 }
        let milliseconds = WallClock.microseconds() / 1000
        for use in target.uses {
            board.record(model: use.model, provider: use.provider, load: load, scrapedAtMilliseconds: milliseconds, now: loop.now)
        }
        guard let publish, !closed else { return }
        let value = Self.encode(load, scrapedAtMilliseconds: milliseconds)
        let expiry = Int(max(10 * target.interval, 60) * 1000)
        for use in target.uses {
            let key = publish.keys.model(use.model, "rtm")
            publish.send(["HSET", key, use.provider, value]) { _ in }
            publish.send(["PEXPIRE", key, expiry]) { _ in }
        }
    }

    /// One `HGETALL` per `real_time_metrics` model; the readings of its configured providers go to the board.
    private func readShared(_ client: RedisClient) {
        for model in models {
            client.send(["HGETALL", client.keys.model(model.name, "rtm")]) { [weak self] result in
                guard let self, case .success(.array(let items)) = result else { return }
                self.statistics.reads += 1
                let now = self.loop.now
                var index = 0
                while index + 1 < items.count {
                    defer { index += 2 }
                    guard let provider = items[index].text, model.providers.contains(provider), let value = items[index + 1].text,
                          let (load, milliseconds) = Self.decode(value) else { continue }
                    self.board.record(model: model.name, provider: provider, load: load, scrapedAtMilliseconds: milliseconds, now: now)
                }
            }
        }
    }

    // MARK: encoding

    /// `waiting,running,cache,scrapedAtMs` (whole numbers without a fraction), or `,,,scrapedAtMs` for no load.
    package static func encode(_ load: ServerLoad?, scrapedAtMilliseconds: UInt64) -> String {
        guard let load else { return ",,,\(scrapedAtMilliseconds)" }
        return "\(compact(load.waiting)),\(compact(load.running)),\(compact(load.cacheUsage)),\(scrapedAtMilliseconds)"
    }

    /// The reading in an ``encode(_:scrapedAtMilliseconds:)`` value: its load (nil: a failed scrape) and time;
    /// nil when the value is malformed.
    package static func decode(_ value: String) -> (ServerLoad?, UInt64)? {
        let fields = value.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 4, let milliseconds = UInt64(fields[3]) else { return nil }
        if fields[0].isEmpty && fields[1].isEmpty && fields[2].isEmpty { return (nil, milliseconds) }
        guard let waiting = Double(fields[0]), let running = Double(fields[1]), let cache = Double(fields[2]),
              waiting.isFinite, running.isFinite, cache.isFinite else { return nil }
        return (ServerLoad(waiting: waiting, running: running, cacheUsage: cache), milliseconds)
    }

    private static func compact(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
