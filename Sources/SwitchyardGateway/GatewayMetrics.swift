import SwitchyardCoordination
import SwitchyardCore

/// Per-worker Prometheus counters, rendered in the text exposition format (version 0.0.4).
final class GatewayMetrics {
    private struct RequestKey: Hashable { var route: String; var status: Int }
    private struct UpstreamKey: Hashable { var provider: String; var outcome: String }

    private var requests: [RequestKey: Int] = [:]
    private var upstream: [UpstreamKey: Int] = [:]
    private var durationBuckets: [Int]
    private var durationSum = 0.0
    private var durationCount = 0
    private var rejected: [Int: Int] = [:]
    private var brokenStreams: [String: Int] = [:]
    private var retries: [UpstreamKey: Int] = [:]
    private var coolDowns: [String: Int] = [:]
    private var costs: [String: Double] = [:]
    private static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

    init() {
        durationBuckets = Array(repeating: 0, count: Self.bounds.count)
    }

    func recordRequest(route: String, status: Int, seconds: Double) {
        requests[RequestKey(route: route, status: status), default: 0] += 1
        durationSum += seconds
        durationCount += 1
        for (i, bound) in Self.bounds.enumerated() where seconds <= bound {
            durationBuckets[i] += 1
            break
        }
    }

    func recordUpstream(provider: String, outcome: String) {
        upstream[UpstreamKey(provider: provider, outcome: outcome), default: 0] += 1
    }

    /// A streamed answer that ended before its end (provider broke, timed out, or the router cut it).
    func recordBrokenStream(route: String) {
        brokenStreams[route, default: 0] += 1
    }

    /// A failed attempt was followed by another one (failover), by the failed provider and the reason.
    func recordRetry(provider: String, reason: String) {
        retries[UpstreamKey(provider: provider, outcome: reason), default: 0] += 1
    }

    /// A provider asked for a pause (429, or 503 with Retry-After) and was cooled down.
    func recordCoolDown(provider: String) {
        coolDowns[provider, default: 0] += 1
    }

    /// A request's estimated cost at its provider's price.
    func recordCost(provider: String, cost: Double) {
        costs[provider, default: 0] += cost
    }

    func recordRejected(status: Int) {
        rejected[status, default: 0] += 1
    }

    /// The exposition text; `coordination` adds the shared selector's counters when Redis is configured.
    func render(identity: WorkerIdentity, inFlight: Int, coordination: (RedisProviderSelectorStatistics, onLocalState: Bool)? = nil) -> [UInt8] {
        var out = ""
        let worker = "worker=\"\(identity.id)\""
        out += "# HELP switchyard_http_requests_total Requests answered, by route and status.\n# TYPE switchyard_http_requests_total counter\n"
        for (key, value) in requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            out += "switchyard_http_requests_total{\(worker),route=\"\(key.route)\",status=\"\(key.status)\"} \(value)\n"
        }
        out += "# HELP switchyard_http_rejected_total Requests rejected by the HTTP layer (malformed, too large, timed out).\n# TYPE switchyard_http_rejected_total counter\n"
        for (status, value) in rejected.sorted(by: { $0.key < $1.key }) {
            out += "switchyard_http_rejected_total{\(worker),status=\"\(status)\"} \(value)\n"
        }
        out += "# HELP switchyard_http_streams_broken_total Streamed answers cut off before their end (counted in requests_total with the status already sent).\n# TYPE switchyard_http_streams_broken_total counter\n"
        for (route, value) in brokenStreams.sorted(by: { $0.key < $1.key }) {
            out += "switchyard_http_streams_broken_total{\(worker),route=\"\(route)\"} \(value)\n"
        }
        out += "# HELP switchyard_upstream_attempts_total Upstream attempts, by provider id and outcome.\n# TYPE switchyard_upstream_attempts_total counter\n"
        for (key, value) in upstream.sorted(by: { ($0.key.provider, $0.key.outcome) < ($1.key.provider, $1.key.outcome) }) {
            out += "switchyard_upstream_attempts_total{\(worker),provider=\"\(key.provider)\",outcome=\"\(key.outcome)\"} \(value)\n"
        }
        out += "# HELP switchyard_upstream_retries_total Attempts that failed before the first byte and were retried on another provider, by the failed provider and reason.\n# TYPE switchyard_upstream_retries_total counter\n"
        for (key, value) in retries.sorted(by: { ($0.key.provider, $0.key.outcome) < ($1.key.provider, $1.key.outcome) }) {
            out += "switchyard_upstream_retries_total{\(worker),provider=\"\(key.provider)\",reason=\"\(key.outcome)\"} \(value)\n"
        }
        out += "# HELP switchyard_provider_cooldowns_total Pauses providers asked for (429, or 503 with Retry-After).\n# TYPE switchyard_provider_cooldowns_total counter\n"
        for (provider, value) in coolDowns.sorted(by: { $0.key < $1.key }) {
            out += "switchyard_provider_cooldowns_total{\(worker),provider=\"\(provider)\"} \(value)\n"
        }
        out += "# HELP switchyard_request_cost_total Estimated cost of answered requests at each provider's configured price per 1,000 prompt tokens.\n# TYPE switchyard_request_cost_total counter\n"
        for (provider, value) in costs.sorted(by: { $0.key < $1.key }) {
            out += "switchyard_request_cost_total{\(worker),provider=\"\(provider)\"} \(value)\n"
        }
        out += "# HELP switchyard_requests_in_flight Upstream calls in progress.\n# TYPE switchyard_requests_in_flight gauge\n"
        out += "switchyard_requests_in_flight{\(worker)} \(inFlight)\n"
        out += "# HELP switchyard_request_duration_seconds Time from a complete request to the end of its response.\n# TYPE switchyard_request_duration_seconds histogram\n"
        var cumulative = 0
        for (i, bound) in Self.bounds.enumerated() {
            cumulative += durationBuckets[i]
            out += "switchyard_request_duration_seconds_bucket{\(worker),le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "switchyard_request_duration_seconds_bucket{\(worker),le=\"+Inf\"} \(durationCount)\n"
        out += "switchyard_request_duration_seconds_sum{\(worker)} \(durationSum)\n"
        out += "switchyard_request_duration_seconds_count{\(worker)} \(durationCount)\n"
        if let (statistics, onLocalState) = coordination {
            out += "# HELP switchyard_selector_shared_grants_total Leases granted from the state shared through Redis.\n# TYPE switchyard_selector_shared_grants_total counter\n"
            out += "switchyard_selector_shared_grants_total{\(worker)} \(statistics.sharedGrants)\n"
            out += "# HELP switchyard_selector_local_fallbacks_total Selections made on this worker's local state because Redis could not be reached.\n# TYPE switchyard_selector_local_fallbacks_total counter\n"
            out += "switchyard_selector_local_fallbacks_total{\(worker)} \(statistics.localFallbacks)\n"
            out += "# HELP switchyard_selector_redis_failures_total Selector script calls that failed (not connected, timed out, lost, error reply).\n# TYPE switchyard_selector_redis_failures_total counter\n"
            out += "switchyard_selector_redis_failures_total{\(worker)} \(statistics.scriptFailures)\n"
            out += "# HELP switchyard_selector_local_state Whether the worker selects on local state (1) or shared state (0).\n# TYPE switchyard_selector_local_state gauge\n"
            out += "switchyard_selector_local_state{\(worker)} \(onLocalState ? 1 : 0)\n"
        }
        return Array(out.utf8)
    }
}
