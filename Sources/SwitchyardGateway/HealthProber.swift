import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardProviders
import SwitchyardRouting
import SwitchyardUpstream

/// Active health probes: every interval, if the ``ProbeElection`` says this worker probes, one free request per
/// configured provider — its `health_check_path` when configured, else `GET /api/tags` (Ollama), `GET /health`
/// (vLLM, SGLang, llama.cpp) or `GET …/models` (OpenAI-compatible clouds) — never a completion. Probes do not go
/// through the selector, so they never count against a provider's rpm, tpm or concurrency. A failed probe opens
/// the provider's circuit and a successful one closes it, so traffic avoids a dead provider before a client hits it.
final class HealthProber {
    private let scheduler: CallScheduler
    private let upstream: UpstreamStarter
    private let board: ProviderHealthBoard
    private let circuits: ProviderCircuits?
    private let logger: Logger
    private let interval: UInt64
    /// Asked at the start of every round; replaceable (a Redis lease).
    var election: ProbeElection
    private var providers: [ProviderConfig] = []
    private var inFlight: [String: Probe] = [:]
    private var timer: TimerID?
    private var stopped = false

    init(scheduler: CallScheduler, upstream: UpstreamStarter, board: ProviderHealthBoard, circuits: ProviderCircuits?, logger: Logger,
         intervalSeconds: Double, election: ProbeElection) {
        self.scheduler = scheduler
        self.upstream = upstream
        self.board = board
        self.circuits = circuits
        self.logger = logger
        self.interval = UInt64(max(intervalSeconds, 0.05) * 1e9)
        self.election = election
    }

    /// The providers to probe (each id once).
    func update(_ config: ModelsConfig) {
        var seen: Set<String> = []
        providers = config.allProviders.filter { seen.insert($0.id).inserted }
    }

    /// Starts the rounds: the first one at once, then every interval.
    func start() {
        guard timer == nil, !stopped else { return }
        round()
    }

    /// Stops probing (drain); probes in flight are abandoned.
    func stop() {
        stopped = true
        if let timer { scheduler.cancel(timer) }
        timer = nil
        for probe in inFlight.values { probe.transfer?.cancel() }
        inFlight.removeAll()
    }

    private func round() {
        timer = scheduler.schedule(afterNanoseconds: interval) { [weak self] in self?.round() }
        guard election.isProber(now: scheduler.now) else { return }
        for provider in providers where inFlight[provider.id] == nil {
            let probe = Probe(provider: provider) { [weak self] id, error in self?.finished(id, error: error) }
            inFlight[provider.id] = probe
            var request = UpstreamRequest(url: Self.url(for: provider), method: "GET",
                                          headers: UpstreamHeaderList(Self.headerLines(for: provider)),
                                          totalTimeout: min(5, Double(interval) / 1e9))
            request.firstByteDeadline = 0
            probe.transfer = upstream.start(request, handler: probe)
        }
    }

    private func finished(_ id: String, error: String?) {
        guard inFlight.removeValue(forKey: id) != nil else { return }
        if let error {
            let wasHealthy = board.entry(id).healthy
            board.recordFailure(id, error: error)
            circuits?.recordFailure(id, now: scheduler.now)
            if wasHealthy { logger.warning("health probe failed", [("provider.id", .string(id)), ("error", .string(error))]) }
        } else {
            if !board.entry(id).healthy { logger.info("health probe succeeded; provider is back", [("provider.id", .string(id))]) }
            board.recordSuccess(id)
            circuits?.recordSuccess(id)
        }
    }

    /// The free request that tells whether `provider` is up: its `health_check_path`, else the cheapest listing
    /// its dialect has (Ollama's tags, a vLLM/SGLang/llama.cpp server's `/health`, the models list otherwise).
    static func url(for provider: ProviderConfig) -> String {
        if let path = provider.healthCheckPath { return ProviderAdapters.base(provider.apiHost, dropping: []) + path }
        switch provider.apiType {
        case .ollama: return ProviderAdapters.base(provider.apiHost, dropping: ["/v1"]) + "/api/tags"
        case .vllm, .sglang, .llamacpp: return ProviderAdapters.base(provider.apiHost, dropping: ["/v1"]) + "/health"
        case .gemini:
            var base = ProviderAdapters.base(provider.apiHost, dropping: ["/openai"])
            if !ProviderAdapters.hasBasePath(base) { base += "/v1beta" }
            return base + "/models"
        case .anthropic:
            let base = ProviderAdapters.base(provider.apiHost, dropping: ["/v1"])
            return base + "/v1/models"
        default:
            // The models list of the OpenAI-compatible API, wherever the chat endpoint lives.
            let chat = OpenAICompatibleAdapter.url(for: provider, endpoint: .chatCompletions)
            return String(chat.dropLast("chat/completions".count)) + "models"
        }
    }

    /// The header lines of `provider`'s own dialect (its key in the header that dialect uses).
    static func headerLines(for provider: ProviderConfig) -> [String] {
        ProviderAdapters.adapter(for: provider)?.headerLines ?? OpenAICompatibleAdapter.headerLines(for: provider)
    }

    /// One probe exchange: any status below 500 other than 429 … is an answer of a live server; the body is dropped.
    final class Probe: UpstreamResponseHandler {
        let provider: ProviderConfig
        var transfer: UpstreamTransfer?
        private var status = 0
        private let done: (String, String?) -> Void

        init(provider: ProviderConfig, done: @escaping (String, String?) -> Void) {
            self.provider = provider
            self.done = done
        }

        func upstreamDidReceiveHead(_ head: UpstreamResponseHead) { status = head.status }
        func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool { true }
        func upstreamDidFinish(error: UpstreamError?) {
            transfer = nil
            if let error { return done(provider.id, "probe: \(error.kind.rawValue): \(error.message)") }
            // 2xx–4xx: the server is up (a 401/404 on the probe path still proves it answers); 5xx: it is not.
            done(provider.id, status >= 500 || status == 0 ? "probe answered \(status)" : nil)
        }
    }
}
