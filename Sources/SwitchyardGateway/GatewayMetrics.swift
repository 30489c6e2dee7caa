import Glibc
import SwitchyardCoordination
import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis

/// The instance's Prometheus metrics, as one worker sees them: it records into its own cell of the instance's
/// ``SharedCounters`` (relaxed atomic adds, no locks, no system calls) and renders the sum of every cell, so one
/// scrape of any worker returns the whole instance, each family once (text exposition format 0.0.4).
///
/// Series are found through a per-worker cache keyed by the family and its label values; a miss (once per series
/// and worker) looks the label text up in the shared dictionary or publishes it. Label values with unbounded
/// cardinality (model, provider, client key id) come only from the configuration, never from a request's bytes
/// (an unknown model is counted without a model label), so the dictionary grows with the configurations the
/// instance ran, not with traffic; when it is full, observations of new series are counted in
/// `switchyard_metrics_series_dropped_total` instead.
final class GatewayMetrics {
    private struct SeriesKey: Hashable {
        var family: UInt8
        var a: String
        var b: String
        var c: String
        var n: Int
    }

    let region: SharedCounters
    /// This worker's cell.
    let cell: Int
    /// The strategy of models that name none (`LLM_ROUTER_BALANCE_STRATEGY`), for `selections_total`.
    var defaultStrategy = StrategyName.defaultName.rawValue
    private var cache: [SeriesKey: Int] = [:]
    private var inFlightWord = 0
    private var droppedWord: Int?
    private var localStateWord: Int?
    /// Models whose `queue_waiting` series this worker has set, so that a queue that empties is set back to zero.
    private var queueModels: Set<String> = []
    /// Values of pulled statistics (selector, Redis client) already added to the cell, by family and kind.
    private var synced: [SeriesKey: Int] = [:]
    /// Bucket bounds in nanoseconds, per histogram family (indexed by its raw value; empty for other families).
    private var boundsNanos: [[UInt64]] = []
    /// The last two series looked up per family (indexed by its raw value): consecutive requests of one route,
    /// model and provider find theirs by comparing strings (their storage is shared with the configuration) instead
    /// of hashing them. Two ways, as a request records prompt and completion tokens, two series of one family.
    private var recent: [RecentSeries] = []

    /// A family's last two series and their offsets (-1: cannot be recorded).
    private struct RecentSeries {
        var last: (key: SeriesKey, offset: Int)?
        var older: (key: SeriesKey, offset: Int)?

        func offset(of key: SeriesKey) -> Int? {
            if let last, last.key == key { return last.offset }
            if let older, older.key == key { return older.offset }
            return nil
        }

        mutating func remember(_ key: SeriesKey, _ offset: Int) {
            older = last
            last = (key, offset)
        }
    }

    /// Metrics recording into `cell` of `region`.
    init(region: SharedCounters, cell: Int) {
        self.region = region
        self.cell = cell
        let families = Int(MetricFamily.allCases.map(\.rawValue).max() ?? 0) + 1
        boundsNanos = Array(repeating: [], count: families)
        recent = Array(repeating: RecentSeries(), count: families)
        for family in MetricFamily.allCases where family.kind == .histogram {
            boundsNanos[Int(family.rawValue)] = family.bounds.map { UInt64(($0 * 1e9).rounded()) }
        }
        droppedWord = region.series(family: MetricFamily.seriesDropped.rawValue, labels: [], kind: .counter, words: 1)
        inFlightWord = region.series(family: MetricFamily.requestsInFlight.rawValue, labels: [], kind: .gauge, words: 1) ?? 0
        if let workers = region.series(family: MetricFamily.workers.rawValue, labels: [], kind: .gauge, words: 1) {
            region.cellWord(cell: cell, workers).pointee.store(1, ordering: .relaxed)
        }
    }

    /// Metrics in a region of their own (a worker run without a supervisor, tests).
    static func standalone() -> GatewayMetrics {
        // A private region cannot fail for want of anything but memory; a mapping failure there is fatal anyway.
        let region = try! SharedCounters.create(name: "switchyard-metrics-standalone", layout: .init(cells: 1, series: 1024, wordsPerCell: 8192, globalWords: 1024))
        return GatewayMetrics(region: region, cell: region.claimCell(pid: getpid()) ?? 0)
    }

