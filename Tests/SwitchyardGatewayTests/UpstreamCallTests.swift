import Testing
import SwitchyardCore
import SwitchyardHTTP
import SwitchyardIO
import SwitchyardRouting
import SwitchyardUpstream
@testable import SwitchyardGateway

private let chat = #"{"id":"1","model":"served-a","choices":[]}"#

@Suite("Upstream call")
struct UpstreamCallTests {
    @Test("a whole answer names the client's model, and the lease is released once")
    func wholeAnswer() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])])
        harness.start()
        #expect(harness.upstream.transfers.count == 1)
        #expect(harness.upstream.last.bodyText.contains(#""model":"served-a""#))
        #expect(harness.liveLeases == 1)
        harness.upstream.last.answer(200, chat)
        #expect(harness.sink.events == [.answer(200, #"{"id":"1","model":"m","choices":[]}"#)])
        #expect(harness.liveLeases == 0)
        #expect(harness.sink.ends == 1)
        #expect(harness.sink.summary?.providerID == "a")
        #expect(harness.context.inFlight.isEmpty)
        #expect(harness.scheduler.pendingTimers == 0, "no timer per call")
    }

    @Test("a retryable status fails over to the next provider")
    func failsOverOnRetryableStatus() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
        harness.start()
        harness.upstream.last.answer(503, #"{"error":{"message":"busy"}}"#)
        #expect(harness.upstream.transfers.count == 2)
        harness.upstream.last.answer(200, #"{"model":"served-b"}"#)
        #expect(harness.sink.events == [.answer(200, #"{"model":"m"}"#)])
        #expect(harness.sink.summary?.attempts == 2)
        #expect(harness.liveLeases == 0)
    }

    @Test("with [A answering 503, B unsupported] the client gets A's 503, not B's 501")
    func unsupportedAlternativeDoesNotHideTheRealError() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b", type: .bedrock)])])
        harness.start()
        harness.upstream.last.answer(503, #"{"error":{"message":"overloaded at http://a.internal.example:8000","type":"server_error"}}"#,
                                     fields: [("Content-Type", "application/json"), ("Retry-After", "7")])
        #expect(harness.upstream.transfers.count == 1, "the unsupported provider is never tried")
        guard case .answer(let status, let body)? = harness.sink.events.first else {
            Issue.record("expected an answer, got \(harness.sink.events)")
            return
        }
        #expect(status == 503)
        #expect(body.contains("overloaded"))
        #expect(!body.contains("internal.example"))
        #expect(harness.sink.headers["Retry-After"] == "7", "Retry-After reaches the client")
    }

    @Test("only unsupported providers: 501 that names the api_type")
    func onlyUnsupported() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("b", type: .bedrock)])])
        harness.start()
        #expect(harness.sink.events == [.fail(501, "provider_not_supported")])
    }

    @Test("an unreachable provider is skipped for another; the fallback model is used when the chain needs it")
    func connectErrorAndFallback() {
        let harness = CallHarness(models: [
            ModelConfig(name: "m", providers: [provider("a")], fallbackModel: "backup"),
            ModelConfig(name: "backup", providers: [provider("z")]),
        ])
        harness.start()
        harness.upstream.last.finish(UpstreamError(kind: .connect, message: "refused"))
        #expect(harness.upstream.transfers.count == 2)
        #expect(harness.upstream.last.bodyText.contains(#""model":"served-z""#))
        harness.upstream.last.answer(200, #"{"model":"served-z"}"#)
        #expect(harness.sink.events == [.answer(200, #"{"model":"m"}"#)])
    }

    @Test("every provider unreachable: 502 from the last failure")
    func allUnreachable() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
        harness.start()
        harness.upstream.last.finish(UpstreamError(kind: .connect, message: "refused"))
        harness.upstream.last.finish(UpstreamError(kind: .connect, message: "refused"))
        #expect(harness.sink.events == [.fail(502, "upstream_unreachable")])
        #expect(harness.liveLeases == 0)
    }

    @Test("one budget covers every attempt: each carries the same first-byte deadline, and a timeout at it ends the call")
    func oneBudgetAcrossAttempts() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b"), provider("c")])], budget: 10_000)
        let started = harness.scheduler.now
        harness.start()
        #expect(harness.upstream.last.request.firstByteDeadline == started + 10_000)
        harness.scheduler.advance(by: 6_000)
        harness.upstream.last.finish(UpstreamError(kind: .timeout, message: "first byte"))
        #expect(harness.upstream.transfers.count == 2)
        #expect(harness.upstream.last.request.firstByteDeadline == started + 10_000, "the second attempt gets what is left, not a new budget")
        harness.scheduler.advance(by: 4_000)
        harness.upstream.last.finish(UpstreamError(kind: .timeout, message: "the request's time budget ran out"))
        #expect(harness.upstream.transfers.count == 2, "no third attempt once the budget is spent")
        #expect(harness.sink.events == [.fail(504, "upstream_timeout")])
        #expect(harness.liveLeases == 0)
        let circuits = (harness.selector as? LocalProviderSelector)?.circuits
        #expect(circuits?.isOpen("a", now: harness.scheduler.now) == true, "the provider that timed out on its own is marked")
        #expect(circuits?.isOpen("b", now: harness.scheduler.now) == false, "the one cut by the spent budget is not")
    }

    @Test("a wait for a lease is bounded by the budget too")
    func budgetBoundsAWait() {
        let waiting = WaitingSelector()
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])], selector: waiting, budget: 10_000)
        harness.start()
        harness.scheduler.advance(by: 10_000)
        #expect(harness.sink.events == [.fail(504, "upstream_timeout")])
        #expect(waiting.cancelled.count == 1)
        #expect(harness.scheduler.pendingTimers == 0)
    }

    @Test("out of budget with a provider's retryable answer in hand: that answer, not a bare 504")
    func budgetKeepsHeldAnswer() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])], budget: 10_000)
        harness.start()
        harness.scheduler.advance(by: 10_000)
        harness.upstream.last.answer(429, #"{"error":{"message":"slow down"}}"#, fields: [("Content-Type", "application/json"), ("Retry-After", "2")])
        #expect(harness.upstream.transfers.count == 1)
        #expect(harness.sink.events.count == 1)
        if case .answer(let status, _)? = harness.sink.events.first { #expect(status == 429) } else { Issue.record("\(harness.sink.events)") }
        #expect(harness.sink.headers["Retry-After"] == "2")
    }

    @Test("after the first byte the budget no longer applies")
    func budgetStopsAtFirstByte() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])], budget: 10_000)
        harness.start(stream: true)
        harness.upstream.last.head(200, [("Content-Type", "text/event-stream")])
        harness.scheduler.advance(by: 50_000)
        harness.upstream.last.body("data: {\"model\":\"served-a\"}\n\n")
        harness.upstream.last.finish()
        #expect(harness.sink.events == [.startStream(200), .data("data: {\"model\":\"m\"}\n\n"), .finishStream(errorCode: nil)])
    }

    @Test("a stream that breaks mid-way is reported in-band and summarised as broken")
    func brokenStream() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
        harness.start(stream: true)
        harness.upstream.last.head(200, [("Content-Type", "text/event-stream")])
        harness.upstream.last.body("data: {\"model\":\"served-a\"}\n\n")
        harness.upstream.last.finish(UpstreamError(kind: .protocolError, message: "connection reset"))
        #expect(harness.upstream.transfers.count == 1, "no failover once the stream has started")
        #expect(harness.sink.events.last == .finishStream(errorCode: "upstream_error"))
        #expect(harness.sink.summary?.streamBroken == true)
        #expect(harness.sink.summary?.errorCode == "stream_interrupted")
        #expect(harness.liveLeases == 0)
    }

    @Test("cancelling aborts the transfer, releases the lease as cancelled and tells the sink only that it ended")
    func cancel() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])])
        let call = harness.start(stream: true)
        harness.upstream.last.head(200, [("Content-Type", "text/event-stream")])
        call.cancel()
        call.cancel()
        #expect(harness.upstream.last.cancelled)
        #expect(harness.liveLeases == 0)
        #expect(harness.sink.ends == 1)
        #expect(harness.sink.summary?.status == 499)
        #expect(harness.context.inFlight.isEmpty)
    }

    @Test("back-pressure: a sink that is full pauses the transfer and resume reaches it")
    func backPressure() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a", path: "m")])])
        let call = harness.start(stream: true)
        harness.upstream.last.head(200, [("Content-Type", "text/event-stream")])
        harness.sink.acceptMore = false
        #expect(harness.upstream.last.body("data: {}\n\n") == false)
        call.resume()
        #expect(harness.upstream.last.resumed == 1)
    }

    @Test("a pending acquisition: granted later it proceeds; a wait the selector refuses on drain ends with 503")
    func pendingAndDrain() {
        let waiting = WaitingSelector()
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])], selector: waiting)
        harness.start()
        #expect(harness.upstream.transfers.isEmpty)
        let model = harness.config.model(named: "m")!
        waiting.waiters[0].waiter.leaseGranted(ProviderLease(provider: model.providers[0], model: model, token: 1, chainPosition: 0))
        waiting.answered.insert(waiting.waiters[0].ticket)
        #expect(harness.upstream.transfers.count == 1)

        let second = RecordingSink()
        let proxy = try! ProxyRequest.parse(Array(#"{"model":"m"}"#.utf8)).get()
        let waitingCall = UpstreamCall(context: harness.context, request: CallRequest(endpoint: .chatCompletions, proxy: proxy, model: model, requestID: "r2"), sink: second)
        waitingCall.start()
        harness.context.drain()
        #expect(second.events == [.fail(503, "service_unavailable")], "the selector refused the waiting call")
        #expect(harness.context.inFlight.count == 1, "the running call is left to finish")
    }

    @Test("buffered answers draw on the worker's memory cap: beyond it 503, and every byte comes back at the end")
    func memoryCap() {
        let memory = ByteBudget(limit: 100)
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])], memory: memory)
        harness.start()
        harness.upstream.last.head(200)
        #expect(harness.upstream.last.body(String(repeating: "x", count: 80)))
        #expect(memory.used == 80)
        #expect(harness.upstream.last.body(String(repeating: "x", count: 80)) == false)
        #expect(harness.sink.events == [.fail(503, "router_overloaded")])
        #expect(harness.upstream.last.cancelled)
        #expect(memory.used == 0)
        #expect(harness.liveLeases == 0)

        harness.start()
        harness.upstream.last.answer(200, #"{"model":"served-a"}"#)
        #expect(memory.used == 0)
    }

    @Test("a lease granted after the call gave up is handed straight back")
    func lateGrantIsReturned() {
        let waiting = WaitingSelector()
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])], selector: waiting)
        let call = harness.start()
        call.cancel()
        let model = harness.config.model(named: "m")!
        waiting.waiters[0].waiter.leaseGranted(ProviderLease(provider: model.providers[0], model: model, token: 9, chainPosition: 0))
        #expect(harness.upstream.transfers.isEmpty)
        #expect(waiting.released.count == 1)
        #expect(waiting.released.first?.1.kind == .cancelled)
    }
}

