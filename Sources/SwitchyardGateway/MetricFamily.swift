/// Every family `/metrics` exposes: its name, help, type and (for histograms) bucket bounds. The raw value is
/// the family's number in the shared series dictionary (``SharedCounters``), so it must never be reused.
enum MetricFamily: UInt8, CaseIterable {
    case httpRequests = 1
    case httpRejected = 2
    case streamsBroken = 3
    case upstreamAttempts = 4
    case requestsInFlight = 5
    case requestDuration = 6
    case routerOverhead = 7
    case timeToFirstToken = 8
    case tokens = 9
    case providerInFlight = 10
    case selections = 11
    case retries = 12
    case fallbacks = 13
    case redisRoundTrip = 14
    case redisErrors = 15
    case selectorSharedGrants = 16
    case selectorLocalFallbacks = 17
    case selectorRedisFailures = 18
    case selectorLocalState = 19
    case clientRequests = 20
    case authRejected = 21
    case workers = 22
    case seriesDropped = 23
    // Admission (issue 10); numbered apart so other additions do not collide.
    case retryReasons = 40
    case providerCoolDowns = 41
    case requestCost = 42
    case queueWaits = 43
    case queueWaitDuration = 44
    case admissionRejections = 45
    case tokenReservations = 46
    case queueWaiting = 47

    enum Kind { case counter, gauge, histogram }

    var name: String {
        switch self {
        case .httpRequests: "switchyard_http_requests_total"
        case .httpRejected: "switchyard_http_rejected_total"
        case .streamsBroken: "switchyard_http_streams_broken_total"
        case .upstreamAttempts: "switchyard_upstream_attempts_total"
        case .requestsInFlight: "switchyard_requests_in_flight"
        case .requestDuration: "switchyard_request_duration_seconds"
        case .routerOverhead: "switchyard_router_overhead_seconds"
        case .timeToFirstToken: "switchyard_time_to_first_token_seconds"
        case .tokens: "switchyard_tokens_total"
        case .providerInFlight: "switchyard_provider_in_flight"
        case .selections: "switchyard_selections_total"
        case .retries: "switchyard_upstream_retries_total"
        case .fallbacks: "switchyard_model_fallbacks_total"
        case .redisRoundTrip: "switchyard_redis_round_trip_seconds"
        case .redisErrors: "switchyard_redis_errors_total"
        case .selectorSharedGrants: "switchyard_selector_shared_grants_total"
        case .selectorLocalFallbacks: "switchyard_selector_local_fallbacks_total"
        case .selectorRedisFailures: "switchyard_selector_redis_failures_total"
        case .selectorLocalState: "switchyard_selector_local_state"
        case .clientRequests: "switchyard_client_requests_total"
        case .authRejected: "switchyard_auth_rejected_total"
        case .workers: "switchyard_workers"
        case .seriesDropped: "switchyard_metrics_series_dropped_total"
        case .retryReasons: "switchyard_upstream_retry_reasons_total"
        case .providerCoolDowns: "switchyard_provider_cooldowns_total"
        case .requestCost: "switchyard_request_cost_micros_total"
        case .queueWaits: "switchyard_queue_waits_total"
        case .queueWaitDuration: "switchyard_queue_wait_seconds"
        case .admissionRejections: "switchyard_admission_rejections_total"
        case .tokenReservations: "switchyard_tpm_reservation_tokens_total"
        case .queueWaiting: "switchyard_queue_waiting"
        }
    }

    var help: String {
        switch self {
        case .httpRequests: "Requests answered, by route, model, provider (the last one tried) and status."
        case .httpRejected: "Requests rejected by the HTTP layer (malformed, too large, timed out)."
        case .streamsBroken: "Streamed answers cut off before their end (counted in requests_total with the status already sent)."
        case .upstreamAttempts: "Upstream attempts, by provider id and outcome."
        case .requestsInFlight: "Upstream calls in progress in the instance."
        case .requestDuration: "Time from a complete request to the end of its response, by route."
        case .routerOverhead: "Time a proxied request spent in the router outside upstream attempts (parsing, selection, waiting for a provider, relaying)."
        case .timeToFirstToken: "Time from a streamed request to the first body bytes of its answer, by model."
        case .tokens: "Tokens by model, provider and direction (prompt, completion), as the providers report them."
        case .providerInFlight: "Upstream attempts in progress, by provider."
        case .selections: "Providers granted by the selector, by strategy."
        case .retries: "Upstream attempts after the first one of a request (failover), by model."
        case .fallbacks: "Requests that moved to a fallback model, by model and fallback model."
        case .redisRoundTrip: "Time from sending a Redis command to its reply."
        case .redisErrors: "Redis failures, by kind (not_connected, timeout, connection_failure, error_reply)."
        case .selectorSharedGrants: "Leases granted from the state shared through Redis."
        case .selectorLocalFallbacks: "Selections made on a worker's local state because Redis could not be reached."
        case .selectorRedisFailures: "Selector script calls that failed (not connected, timed out, lost, error reply)."
        case .selectorLocalState: "Workers selecting on local state (Redis unavailable)."
        case .clientRequests: "Requests by client key id and status (only with LLM_ROUTER_AUTH_ENABLED)."
        case .authRejected: "Requests refused by client-key authentication, by reason."
        case .workers: "Worker processes of the instance reporting into these metrics."
        case .seriesDropped: "Observations not recorded because the shared series dictionary is full or a label set is too long."
        case .retryReasons: "Failed attempts that were retried on another provider, by the failed provider and reason (status_429, status_503, connect, timeout, …)."
        case .providerCoolDowns: "Pauses providers asked for (429, or 503 with Retry-After) during which they get no requests."
        case .requestCost: "Estimated cost of answered requests at each provider's configured price per 1,000 prompt tokens, in millionths."
        case .queueWaits: "Requests that waited in a model's queue, by how the wait ended (granted, timed_out, cancelled)."
        case .queueWaitDuration: "Time requests waited in a model's queue."
        case .admissionRejections: "Requests refused before reaching a provider, by reason (queue_full, queue_timeout, context_length_exceeded, no_provider_available)."
        case .tokenReservations: "TPM reservations against providers' token limits and the usage they were settled on (kind: reserved, used)."
        case .queueWaiting: "Requests of the instance waiting in a model's queue for a provider now (sampled every second and at each scrape)."
        }
    }

    var kind: Kind {
        switch self {
        case .requestsInFlight, .providerInFlight, .selectorLocalState, .workers, .queueWaiting: .gauge
        case .requestDuration, .routerOverhead, .timeToFirstToken, .redisRoundTrip, .queueWaitDuration: .histogram
        default: .counter
        }
    }

    /// Upper bounds of a histogram's buckets, in seconds.
    var bounds: [Double] {
        switch self {
        case .requestDuration: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
        case .routerOverhead, .redisRoundTrip: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
        case .timeToFirstToken: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
        case .queueWaitDuration: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
        default: []
        }
    }

    /// Words one series takes: 1, or count + sum (nanoseconds) + one per bucket for a histogram.
    var words: Int { kind == .histogram ? 2 + bounds.count : 1 }
}