    // MARK: recording (hot path)

    /// The word offset of a series, from the cache or the shared dictionary; nil when it cannot be recorded.
    @inline(__always)
    private func word(_ family: MetricFamily, _ a: String = "", _ b: String = "", _ c: String = "", _ n: Int = -1,
                      labels: () -> [(String, String)]) -> Int? {
        let key = SeriesKey(family: family.rawValue, a: a, b: b, c: c, n: n)
        let slot = Int(family.rawValue)
        if let found = recent[slot].offset(of: key) { return found >= 0 ? found : nil }
        let offset: Int?
        if let found = cache[key] {
            offset = found >= 0 ? found : nil
        } else {
            offset = region.series(family: family.rawValue, labels: Self.labelText(labels()), kind: family.kind == .gauge ? .gauge : .counter, words: family.words)
            cache[key] = offset ?? -1
        }
        recent[slot].remember(key, offset ?? -1)
        return offset
    }

    private func count(_ offset: Int?, _ delta: UInt64 = 1) {
        if let offset {
            region.add(cell: cell, word: offset, delta)
        } else if let droppedWord {
            region.add(cell: cell, word: droppedWord, 1)
        }
    }

    private func observe(_ family: MetricFamily, _ offset: Int?, nanoseconds: UInt64) {
        guard let offset else { return count(nil) }
        region.add(cell: cell, word: offset, 1)
        region.add(cell: cell, word: offset + 1, nanoseconds)
        let bounds = boundsNanos[Int(family.rawValue)]
        for index in bounds.indices where nanoseconds <= bounds[index] {
            region.add(cell: cell, word: offset + 2 + index, 1)
            return
        }
    }

    /// One answered request: its route, model and provider (empty when none), status and duration.
    func recordRequest(route: String, model: String = "", provider: String = "", status: Int, nanoseconds: UInt64) {
        count(word(.httpRequests, route, model, provider, status) {
            [("route", route), ("model", model), ("provider", provider), ("status", String(status))]
        })
        observe(.requestDuration, word(.requestDuration, route) { [("route", route)] }, nanoseconds: nanoseconds)
    }

    /// The router's own share of a proxied request's time.
    func recordOverhead(nanoseconds: UInt64) {
        observe(.routerOverhead, word(.routerOverhead) { [] }, nanoseconds: nanoseconds)
    }

    /// Time to the first body bytes of a streamed answer.
    func recordFirstToken(model: String, nanoseconds: UInt64) {
        observe(.timeToFirstToken, word(.timeToFirstToken, model) { [("model", model)] }, nanoseconds: nanoseconds)
    }

    func recordUpstream(provider: String, outcome: String) {
        count(word(.upstreamAttempts, provider, outcome) { [("provider", provider), ("outcome", outcome)] })
    }

    /// An upstream attempt on `provider` began (`delta` 1) or ended (`delta` -1).
    func providerInFlight(_ provider: String, _ delta: Int) {
        count(word(.providerInFlight, provider) { [("provider", provider)] }, UInt64(bitPattern: Int64(delta)))
    }

    /// An upstream call began (`delta` 1) or ended (`delta` -1).
    func callsInFlight(_ delta: Int) {
        region.add(cell: cell, word: inFlightWord, UInt64(bitPattern: Int64(delta)))
    }

    func recordSelection(strategy: String) {
        count(word(.selections, strategy) { [("strategy", strategy)] })
    }

    func recordRetry(model: String) {
        count(word(.retries, model) { [("model", model)] })
    }

    func recordFallback(model: String, fallback: String) {
        count(word(.fallbacks, model, fallback) { [("model", model), ("fallback_model", fallback)] })
    }

    /// Token usage of one answer as its provider reported it: the hook for usage accounting.
    func recordTokens(model: String, provider: String, prompt: Int, completion: Int) {
        if prompt > 0 {
            count(word(.tokens, model, provider, "prompt") { [("model", model), ("provider", provider), ("direction", "prompt")] }, UInt64(prompt))
        }
        if completion > 0 {
            count(word(.tokens, model, provider, "completion") { [("model", model), ("provider", provider), ("direction", "completion")] }, UInt64(completion))
        }
    }