@Suite("Call fan-out")
struct CallFanOutTests {
    @Test("an aggregating sink collects a whole answer, streamed or not")
    func aggregates() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a")])])
        var results: [AggregatingSink.Result] = []
        let proxy = try! ProxyRequest.parse(Array(#"{"model":"m","stream":true}"#.utf8)).get()
        let sink = AggregatingSink { result, _ in results.append(result) }
        let call = UpstreamCall(context: harness.context, request: CallRequest(endpoint: .chatCompletions, proxy: proxy, model: harness.config.model(named: "m")!, requestID: "r"), sink: sink)
        sink.call = call
        call.start()
        harness.upstream.last.head(200, [("Content-Type", "text/event-stream")])
        harness.upstream.last.body("data: {\"model\":\"served-a\"}\n\n")
        harness.upstream.last.finish()
        guard case .answered(let status, let body)? = results.first else {
            Issue.record("expected an answer, got \(results)")
            return
        }
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "data: {\"model\":\"m\"}\n\n")
    }

    @Test("cancelling a group cancels every call still running and releases every lease")
    func groupCancel() {
        let harness = CallHarness(models: [ModelConfig(name: "m", providers: [provider("a"), provider("b")])])
        let group = CallGroup()
        var ended = 0
        for _ in 0..<3 {
            let proxy = try! ProxyRequest.parse(Array(#"{"model":"m"}"#.utf8)).get()
            let sink = AggregatingSink { _, _ in ended += 1 }
            let call = UpstreamCall(context: harness.context, request: CallRequest(endpoint: .chatCompletions, proxy: proxy, model: harness.config.model(named: "m")!, requestID: "r"), sink: sink)
            group.add(call)
            call.start()
        }
        harness.upstream.transfers[0].answer(200, #"{"model":"served-a"}"#)
        #expect(group.running == 2)
        group.cancelAll()
        #expect(ended == 3)
        #expect(harness.upstream.transfers[1].cancelled && harness.upstream.transfers[2].cancelled)
        #expect(harness.liveLeases == 0)
    }
}

@Suite("Relayed provider headers")
struct RelayedHeadersTests {
    @Test("Retry-After and rate-limit fields pass, in any case; everything else stays behind the router")
    func filter() {
        let kept = RelayedHeaders.from(HTTPHeaders([
            ("Retry-After", "3"), ("X-RateLimit-Remaining-Requests", "9"), ("RateLimit-Policy", "10;w=60"),
            ("anthropic-ratelimit-tokens-limit", "1000"), ("Server", "vllm"), ("Set-Cookie", "a=b"),
            ("X-Request-Id", "upstream"), ("Retry-After-Extra", "x"), ("Content-Type", "application/json"),
        ]))
        #expect(kept.fields.map(\.name) == ["Retry-After", "X-RateLimit-Remaining-Requests", "RateLimit-Policy", "anthropic-ratelimit-tokens-limit"])
    }
}
