import Testing
@testable import SwitchyardRouting

@Suite("Prometheus text reader")
struct PrometheusTextTests {
    private func totals(_ text: String, _ names: [String]) -> [PrometheusText.Total] {
        PrometheusText.totals(Array(text.utf8), names: names)
    }

    @Test("series of one name are summed whatever their labels; other names and comments are skipped")
    func sumsAcrossSeries() {
        let found = totals(MetricsPages.vllmV1, ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"])
        #expect(found[0] == .init(sum: 12, count: 2))
        #expect(found[1] == .init(sum: 3, count: 2))
        #expect(found[2] == .init(sum: 0.75, count: 2))
        #expect(found[3] == .init(sum: 0, count: 0))
    }

    @Test("a name must match whole: prefixes, suffixes and histogram parts of it do not count")
    func wholeNames() {
        let text = "vllm:num_requests_running_total 5\nvllm:num_requests 3\nxvllm:num_requests_running 4\nvllm:num_requests_running 1\n"
        #expect(totals(text, ["vllm:num_requests_running"]) == [.init(sum: 1, count: 1)])
        #expect(totals(MetricsPages.vllmV1, ["vllm:time_to_first_token_seconds"]) == [.init()])
    }

    @Test("label values may hold braces, commas, spaces and escaped quotes")
    func awkwardLabels() {
        let text = #"""
        m{a="x}y",b="1, 2 3",c="say \"hi\" \\ } {"} 2
        m{ } 3
        m 4 1700000000000
        m{a="unterminated} 100
        """#
        #expect(totals(text, ["m"]) == [.init(sum: 9, count: 3)])
    }

    @Test("NaN, infinities, blank values and junk after a value leave the sample out; negative and exponent values count")
    func values() {
        let text = """
        g NaN
        g +Inf
        g -Inf
        g Inf
        g
        g{a="b"}
        g 1 2 3
        g 0x10
        g 1e500
        g abc
        g 2.5e1
        g -1
        g\t4\r
        """
        #expect(totals(text, ["g"]) == [.init(sum: 28, count: 3)])
    }

    @Test("lines of garbage, binary bytes and invalid UTF-8 are skipped without disturbing their neighbours")
    func garbage() {
        var bytes = Array("g 1\n".utf8)
        bytes += [0xFF, 0xFE, 0x00, 0x0A, 0x7B, 0x7D, 0x20, 0x35, 0x0A]
        bytes += Array("}}}{{{ 9\n# TYPE g gauge\n 9g 1\ng{ 2\ng 2\n# EOF\n".utf8)
        #expect(PrometheusText.totals(bytes, names: ["g"]) == [.init(sum: 3, count: 2)])
        #expect(PrometheusText.totals([], names: ["g"]) == [.init()])
        #expect(PrometheusText.totals(Array("g 1".utf8), names: ["g"]) == [.init(sum: 1, count: 1)], "no final newline")
    }

    @Test("every truncation and random corruption of real pages parses without trapping, and never invents a sample")
    func truncationsAndCorruption() {
        let names = ServerLoad.metricNames
        var generator = SplitMix64(seed: 2024)
        for page in [MetricsPages.vllmV1, MetricsPages.vllmV0, MetricsPages.sglang] {
            let bytes = Array(page.utf8)
            let whole = PrometheusText.totals(bytes, names: names)
            for length in 0...bytes.count {
                let cut = PrometheusText.totals(Array(bytes[0..<length]), names: names)
                for (part, full) in zip(cut, whole) { #expect(part.count <= full.count) }
                _ = ServerLoad(metrics: Array(bytes[0..<length]))
            }
            for _ in 0..<500 {
                var mangled = bytes
                for _ in 0..<(1 + generator.next(below: 8)) {
                    mangled[generator.next(below: mangled.count)] = UInt8(truncatingIfNeeded: generator.next())
                }
                let start = generator.next(below: mangled.count)
                let result = PrometheusText.totals(Array(mangled[start...]), names: names)
                #expect(result.count == names.count)
                if let load = ServerLoad(metrics: mangled) {
                    #expect(load.waiting >= 0 && load.running >= 0 && (0...1).contains(load.cacheUsage))
                }
            }
        }
    }
}
