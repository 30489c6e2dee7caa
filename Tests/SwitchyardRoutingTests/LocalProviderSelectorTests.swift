import SwitchyardCore
import Testing
@testable import SwitchyardRouting

final class NoWaiter: LeaseWaiter {
    func leaseGranted(_ lease: ProviderLease) { Issue.record("the in-memory selector never answers later") }
    func leaseDenied(_ error: RouterError?) { Issue.record("the in-memory selector never answers later") }
}

func provider(_ id: String, type: APIType = .vllm, weight: Double = 1) -> ProviderConfig {
    ProviderConfig(id: id, apiHost: "http://\(id):8000", apiType: type, modelPath: id, weight: weight)
}

final class Clock: @unchecked Sendable { var now: UInt64 = 1_000 }

func selector(_ models: [ModelConfig], clock: Clock = Clock(), strategy: String = "round_robin") -> LocalProviderSelector {
    let context = SelectorContext(now: { clock.now }, workerID: 1, pid: 1, defaultStrategy: strategy, isSupported: { $0.apiType != .anthropic })
    return LocalProviderSelector(context: context, config: ModelsConfig(format: .llmRouter, models: models),
                                 circuits: ProviderCircuits(baseCooldown: 100, maxCooldown: 1_000))
}

private func grant(_ selector: LocalProviderSelector, _ model: ModelConfig, excluding: Set<String> = []) -> ProviderLease? {
    if case .granted(let lease) = selector.acquire(LeaseRequest(model: model, excluded: excluding, deadline: .max), waiter: NoWaiter()) { return lease }
    return nil
}

@Suite("In-memory selector")
struct LocalProviderSelectorTests {
    let model = ModelConfig(name: "m", providers: [provider("a"), provider("b")], fallbackModel: "backup")
    let backup = ModelConfig(name: "backup", providers: [provider("z")])

    @Test("grants round robin synchronously; excluded providers are skipped, then the fallback chain is used")
    func roundRobinExclusionAndFallback() {
        let selector = selector([model, backup])
        #expect(grant(selector, model)?.provider.id == "a")
        #expect(grant(selector, model)?.provider.id == "b")
        #expect(grant(selector, model, excluding: ["a"])?.provider.id == "b")
        let fallback = grant(selector, model, excluding: ["a", "b"])
        #expect(fallback?.provider.id == "z")
        #expect(fallback?.model.name == "backup")
        #expect(fallback?.chainPosition == 1)
        #expect(grant(selector, model, excluding: ["a", "b", "z"]) == nil)
    }

    @Test("a fallback cycle ends instead of looping")
    func fallbackCycle() {
        let first = ModelConfig(name: "x", providers: [provider("p")], fallbackModel: "y")
        let second = ModelConfig(name: "y", providers: [provider("q")], fallbackModel: "x")
        let selector = selector([first, second])
        #expect(grant(selector, first, excluding: ["p", "q"]) == nil)
    }

