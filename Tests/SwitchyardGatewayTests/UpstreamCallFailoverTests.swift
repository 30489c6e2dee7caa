import Testing
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardProviders
import SwitchyardRouting
import SwitchyardUpstream
@testable import SwitchyardGateway

private let second: UInt64 = 1_000_000_000

/// Records the retries, cool-downs and costs a call reports.
private final class AdmissionObserver: CallObserver {
    var retries: [String] = []
    var coolDowns: [String] = []
    var costs: [Double] = []
    var fallbacks: [String] = []
    func callsInFlight(_ delta: Int) {}
    func attemptStarted(provider: String, model: ModelConfig, retry: Bool) {}
    func attemptEnded(provider: String, outcome: String) {}
    func fellBack(model: String, to fallback: String) { fallbacks.append("\(model)→\(fallback)") }
    func firstBytes(model: String, nanoseconds: UInt64) {}
    func tokens(provider: String, model: String, usage: TokenUsage) {}
    func retried(provider: String, reason: String) { retries.append("\(provider):\(reason)") }
    func cooledDown(provider: String, seconds: Double) { coolDowns.append("\(provider):\(seconds)") }
    func costed(provider: String, cost: Double) { costs.append(cost) }
}

private func limited(_ id: String, window: Int = 0, rpm: Int? = nil) -> ProviderConfig {
    var config = provider(id)
    config.inputSize = window
    config.rpm = rpm
    return config
}