    /// A streamed answer that ended before its end (provider broke, timed out, or the router cut it).
    func recordBrokenStream(route: String) {
        count(word(.streamsBroken, route) { [("route", route)] })
    }

    /// A failed attempt was followed by another one (failover), by the failed provider and the reason
    /// (`status_429`, `status_503`, `connect`, `timeout`, …).
    func recordRetryReason(provider: String, reason: String) {
        count(word(.retryReasons, provider, reason) { [("provider", provider), ("reason", reason)] })
    }

    /// A provider asked for a pause (429, or 503 with Retry-After) and was cooled down.
    /// A wait in `model`'s queue ended (`granted`, `timed_out`, `cancelled`) after `nanoseconds`.
    func recordQueueWait(model: String, outcome: String, nanoseconds: UInt64) {
        count(word(.queueWaits, model, outcome) { [("model", model), ("outcome", outcome)] })
        observe(.queueWaitDuration, word(.queueWaitDuration, model) { [("model", model)] }, nanoseconds: nanoseconds)
    }

    /// A request refused before reaching a provider, by error code.
    func recordAdmissionRejection(model: String, reason: String) {
        count(word(.admissionRejections, model, reason) { [("model", model), ("reason", reason)] })
    }

    /// A TPM reservation (`reserved`) and the usage it was settled on (`used`), in tokens.
    func recordReservation(provider: String, reserved: Int, used: Int) {
        if reserved > 0 { count(word(.tokenReservations, provider, "reserved") { [("provider", provider), ("kind", "reserved")] }, UInt64(reserved)) }
        if used > 0 { count(word(.tokenReservations, provider, "used") { [("provider", provider), ("kind", "used")] }, UInt64(used)) }
    }

    func recordCoolDown(provider: String) {
        count(word(.providerCoolDowns, provider) { [("provider", provider)] })
    }

    /// A request's estimated cost at its provider's configured price, counted in millionths.
    func recordCost(provider: String, cost: Double) {
        guard cost > 0, cost.isFinite else { return }
        count(word(.requestCost, provider) { [("provider", provider)] }, UInt64((cost * 1e6).rounded()))
    }

    func recordRejected(status: Int) {
        count(word(.httpRejected, "", "", "", status) { [("status", String(status))] })
    }

    /// A request of an authenticated client key, with its final status.
    func recordClient(keyID: String, status: Int) {
        count(word(.clientRequests, keyID, "", "", status) { [("key_id", keyID), ("status", String(status))] })
    }

    /// A request refused by client-key authentication: `reason` is `missing_key`, `invalid_key`,
    /// `rate_limited` or `model_not_allowed`.
    func recordAuthRejected(reason: String) {
        count(word(.authRejected, reason) { [("reason", reason)] })
    }

    /// One Redis reply's round-trip time.
    func recordRedisRoundTrip(nanoseconds: UInt64) {
        observe(.redisRoundTrip, word(.redisRoundTrip) { [] }, nanoseconds: nanoseconds)
    }

    // MARK: pulled statistics

    /// Adds what the selector and its Redis client counted since the last call (they keep their own counters;
    /// called every second and before each scrape).
    func sync(selector: RedisProviderSelector?) {
        guard let selector else { return }
        let statistics = selector.statistics
        pull(.selectorSharedGrants, "", statistics.sharedGrants)
        pull(.selectorLocalFallbacks, "", statistics.localFallbacks)
        pull(.selectorRedisFailures, "", statistics.scriptFailures)
        let client = selector.client.statistics
        pull(.redisErrors, "not_connected", client.notConnectedFailures)
        pull(.redisErrors, "timeout", client.timeouts)
        pull(.redisErrors, "connection_failure", client.connectionFailures)
        pull(.redisErrors, "error_reply", client.errorReplies)
        if localStateWord == nil {
            localStateWord = region.series(family: MetricFamily.selectorLocalState.rawValue, labels: [], kind: .gauge, words: 1)
        }
        if let localStateWord {
            region.cellWord(cell: cell, localStateWord).pointee.store(selector.isOnLocalState ? 1 : 0, ordering: .relaxed)
        }
    }

