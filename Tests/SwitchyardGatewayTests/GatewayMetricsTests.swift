@testable import SwitchyardGateway
import SwitchyardIO
import Testing

@Suite("Gateway metrics")
struct GatewayMetricsTests {
    @Test("two workers' cells render as one sum, each family once, histograms merged bucket by bucket")
    func sumsWorkers() throws {
        let region = try SharedCounters.create(name: "test", layout: .init(cells: 2, series: 256, wordsPerCell: 2048, globalWords: 8))
        let one = GatewayMetrics(region: region, cell: try #require(region.claimCell(pid: 1)))
        let two = GatewayMetrics(region: try SharedCounters.attach(fd: region.fd), cell: try #require(region.claimCell(pid: 2)))
        one.recordRequest(route: "chat", model: "m", provider: "p", status: 200, nanoseconds: 3_000_000)
        two.recordRequest(route: "chat", model: "m", provider: "p", status: 200, nanoseconds: 700_000_000)
        two.recordRequest(route: "chat", model: "m", provider: "p", status: 503, nanoseconds: 1_000_000)
        one.callsInFlight(1)
        two.callsInFlight(1)
        one.callsInFlight(-1)
        two.recordTokens(model: "m", provider: "p", prompt: 7, completion: 3)
        let text = String(decoding: one.render(), as: UTF8.self)
        #expect(text == String(decoding: two.render(), as: UTF8.self))
        #expect(text.contains(#"switchyard_http_requests_total{route="chat",model="m",provider="p",status="200"} 2"#))
        #expect(text.contains(#"switchyard_http_requests_total{route="chat",model="m",provider="p",status="503"} 1"#))
        #expect(text.contains(#"switchyard_request_duration_seconds_bucket{route="chat",le="0.005"} 2"#))
        #expect(text.contains(#"switchyard_request_duration_seconds_bucket{route="chat",le="1"} 3"#))
        #expect(text.contains(#"switchyard_request_duration_seconds_bucket{route="chat",le="+Inf"} 3"#))
        #expect(text.contains(#"switchyard_request_duration_seconds_sum{route="chat"} 0.704"#))
        #expect(text.contains("switchyard_requests_in_flight 1\n"))
        #expect(text.contains("switchyard_workers 2\n"))
        #expect(text.contains(#"switchyard_tokens_total{model="m",provider="p",direction="prompt"} 7"#))
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(types.count == MetricFamily.allCases.count)
        #expect(Set(types).count == types.count)
    }

    @Test("label values are escaped; empty ones are left out")
    func labels() {
        #expect(String(decoding: GatewayMetrics.labelText([("model", #"a"b\c"#), ("provider", ""), ("x", "l\n")]), as: UTF8.self)
                == #"model="a\"b\\c",x="l\n""#)
        #expect(GatewayMetrics.format(2) == "2")
        #expect(GatewayMetrics.format(0.25) == "0.25")
    }
}