@Suite("Upstream call: failover, cool-downs and context windows")
struct UpstreamCallFailoverTests {
    @Test("other 4xx go to the client at once, without trying another provider")
    func clientErrorsDoNotFailOver() {
        for status in [400, 401, 403, 404, 422] {
            let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
            harness.start()
            harness.upstream.last.answer(status, #"{"error":{"message":"bad"}}"#)
            #expect(harness.upstream.transfers.count == 1, "status \(status)")
            #expect(harness.sink.summary?.retries == [])
        }
    }

    @Test("every 5xx and 429 fail over, and each retry is recorded with its reason")
    func serverErrorsFailOver() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b"), provider("c")])])
        let observer = AdmissionObserver()
        harness.context.observer = observer
        harness.start()
        harness.upstream.last.answer(501, "{}")
        harness.upstream.last.finish(UpstreamError(kind: .timeout, message: "slow"))
        harness.upstream.last.answer(200, #"{"model":"x"}"#)
        #expect(harness.upstream.transfers.count == 3)
        #expect(observer.retries == ["a:status_501", "b:timeout"])
        #expect(harness.sink.summary?.retries == ["a:status_501", "b:timeout"])
        #expect(harness.sink.summary?.attempts == 3)
    }

    @Test("attempts are bounded by LLM_ROUTER_MAX_ATTEMPTS across the fallback chain, never the same provider twice")
    func maxAttempts() {
        let harness = CallHarness(models: [
            ModelConfig(name: "m", providers: [provider("a"), provider("b")], fallbackModel: "f"),
            ModelConfig(name: "f", providers: [provider("a"), provider("c"), provider("d")]),
        ])
        harness.context.maxAttempts = 3
        harness.start()
        for _ in 0..<3 { harness.upstream.last.answer(502, #"{"error":{"message":"down"}}"#) }
        #expect(harness.upstream.transfers.count == 3)
        let hosts = harness.upstream.transfers.map { $0.request.url }
        #expect(Set(hosts).count == 3, "\(hosts)")
        guard case .answer(502, _)? = harness.sink.events.first else { Issue.record("expected the last 502, got \(harness.sink.events)"); return }
        #expect(harness.liveLeases == 0)
    }

    @Test("moving to the fallback model is recorded once, however many of its providers are tried")
    func fallbackRecordedOnce() {
        let harness = CallHarness(models: [
            ModelConfig(name: "m", providers: [provider("a")], fallbackModel: "f"),
            ModelConfig(name: "f", providers: [provider("b"), provider("c")]),
        ])
        let observer = AdmissionObserver()
        harness.context.observer = observer
        harness.start()
        harness.upstream.last.answer(502, #"{"error":{"message":"down"}}"#)
        harness.upstream.last.answer(502, #"{"error":{"message":"down"}}"#)
        harness.upstream.last.answer(200, #"{"choices":[]}"#)
        #expect(harness.upstream.transfers.count == 3)
        #expect(observer.fallbacks == ["m→f"])
    }

    @Test("a 429 with Retry-After cools that provider for the time it asked; other calls skip it meanwhile")
    func retryAfterCoolsDown() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
        let observer = AdmissionObserver()
        harness.context.observer = observer
        harness.start()
        harness.upstream.last.answer(429, #"{"error":{"message":"slow down"}}"#, fields: [("Content-Type", "application/json"), ("retry-after", "30")])
        harness.upstream.last.answer(200, #"{"model":"x"}"#)
        #expect(observer.coolDowns == ["a:30.0"])
        // Round robin would pick a next; it is cooling, so every call gets b until the 30 s are over.
        for _ in 0..<3 {
            harness.start()
            #expect(harness.upstream.last.request.url.contains("b.internal"))
            harness.upstream.last.answer(200, #"{"model":"x"}"#)
        }
        harness.scheduler.advance(by: 30 * second)
        var hosts: Set<String> = []
        for _ in 0..<2 {
            harness.start()
            hosts.insert(harness.upstream.last.request.url)
            harness.upstream.last.answer(200, #"{"model":"x"}"#)
        }
        #expect(hosts.count == 2, "a is back after its cool-down")
    }

    @Test("a 503 without Retry-After does not cool (the circuit handles it); a 429 without it cools briefly")
    func coolDownRules() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
        let observer = AdmissionObserver()
        harness.context.observer = observer
        harness.start()
        harness.upstream.last.answer(503, "{}")
        harness.upstream.last.answer(429, "{}")
        #expect(observer.coolDowns == ["b:1.0"])
    }

    @Test("a request too large for a provider's window goes to one that fits; for none, 400 context_length_exceeded")
    func contextWindow() {
        let models = [
            ModelConfig(name: "m", providers: [limited("small", window: 200), limited("big", window: 100_000)]),
            ModelConfig(name: "tiny", providers: [limited("small2", window: 200)]),
        ]
        let harness = CallHarness(models: models)
        harness.context.defaultMaxTokens = 0
        let long = String(repeating: "x", count: 3_000)
        let body = { (model: String) in #"{"model":"\#(model)","max_tokens":100,"messages":[{"role":"user","content":"\#(long)"}]}"# }
        for _ in 0..<2 {
            harness.start(body: body("m"))
            #expect(harness.upstream.last.request.url.contains("big.internal"))
            harness.upstream.last.answer(200, #"{"model":"x"}"#)
        }
        harness.start(model: "tiny", body: body("tiny"))
        #expect(harness.sink.events.last == .fail(400, "context_length_exceeded"))
        #expect(harness.liveLeases == 0)
    }

    @Test("without windows, limits or prices no estimate is made")
    func noEstimateWithoutLimits() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])])
        harness.start()
        harness.upstream.last.answer(200, #"{"model":"x"}"#)
        #expect(harness.sink.summary?.promptTokens == 0)
        #expect(harness.sink.summary?.cost == nil)
    }

    @Test("a priced provider's answered request carries its estimated cost")
    func cost() {
        var priced = provider("a")
        priced.price = 2.0
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [priced])])
        harness.start()
        harness.upstream.last.answer(200, #"{"model":"x"}"#)
        let tokens = harness.sink.summary?.promptTokens ?? 0
        #expect(tokens > 0)
        #expect(harness.sink.summary?.cost == Double(tokens) / 1000 * 2.0)
    }
}

@Suite("Retry-After")
struct RetryAfterTests {
    @Test("delay seconds, capped")
    func seconds() {
        #expect(RetryAfter.seconds("7") == 7)
        #expect(RetryAfter.seconds(" 0 ") == 0)
        #expect(RetryAfter.seconds("99999999999") == RetryAfter.maxSeconds)
        #expect(RetryAfter.seconds("-1") == nil)
        #expect(RetryAfter.seconds("soon") == nil)
    }

    @Test("an HTTP date, relative to now")
    func date() {
        let at = RetryAfter.imfFixdate("Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(at == 784_111_777)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_777 - 20) == 20)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_777 + 20) == 0)
        #expect(RetryAfter.imfFixdate("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
    }
}

@Suite("Upstream call: TPM reservations")
struct UpstreamCallReservationTests {
    @Test("an attempt the provider never processed (unreachable, 429) gives its TPM reservation back")
    func refund() throws {
        var limited = provider("a")
        limited.tpm = 1_000
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [limited, provider("b")])])
        let local = try #require(harness.selector as? LocalProviderSelector)
        harness.start(body: #"{"model":"m","max_tokens":400,"messages":[]}"#)
        #expect(harness.upstream.last.request.url.contains("a.internal"))
        #expect(local.admission(of: "a")?.tokens?.available(now: harness.scheduler.now) ?? 0 < 600)
        harness.upstream.last.finish(UpstreamError(kind: .connect, message: "refused"))
        #expect(local.admission(of: "a")?.tokens?.available(now: harness.scheduler.now) == 1_000)
        harness.upstream.last.answer(200, #"{"model":"x"}"#)
    }
}

@Suite("Upstream call: TPM settlement on reported usage")
struct UpstreamCallSettlementTests {
    @Test("the answering attempt's reservation is corrected to the usage the provider reported")
    func settlesOnUsage() throws {
        var limited = provider("a")
        limited.tpm = 1_000
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [limited])])
        let local = try #require(harness.selector as? LocalProviderSelector)
        harness.start(body: #"{"model":"m","max_tokens":500,"messages":[]}"#)
        let reserved = 1_000 - (local.admission(of: "a")?.tokens?.available(now: harness.scheduler.now) ?? 0)
        #expect(reserved >= 500)
        harness.upstream.last.answer(200, #"{"model":"x","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":20,"total_tokens":50}}"#)
        #expect(harness.sink.summary?.usage != nil)
        #expect(local.admission(of: "a")?.tokens?.available(now: harness.scheduler.now) == 950)
    }
}
