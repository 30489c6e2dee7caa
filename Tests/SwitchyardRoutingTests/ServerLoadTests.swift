import Testing
@testable import SwitchyardRouting

@Suite("Server load from a metrics page")
struct ServerLoadTests {
    @Test("vLLM V1: counts summed over engines, cache the mean of the engines' fractions")
    func vllmV1() {
        #expect(ServerLoad(metrics: Array(MetricsPages.vllmV1.utf8)) == ServerLoad(waiting: 3, running: 12, cacheUsage: 0.375))
    }

    @Test("vLLM V0: the older gpu_cache_usage_perc name")
    func vllmV0() {
        #expect(ServerLoad(metrics: Array(MetricsPages.vllmV0.utf8)) == ServerLoad(waiting: 4, running: 3, cacheUsage: 0.875))
    }

    @Test("SGLang: queue, running and token usage")
    func sglang() {
        #expect(ServerLoad(metrics: Array(MetricsPages.sglang.utf8)) == ServerLoad(waiting: 6, running: 9, cacheUsage: 0.62))
    }

    @Test("the newer cache gauge wins when a page has both names")
    func newerCacheName() {
        let page = "vllm:num_requests_running 1\nvllm:gpu_cache_usage_perc 0.9\nvllm:kv_cache_usage_perc 0.1\n"
        #expect(ServerLoad(metrics: Array(page.utf8))?.cacheUsage == 0.1)
    }

    @Test("a page without request gauges is no load; values out of range are clamped")
    func noLoad() {
        #expect(ServerLoad(metrics: Array("<html>502 Bad Gateway</html>".utf8)) == nil)
        #expect(ServerLoad(metrics: Array("vllm:kv_cache_usage_perc 0.5\n".utf8)) == nil)
        let odd = ServerLoad(metrics: Array("vllm:num_requests_waiting -3\nvllm:num_requests_running 2\nvllm:kv_cache_usage_perc 7\n".utf8))
        #expect(odd == ServerLoad(waiting: 0, running: 2, cacheUsage: 1))
        #expect(ServerLoad(metrics: Array("vllm:num_requests_running 2\n".utf8))?.cacheUsage == 0, "no cache gauge: an empty cache")
    }
}
