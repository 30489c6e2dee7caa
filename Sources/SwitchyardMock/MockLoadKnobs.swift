/// The load a mock's `/metrics` reports, as set through `POST /mock/load` (so a test can make one server look
/// busy and another idle): each gauge is a fixed value once set, or follows the mock's own state while nil.
struct MockLoadKnobs: Sendable, Equatable {
    /// `vllm:num_requests_waiting`; nil: 0.
    var waiting: Double?
    /// `vllm:num_requests_running`; nil: the requests in flight.
    var running: Double?
    /// `vllm:gpu_cache_usage_perc` and `vllm:kv_cache_usage_perc`; nil: 1 % per request in flight, at most 1.
    var cache: Double?
    /// The status `/metrics` answers with (200 when nil); anything else answers an error instead of metrics.
    var status: Int?

    /// The knobs as JSON, the answer of `POST /mock/load`.
    var json: String {
        func value(_ number: Double?) -> String { number.map { "\($0)" } ?? "null" }
        return "{\"waiting\":\(value(waiting)),\"running\":\(value(running)),\"cache\":\(value(cache)),\"status\":\(status.map(String.init) ?? "null")}"
    }
}
