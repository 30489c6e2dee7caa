import SwitchyardCoordination
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardRouting

/// The admin endpoints (the gateway puts every `/admin/*` path behind ``AdminAccess`` before routing):
/// `GET /admin/state`, the operator's read-only view of this worker's
/// selection state.
///
/// The view is the answering worker's own: its lease counts (in flight, selections) per model and provider, the
/// strategy in force, latency scores and slot use, and circuits, plus `state` — `shared` while the worker selects
/// through Redis (configured, connected and answering), else `local`. Counts held in Redis for the whole cluster
/// are not read back; an operator sums the workers' views or reads `/metrics`. Provider hosts and keys never appear.
/// For `real_time_metrics` models each provider carries `last_scrape` (the load this worker chooses from and its
/// age), and `metrics_scraper` says whether this worker scrapes for the cluster (`leader`), reads the shared
/// results (`follower`), scrapes for itself (`local`) or has nothing to scrape (`idle`).
final class AdminRoutes {
    private unowned let gateway: Gateway

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    func register(in table: RouteTable) {
        table.add("/admin/state", name: "admin_state", method: "GET") { request, response in
            // Captures the routes strongly: the table (owned by the gateway) is what keeps them alive.
            guard let redis = self.gateway.selector as? RedisProviderSelector, redis.isConnected else {
                return self.gateway.sendLocal(response, route: "admin_state", body: self.stateBody(cluster: nil), headers: Self.noStore)
            }
            // The cluster's view comes from Redis (pipelined reads, answered within the command timeout).
            ClusterStateReader.read(self.gateway.config.models.map(\.name), client: redis.client) { cluster in
                self.gateway.sendLocal(response, route: "admin_state", body: self.stateBody(cluster: cluster), headers: Self.noStore)
            }
        }
    }

    private static let noStore: HTTPHeaders = {
        var headers = HTTPHeaders()
        headers.add(name: "Cache-Control", value: "no-store")
        return headers
    }()

    /// The JSON of `GET /admin/state`; `cluster` is the shared state read from Redis (nil without it).
    func stateBody(cluster: [ClusterModelState]? = nil) -> [UInt8] {
        let redis = gateway.selector as? RedisProviderSelector
        let local = redis?.local ?? gateway.selector as? LocalProviderSelector
        var out = JSONWriter()
        out.raw("{\"worker\":")
        gateway.identity.write(to: &out)
        out.raw(",\"state\":")
        let shared = redis.map { $0.isConnected && !$0.isOnLocalState } ?? false
        out.string(shared ? "shared" : "local")
        out.raw(",\"scope\":\"worker\",\"redis\":")
        if let redis {
            let statistics = redis.statistics
            out.raw("{\"connected\":")
            out.bool(redis.isConnected)
            out.raw(",\"on_local_state\":")
            out.bool(redis.isOnLocalState)
            out.raw(",\"shared_grants\":")
            out.number(statistics.sharedGrants)
            out.raw(",\"local_fallbacks\":")
            out.number(statistics.localFallbacks)
            out.raw(",\"script_failures\":")
            out.number(statistics.scriptFailures)
            out.raw(",\"renewals\":")
            out.number(statistics.renewals)
            out.raw(",\"late_grants_released\":")
            out.number(statistics.lateGrantsReleased)
            out.raw(",\"queued\":")
            out.number(statistics.queued)
            out.raw(",\"hand_offs\":")
            out.number(statistics.handOffs)
            out.raw(",\"queue_timeouts\":")
            out.number(statistics.queueTimeouts)
            // Time from the script that handed a slot over to the grant in this worker (recent hand-offs).
            let wakes = redis.wakeLatencies
            out.raw(",\"hand_off_latency_us\":{\"samples\":")
            out.number(wakes.total)
            out.raw(",\"p50\":")
            if let p50 = wakes.percentile(0.5) { out.raw(String(p50)) } else { out.raw("null") }
            out.raw(",\"p99\":")
            if let p99 = wakes.percentile(0.99) { out.raw(String(p99)) } else { out.raw("null") }
            out.raw("}}")
        } else {
            out.raw("null")
        }
        writeScraper(to: &out)
        out.raw(",\"models\":[")
        for (modelIndex, model) in (local?.snapshot() ?? []).enumerated() {
            if modelIndex > 0 { out.raw(",") }
            out.raw("{\"name\":")
            out.string(model.name)
            out.raw(",\"strategy\":")
            out.string(model.strategy)
            out.raw(",\"waiting_here\":")
            out.number(local?.waitingCount(model.name) ?? 0)
            if let shared = cluster?.first(where: { $0.name == model.name }) {
                Self.writeCluster(shared, providers: model.providers.map(\.id), to: &out)
            }
            out.raw(",\"providers\":[")
            for (index, provider) in model.providers.enumerated() {
                if index > 0 { out.raw(",") }
                out.raw("{\"id\":")
                out.string(provider.id)
                out.raw(",\"in_flight\":")
                out.number(provider.inFlight)
                out.raw(",\"selections\":")
                out.raw(String(provider.selections))
                out.raw(",\"latency_score\":")
                if let score = provider.latencyScore { out.number(score) } else { out.raw("null") }
                out.raw(",\"slots\":")
                if let held = provider.slotsHeld {
                    out.raw("{\"held\":")
                    out.number(held)
                    out.raw(",\"nworkers\":")
                    out.number(provider.slots)
                    out.raw("}")
                } else {
                    out.raw("null")
                }
                out.raw(",\"circuit_open\":")
                out.bool(provider.circuitOpen)
                if model.strategy == StrategyName.realTimeMetrics.rawValue { writeScrape(model: model.name, provider: provider.id, to: &out) }
                out.raw("}")
            }
            out.raw("]}")
        }
        out.raw("]}")
        return out.bytes
    }

