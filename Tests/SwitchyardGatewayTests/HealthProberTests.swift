import Testing
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardRouting
import SwitchyardUpstream
@testable import SwitchyardGateway

private final class FixedElection: ProbeElection {
    var elected: Bool
    init(_ elected: Bool) { self.elected = elected }
    func isProber(now: UInt64) -> Bool { elected }
}

@Suite("Health probes and the provider health board")
struct HealthProberTests {
    @Test("probe URLs are free requests per provider type, never a completion")
    func urls() {
        func url(_ type: APIType, _ host: String = "http://h:1", path: String? = nil) -> String {
            HealthProber.url(for: ProviderConfig(id: "p", apiHost: host, apiType: type, modelPath: "m", healthCheckPath: path))
        }
        #expect(url(.ollama) == "http://h:1/api/tags")
        #expect(url(.vllm) == "http://h:1/health")
        #expect(url(.sglang) == "http://h:1/health")
        #expect(url(.openai) == "http://h:1/v1/models")
        #expect(url(.groq, "https://api.groq.com/openai/v1") == "https://api.groq.com/openai/v1/models")
        #expect(url(.gemini, "https://g.example") == "https://g.example/v1beta/models")
        #expect(url(.gemini, "https://g.example/v1beta/openai") == "https://g.example/v1beta/models")
        #expect(url(.anthropic, "https://a.example") == "https://a.example/v1/models")
        #expect(url(.ollama, "http://h:1/v1") == "http://h:1/api/tags")
        #expect(url(.vllm, path: "/ready") == "http://h:1/ready")
        for type in APIType.allCases { #expect(!url(type).contains("completions")) }
    }

    @Test("each round probes every provider once; a failure opens the circuit and marks it unhealthy, a success closes it")
    func rounds() {
        let scheduler = ManualScheduler()
        let upstream = FakeUpstream()
        let board = ProviderHealthBoard(wallClock: { 1_000 })
        let circuits = ProviderCircuits()
        let prober = HealthProber(scheduler: scheduler, upstream: upstream, board: board, circuits: circuits,
                                  logger: Logger(level: .error, format: .plain, toStandardError: false), intervalSeconds: 1, election: FixedElection(true))
        prober.update(ModelsConfig(format: .llmRouter, models: [
            ModelConfig(name: "m", providers: [provider("a"), provider("b")]),
            ModelConfig(name: "n", providers: [provider("a")]),
        ]))
        prober.start()
        #expect(upstream.transfers.count == 2, "a is probed once although two models list it")
        #expect(upstream.transfers.allSatisfy { $0.request.method == "GET" })
        upstream.transfers[0].finish(UpstreamError(kind: .connect, message: "refused"))
        upstream.transfers[1].answer(200, "{}")
        #expect(board.entry("a").healthy == false)
        #expect(board.entry("a").lastError?.contains("refused") == true)
        #expect(circuits.state("a", now: scheduler.now) == .open)
        #expect(board.entry("b").healthy)
        scheduler.advance(by: 1_000_000_000)
        #expect(upstream.transfers.count == 4)
        upstream.transfers[2].answer(200, "{}")
        #expect(board.entry("a").healthy)
        #expect(circuits.state("a", now: scheduler.now) == .closed)
        prober.stop()
    }

    @Test("a worker that is not elected sends no probes; a probe still in flight is not doubled")
    func election() {
        let scheduler = ManualScheduler()
        let upstream = FakeUpstream()
        let election = FixedElection(false)
        let prober = HealthProber(scheduler: scheduler, upstream: upstream, board: ProviderHealthBoard(), circuits: nil,
                                  logger: Logger(level: .error, format: .plain, toStandardError: false), intervalSeconds: 1, election: election)
        prober.update(ModelsConfig(format: .llmRouter, models: [ModelConfig(name: "m", providers: [provider("a")])]))
        prober.start()
        scheduler.advance(by: 1_000_000_000)
        #expect(upstream.transfers.isEmpty)
        election.elected = true
        scheduler.advance(by: 1_000_000_000)
        scheduler.advance(by: 1_000_000_000)
        #expect(upstream.transfers.count == 1)
        prober.stop()
        #expect(upstream.transfers[0].cancelled)
    }

    @Test("attempt labels: 5xx and transport failures are unhealthy, answers below 500 healthy, our own endings neutral")
    func board() {
        var clock = 10
        let board = ProviderHealthBoard(wallClock: { clock })
        board.recordAttempt("p", label: "cancelled")
        #expect(board.entry("p").lastChecked == 0)
        board.recordAttempt("p", label: "ok")
        #expect(board.entries.isEmpty, "while every provider is healthy a success records nothing")
        clock = 20
        board.recordAttempt("p", label: "status_503")
        #expect(!board.entry("p").healthy && board.entry("p").since == 20 && board.entry("p").lastError == "answered 503")
        clock = 30
        board.recordAttempt("p", label: "connect")
        #expect(board.entry("p").since == 20, "still unhealthy since the first failure")
        clock = 40
        board.recordAttempt("p", label: "status_404")
        #expect(board.entry("p").healthy && board.entry("p").since == 40)
        board.recordAttempt("p", label: "status_429")
        #expect(board.entry("p").healthy)
    }
}