    /// Sets this worker's share of `switchyard_queue_waiting` to the requests waiting now, by model (the selector's
    /// ``ProviderSelector/waitingRequests``); called every second and before each scrape.
    func syncQueues(_ waiting: [String: Int]) {
        queueModels.formUnion(waiting.keys)
        for model in queueModels {
            guard let offset = word(.queueWaiting, model, labels: { [("model", model)] }) else { continue }
            region.cellWord(cell: cell, offset).pointee.store(UInt64(waiting[model] ?? 0), ordering: .relaxed)
        }
    }

    private func pull(_ family: MetricFamily, _ kind: String, _ total: Int) {
        let key = SeriesKey(family: family.rawValue, a: kind, b: "", c: "", n: -1)
        let delta = total - synced[key, default: 0]
        // Touch the series even at zero, so the family shows a sample once Redis is configured.
        let offset = word(family, kind) { kind.isEmpty ? [] : [("kind", kind)] }
        guard delta > 0 else { return }
        synced[key] = total
        count(offset, UInt64(delta))
    }

    // MARK: rendering

    /// The exposition text of the whole instance: every family once, each series summed over every worker.
    func render() -> [UInt8] {
        var sums: [UInt8: [[UInt8]: [UInt64]]] = [:]
        for entry in region.entries() where entry.kind != .global {
            var values = (0..<entry.words).map { region.sum(word: entry.offset + $0) }
            if let existing = sums[entry.family]?[entry.labels] {
                for index in values.indices where index < existing.count { values[index] &+= existing[index] }
            }
            sums[entry.family, default: [:]][entry.labels] = values
        }
        var out: [UInt8] = []
        out.reserveCapacity(16 * 1024)
        for family in MetricFamily.allCases {
            let name = family.name
            out.append(contentsOf: "# HELP \(name) \(family.help)\n# TYPE \(name) ".utf8)
            switch family.kind {
            case .counter: out.append(contentsOf: "counter\n".utf8)
            case .gauge: out.append(contentsOf: "gauge\n".utf8)
            case .histogram: out.append(contentsOf: "histogram\n".utf8)
            }
            let series = (sums[family.rawValue] ?? [:]).sorted { $0.key.lexicographicallyPrecedes($1.key) }
            for (labels, values) in series {
                switch family.kind {
                case .counter:
                    Self.sample(&out, name, labels, nil, String(values[0]))
                case .gauge:
                    Self.sample(&out, name, labels, nil, String(Int64(bitPattern: values[0])))
                case .histogram:
                    var cumulative: UInt64 = 0
                    for (index, bound) in family.bounds.enumerated() {
                        cumulative &+= values[2 + index]
                        Self.sample(&out, name + "_bucket", labels, Self.format(bound), String(cumulative))
                    }
                    Self.sample(&out, name + "_bucket", labels, "+Inf", String(values[0]))
                    Self.sample(&out, name + "_sum", labels, nil, Self.format(Double(values[1]) / 1e9))
                    Self.sample(&out, name + "_count", labels, nil, String(values[0]))
                }
            }
        }
        return out
    }

    private static func sample(_ out: inout [UInt8], _ name: String, _ labels: [UInt8], _ le: String?, _ value: String) {
        out.append(contentsOf: name.utf8)
        if !labels.isEmpty || le != nil {
            out.append(UInt8(ascii: "{"))
            out.append(contentsOf: labels)
            if let le {
                if !labels.isEmpty { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "le=\"\(le)\"".utf8)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: value.utf8)
        out.append(UInt8(ascii: "\n"))
    }

    /// A float as Prometheus reads it (`1`, `0.25`, `1e-05`).
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// `name="value",…` with the exposition format's escapes (backslash, double quote, line feed); pairs with an
    /// empty value are left out (Prometheus reads an empty label as an absent one).
    static func labelText(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in pairs where !value.isEmpty {
            if !out.isEmpty { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "=\"".utf8)
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        return out
    }
}
