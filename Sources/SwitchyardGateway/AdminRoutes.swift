import SwitchyardCoordination
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardRouting

/// The admin endpoints (the gateway puts every `/admin/*` path behind ``AdminAccess`` before routing):
/// `GET /admin/state`, the operator's read-only view of this worker's
/// selection state.
///
/// The view is the answering worker's own: its lease counts (in flight, selections) per model and provider, the
/// strategy in force, latency scores and slot use, and circuits, plus `state` — `shared` while the worker selects
/// through Redis (configured, connected and answering), else `local`. Counts held in Redis for the whole cluster
/// are not read back; an operator sums the workers' views or reads `/metrics`. Provider hosts and keys never appear.
final class AdminRoutes {
    private unowned let gateway: Gateway

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    func register(in table: RouteTable) {
        table.add("/admin/state", name: "admin_state", method: "GET") { request, response in
            // Captures the routes strongly: the table (owned by the gateway) is what keeps them alive.
            self.gateway.sendLocal(response, route: "admin_state", body: self.stateBody(), headers: Self.noStore)
        }
    }

    private static let noStore: HTTPHeaders = {
        var headers = HTTPHeaders()
        headers.add(name: "Cache-Control", value: "no-store")
        return headers
    }()

    /// The JSON of `GET /admin/state`.
    func stateBody() -> [UInt8] {
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
            out.raw("}")
        } else {
            out.raw("null")
        }
        out.raw(",\"models\":[")
        for (modelIndex, model) in (local?.snapshot() ?? []).enumerated() {
            if modelIndex > 0 { out.raw(",") }
            out.raw("{\"name\":")
            out.string(model.name)
            out.raw(",\"strategy\":")
            out.string(model.strategy)
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
                out.raw("}")
            }
            out.raw("]}")
        }
        out.raw("]}")
        return out.bytes
    }
}