    /// `,"metrics_scraper":{…}`: this worker's part in scraping for `real_time_metrics`.
    private func writeScraper(to out: inout JSONWriter) {
        let scraper = gateway.metricsScraper
        out.raw(",\"metrics_scraper\":{\"role\":")
        out.string(scraper.role.rawValue)
        out.raw(",\"interval_seconds\":")
        out.number(scraper.interval)
        out.raw(",\"scrapes\":")
        out.number(scraper.statistics.scrapes)
        out.raw(",\"failures\":")
        out.number(scraper.statistics.failures)
        out.raw(",\"shared_reads\":")
        out.number(scraper.statistics.reads)
        out.raw("}")
    }

    /// `,"last_scrape":{…}` (null before the first): the load of `provider` this worker chooses from, whether the
    /// scrape succeeded and is still fresh, and its age in seconds (wall clock of the scraping worker).
    private func writeScrape(model: String, provider: String, to out: inout JSONWriter) {
        let board = gateway.metricsScraper.board
        out.raw(",\"last_scrape\":")
        guard let reading = board.reading(model: model, provider: provider) else { return out.raw("null") }
        out.raw("{\"ok\":")
        out.bool(reading.load != nil)
        out.raw(",\"fresh\":")
        out.bool(board.freshLoad(reading, now: gateway.loop.now) != nil)
        let now = WallClock.microseconds() / 1000
        out.raw(",\"age_seconds\":")
        out.number(Double(now > reading.scrapedAtMilliseconds ? now - reading.scrapedAtMilliseconds : 0) / 1000)
        if let load = reading.load {
            out.raw(",\"waiting\":")
            out.number(load.waiting)
            out.raw(",\"running\":")
            out.number(load.running)
            out.raw(",\"cache_usage\":")
            out.number(load.cacheUsage)
        }
        out.raw("}")
    }

    /// `,"cluster":{…}`: the model's shared state in Redis, across every worker and router.
    private static func writeCluster(_ state: ClusterModelState, providers: [String], to out: inout JSONWriter) {
        out.raw(",\"cluster\":{\"queue_length\":")
        out.number(state.queueLength)
        out.raw(",\"providers\":[")
        for (index, id) in providers.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"id\":")
            out.string(id)
            out.raw(",\"in_flight\":")
            out.number(state.inFlight[id] ?? 0)
            out.raw(",\"selections\":")
            out.number(state.selections[id] ?? 0)
            out.raw(",\"latency_ms\":")
            if let latency = state.latencyMilliseconds[id] { out.number(latency) } else { out.raw("null") }
            out.raw(",\"circuit\":")
            if let circuit = state.circuits[id] {
                out.raw("{\"consecutive_failures\":")
                out.number(circuit.failures)
                out.raw(",\"open_until_ms\":")
                out.raw(String(circuit.openUntil))
                out.raw("}")
            } else {
                out.raw("null")
            }
            out.raw(",\"holders\":[")
            for (position, owner) in (state.holders[id] ?? []).sorted().enumerated() {
                if position > 0 { out.raw(",") }
                out.string(owner)
            }
            out.raw("]}")
        }
        out.raw("]}")
    }
}