    @Test("providers without an adapter are never granted")
    func unsupportedNeverGranted() {
        let mixed = ModelConfig(name: "m", providers: [provider("a"), provider("c", type: .anthropic)])
        let selector = selector([mixed])
        for _ in 0..<4 { #expect(grant(selector, mixed)?.provider.id == "a") }
        #expect(grant(selector, mixed, excluding: ["a"]) == nil)
    }

    @Test("an unhealthy outcome opens the provider's circuit; it is preferred again once it closes")
    func circuits() {
        let clock = Clock()
        let selector = selector([model], clock: clock)
        let first = grant(selector, model)!
        selector.release(first, outcome: ProviderOutcome(.failed))
        for _ in 0..<3 { #expect(grant(selector, model).map { lease in defer { selector.release(lease, outcome: ProviderOutcome(.completed, status: 200)) }; return lease.provider.id } == "b") }
        // Every remaining candidate open: it is tried anyway rather than refusing.
        #expect(grant(selector, model, excluding: ["b"])?.provider.id == "a")
        clock.now += 100
        var seen: Set<String> = []
        for _ in 0..<2 { if let lease = grant(selector, model) { seen.insert(lease.provider.id) } }
        #expect(seen == ["a", "b"])
    }

    @Test("release is owner-exact and idempotent: only the first release of a live token counts")
    func releaseOnce() {
        let selector = selector([model])
        let lease = grant(selector, model)!
        #expect(selector.liveLeases == 1)
        selector.release(lease, outcome: ProviderOutcome(.failed))
        selector.release(lease, outcome: ProviderOutcome(.failed))
        #expect(selector.liveLeases == 0)
        // The repeated release did not count as a second failure: one base cool-down, not a doubled one.
        #expect(!selector.circuits.isOpen("a", now: 1_000 + 100))
    }

    @Test("leases share one handle per provider (granting allocates nothing per request)")
    func sharedHandles() {
        let selector = selector([model])
        let first = grant(selector, model)!
        _ = grant(selector, model)
        let third = grant(selector, model)!
        #expect(first.handle === third.handle)
    }

    @Test("every strategy name is implemented now: none is reported, per model or by default")
    func unimplementedNames() {
        let custom = ModelConfig(name: "c", providers: [provider("q")], strategy: "real_time_metrics")
        let weighted = ModelConfig(name: "w", providers: [provider("r")], strategy: "weighted")
        let config = ModelsConfig(format: .llmRouter, models: [custom, weighted])
        #expect(LocalProviderSelector.unimplementedStrategies(in: config, defaultStrategy: "balanced").isEmpty)
        #expect(LocalProviderSelector.unimplementedStrategies(in: ModelsConfig(format: .llmRouter, models: [weighted]), defaultStrategy: "real_time_metrics").isEmpty)
        #expect(LocalProviderSelector.unimplementedStrategies(in: config, defaultStrategy: "no_such_strategy") == ["no_such_strategy"])
    }

    // MARK: strategies end to end

    @Test("every strategy name grants through the selector; a release frees its state, a repeated one counts once",
          arguments: StrategyName.allCases)
    func everyStrategy(name: StrategyName) {
        let single = ModelConfig(name: "s", providers: [provider("a")])
        let selector = selector([single], strategy: name.rawValue)
        let first = grant(selector, single)
        #expect(first?.provider.id == "a")
        selector.release(first!, outcome: ProviderOutcome(.completed, status: 200, total: 1_000_000))
        selector.release(first!, outcome: ProviderOutcome(.completed, status: 200, total: 1_000_000))
        #expect(selector.liveLeases == 0)
        let second = grant(selector, single)
        #expect(second?.provider.id == "a")
        // first_available holds the only slot now: the double release did not leave a spare one.
        let holdsSlots = [.firstAvailable, .firstAvailableOptim, .firstAvailableOptimNworkers].contains(name)
        #expect((grant(selector, single) == nil) == holdsSlots)
        #expect(grant(selector, single, excluding: ["a"]) == nil)
    }

    @Test("balanced through the selector: a repeated release lowers the in-flight count once")
    func balancedDoubleRelease() {
        let selector = selector([model], strategy: "balanced")
        let first = grant(selector, model)!
        let second = grant(selector, model)!
        let third = grant(selector, model)!
        #expect([first, second, third].map(\.provider.id) == ["a", "b", "a"])
        selector.release(first, outcome: ProviderOutcome(.completed, status: 200))
        selector.release(first, outcome: ProviderOutcome(.completed, status: 200))
        // In flight a 1, b 1; selections a 2, b 1: b. Counted twice, a would have had none in flight and won.
        #expect(grant(selector, model)?.provider.id == "b")
    }

    @Test("first_available through the selector: full providers send the request down the fallback chain, then none is left")
    func firstAvailableFallback() {
        let selector = selector([model, backup], strategy: "first_available")
        let leases = (0..<3).compactMap { _ in grant(selector, model) }
        #expect(leases.map(\.provider.id) == ["a", "b", "z"])
        #expect(grant(selector, model) == nil)
        selector.release(leases[1], outcome: ProviderOutcome(.completed, status: 200))
        #expect(grant(selector, model)?.provider.id == "b")
    }

    @Test("a model's own strategy wins over the default one")
    func perModelStrategy() {
        let weighted = ModelConfig(name: "w", providers: [provider("a", weight: 3), provider("b")], strategy: "weighted")
        let plain = ModelConfig(name: "p", providers: [provider("c", weight: 3), provider("d")])
        let selector = selector([weighted, plain], strategy: "round_robin")
        #expect((0..<4).compactMap { _ in grant(selector, weighted)?.provider.id }.joined() == "aaba")
        #expect((0..<4).compactMap { _ in grant(selector, plain)?.provider.id }.joined() == "cdcd")
    }

    @Test("a lease granted before a reload frees its slot afterwards, even when the providers were reordered")
    func releaseAcrossReload() {
        let before = ModelConfig(name: "m", providers: [provider("a"), provider("b")], strategy: "first_available")
        let selector = selector([before])
        let held = grant(selector, before)!
        #expect(held.provider.id == "a")
        let after = ModelConfig(name: "m", providers: [provider("b"), provider("a")], strategy: "first_available")
        selector.reload(config: ModelsConfig(format: .llmRouter, models: [after]))
        #expect(grant(selector, after)?.provider.id == "b")
        #expect(grant(selector, after) == nil)
        selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
        #expect(grant(selector, after)?.provider.id == "a")
    }

    @Test("the snapshot lists models and providers in config order with lease counts that follow grants and releases")
    func snapshotFollowsLeases() throws {
        let selector = selector([model, backup], strategy: "balanced")
        let first = try #require(grant(selector, model))
        _ = grant(selector, model)
        selector.release(first, outcome: ProviderOutcome(.completed, status: 200, total: 1_000))
        selector.release(first, outcome: ProviderOutcome(.completed, status: 200, total: 1_000))
        let snapshot = selector.snapshot()
        #expect(snapshot.map(\.name) == ["m", "backup"])
        #expect(snapshot[0].strategy == "balanced")
        #expect(snapshot[0].providers.map(\.id) == ["a", "b"])
        #expect(snapshot[0].providers.map(\.selections) == [1, 1])
        #expect(snapshot[0].providers.map(\.inFlight) == [0, 1])
        #expect(snapshot[0].providers.allSatisfy { $0.latencyScore == nil && $0.slotsHeld == nil && !$0.circuitOpen })
        #expect(snapshot[1].providers.map(\.selections) == [0])
    }

    @Test("the snapshot shows slot use under first_available, latency scores under dynamic_weighted, and open circuits")
    func snapshotStrategyDetails() throws {
        let slotted = ModelConfig(name: "slots", providers: [provider("a"), provider("b")], strategy: "first_available")
        let timed = ModelConfig(name: "timed", providers: [provider("c")], strategy: "dynamic_weighted")
        let selector = selector([slotted, timed])
        _ = try #require(grant(selector, slotted))
        let failing = try #require(grant(selector, timed))
        selector.release(failing, outcome: ProviderOutcome(.failed, total: 1_000))
        let snapshot = selector.snapshot()
        #expect(snapshot[0].strategy == "first_available")
        #expect(snapshot[0].providers.map(\.slotsHeld) == [1, 0])
        #expect(snapshot[0].providers.map(\.slots) == [1, 1])
        #expect(snapshot[1].strategy == "dynamic_weighted")
        #expect(snapshot[1].providers[0].latencyScore == 1)
        #expect(snapshot[1].providers[0].circuitOpen)
    }
}

@Suite("In-memory selector: limits, context windows and cool-downs")
struct LocalProviderSelectorAdmissionTests {
    private static let second: UInt64 = 1_000_000_000

    private func limited(_ id: String, rpm: Int? = nil, tpm: Int? = nil, concurrency: Int? = nil, window: Int = 0) -> ProviderConfig {
        var config = provider(id)
        config.rpm = rpm
        config.tpm = tpm
        config.maxConcurrency = concurrency
        config.inputSize = window
        return config
    }

    private func ask(_ selector: LocalProviderSelector, _ model: ModelConfig, tokens: Int = 0, excluding: Set<String> = []) -> LeaseAcquisition {
        selector.acquire(LeaseRequest(model: model, excluded: excluding, deadline: .max, tokens: tokens), waiter: NoWaiter())
    }

    private func granted(_ answer: LeaseAcquisition) -> ProviderLease? {
        if case .granted(let lease) = answer { return lease }
        return nil
    }

    @Test("a provider at its rpm limit is skipped; when all are, the answer is exhausted and the next capacity time is known")
    func rpm() {
        let clock = Clock()
        clock.now = 10 * Self.second
        let model = ModelConfig(name: "m", providers: [limited("a", rpm: 1), limited("b", rpm: 2)])
        let selector = selector([model], clock: clock)
        var ids: [String] = []
        for _ in 0..<3 { if let lease = granted(ask(selector, model)) { ids.append(lease.provider.id); selector.release(lease, outcome: .init(.completed, status: 200)) } }
        #expect(ids.sorted() == ["a", "b", "b"])
        guard case .exhausted = ask(selector, model) else { Issue.record("expected exhausted"); return }
        // b refills one request per 30 s, a one per 60 s.
        #expect(selector.nextCapacity(for: LeaseRequest(model: model, deadline: .max)) == clock.now + 30 * Self.second)
        clock.now += 30 * Self.second
        #expect(granted(ask(selector, model))?.provider.id == "b")
    }

    @Test("max_concurrency caps leases in flight; a release frees a slot; nextCapacity is nil while only a release helps")
    func concurrency() {
        let model = ModelConfig(name: "m", providers: [limited("a", concurrency: 1)])
        let selector = selector([model])
        let first = granted(ask(selector, model))
        #expect(first != nil)
        guard case .exhausted = ask(selector, model) else { Issue.record("expected exhausted"); return }
        #expect(selector.nextCapacity(for: LeaseRequest(model: model, deadline: .max)) == nil)
        selector.release(first!, outcome: .init(.completed, status: 200))
        #expect(granted(ask(selector, model)) != nil)
    }

    @Test("the TPM reservation is the request's tokens, and settling on the real usage returns the rest")
    func tpmSettle() {
        let model = ModelConfig(name: "m", providers: [limited("a", tpm: 1_000)])
        let selector = selector([model])
        let lease = granted(ask(selector, model, tokens: 900))
        #expect(lease?.reservedTokens == 900)
        guard case .exhausted = ask(selector, model, tokens: 200) else { Issue.record("expected exhausted"); return }
        selector.settle(lease!, actualTokens: 300)
        selector.release(lease!, outcome: .init(.completed, status: 200))
        #expect(granted(ask(selector, model, tokens: 200)) != nil)
        #expect(selector.admission(of: "a")?.tokens?.available(now: Clock().now) == 500)
    }

    @Test("a request larger than a provider's window goes to one that fits; none fitting is a 400 naming the estimate and the largest window")
    func contextWindows() {
        let backup = ModelConfig(name: "big", providers: [limited("large", window: 32_000)])
        let model = ModelConfig(name: "m", providers: [limited("small", window: 4_096), limited("medium", window: 8_192)], fallbackModel: "big")
        let selector = selector([model, backup])
        for _ in 0..<3 { #expect(granted(ask(selector, model, tokens: 6_000))?.provider.id == "medium") }
        #expect(granted(ask(selector, model, tokens: 20_000))?.provider.id == "large")
        guard case .refused(let error) = ask(selector, model, tokens: 40_000) else { Issue.record("expected a refusal"); return }
        #expect(error.status == 400 && error.code == "context_length_exceeded")
        #expect(error.message.contains("40000") && error.message.contains("32000"))
        // Unknown windows always fit; requests without an estimate are never checked.
        let unknown = ModelConfig(name: "u", providers: [provider("x")])
        let plain = SwitchyardRoutingTests.selector([unknown])
        #expect(granted(ask(plain, unknown, tokens: 1_000_000)) != nil)
        #expect(granted(ask(selector, model, tokens: 0)) != nil)
    }

    @Test("a cooled provider is skipped until its cool-down ends, even when nothing else is left")
    func coolDown() {
        let clock = Clock()
        let model = ModelConfig(name: "m", providers: [provider("a"), provider("b")])
        let selector = selector([model], clock: clock)
        selector.coolDown("a", until: clock.now + 5 * Self.second)
        for _ in 0..<3 { #expect(granted(ask(selector, model))?.provider.id == "b") }
        guard case .exhausted = ask(selector, model, excluding: ["b"]) else { Issue.record("expected exhausted"); return }
        #expect(selector.nextCapacity(for: LeaseRequest(model: model, excluded: ["b"], deadline: .max)) == clock.now + 5 * Self.second)
        clock.now += 5 * Self.second
        #expect(granted(ask(selector, model, excluding: ["b"]))?.provider.id == "a")
    }

    @Test("limits survive a reload with the same values; in-flight counts carry over")
    func reload() {
        let model = ModelConfig(name: "m", providers: [limited("a", concurrency: 1)])
        let selector = selector([model])
        let lease = granted(ask(selector, model))!
        selector.reload(config: ModelsConfig(format: .llmRouter, models: [model]))
        guard case .exhausted = ask(selector, model) else { Issue.record("expected exhausted"); return }
        selector.release(lease, outcome: .init(.completed, status: 200))
        #expect(granted(ask(selector, model)) != nil)
    }
}
