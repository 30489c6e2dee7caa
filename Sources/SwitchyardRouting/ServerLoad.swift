/// One model server's load as its own `/metrics` page tells it: requests queued, requests running, and how full
/// its KV cache is. Read from vLLM's or SGLang's gauges; the `real_time_metrics` strategy weighs providers by it.
package struct ServerLoad: Sendable, Equatable {
    /// Requests waiting for a batch slot (`vllm:num_requests_waiting`, `sglang:num_queue_reqs`).
    package var waiting: Double
    /// Requests being decoded (`vllm:num_requests_running`, `sglang:num_running_reqs`).
    package var running: Double
    /// KV-cache use, 0…1 (`vllm:kv_cache_usage_perc`, before vLLM 0.10 `vllm:gpu_cache_usage_perc`;
    /// `sglang:token_usage`).
    package var cacheUsage: Double

    /// A load; counts below 0 count as 0 and the cache use is clamped to 0…1.
    package init(waiting: Double, running: Double, cacheUsage: Double) {
        self.waiting = max(waiting, 0)
        self.running = max(running, 0)
        self.cacheUsage = min(max(cacheUsage, 0), 1)
    }

    /// The gauges read, in the order ``init(metrics:)`` asks ``PrometheusText`` for them.
    package static let metricNames = [
        "vllm:num_requests_waiting", "vllm:num_requests_running", "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
        "sglang:num_queue_reqs", "sglang:num_running_reqs", "sglang:token_usage",
    ]

    /// The load in a Prometheus text page, or nil when the page has neither a waiting nor a running gauge (not a
    /// vLLM or SGLang server, an error page, or garbage).
    ///
    /// Series of one name (one per `model_name`, engine or data-parallel rank) are summed for the request counts;
    /// the cache use is their mean, since each series is already a fraction of its own cache. vLLM's newer
    /// `kv_cache_usage_perc` wins over the older name when a page carries both; a page without any cache gauge
    /// counts as an empty cache.
    package init?(metrics text: [UInt8]) {
        let totals = PrometheusText.totals(text, names: Self.metricNames)
        let waiting = totals[0], running = totals[1], kvCache = totals[2], gpuCache = totals[3]
        let queue = totals[4], sglangRunning = totals[5], tokenUsage = totals[6]
        guard waiting.count + running.count + queue.count + sglangRunning.count > 0 else { return nil }
        let cache = kvCache.mean ?? gpuCache.mean ?? tokenUsage.mean ?? 0
        self.init(waiting: waiting.sum + queue.sum, running: running.sum + sglangRunning.sum, cacheUsage: cache)
    }
}
