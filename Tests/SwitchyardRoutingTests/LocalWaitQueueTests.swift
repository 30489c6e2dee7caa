import SwitchyardCore
import Testing
@testable import SwitchyardRouting

/// A manual clock with timers and a "soon" list, standing in for the worker loop.
private final class FakeTimers: @unchecked Sendable {
    var now: UInt64 = 1_000
    private var timers: [(id: Int, at: UInt64, body: () -> Void)] = []
    private var soonList: [() -> Void] = []
    private var nextID = 0

    var selectorTimers: SelectorTimers {
        SelectorTimers(
            schedule: { [self] nanoseconds, body in
                nextID += 1
                let id = nextID
                timers.append((id, now + nanoseconds, body))
                return { [self] in timers.removeAll { $0.id == id } }
            },
            soon: { [self] body in soonList.append(body) })
    }

    var pendingTimers: Int { timers.count }

    /// Runs what was deferred to the end of the iteration.
    func endIteration() {
        while !soonList.isEmpty {
            let list = soonList
            soonList.removeAll()
            for body in list { body() }
        }
    }

    /// Moves the clock and fires due timers.
    func advance(_ nanoseconds: UInt64) {
        now += nanoseconds
        while let index = timers.firstIndex(where: { $0.at <= now }) {
            let timer = timers.remove(at: index)
            timer.body()
        }
        endIteration()
    }
}

private final class Waiter: LeaseWaiter {
    var granted: ProviderLease?
    var denied: RouterError??
    func leaseGranted(_ lease: ProviderLease) { granted = lease }
    func leaseDenied(_ error: RouterError?) { denied = .some(error) }
}

private func provider(_ id: String, slots: Int = 1) -> ProviderConfig {
    ProviderConfig(id: id, apiHost: "http://\(id):8000", apiType: .vllm, modelPath: id, nworkers: slots)
}

private let second: UInt64 = 1_000_000_000

private func makeSelector(_ models: [ModelConfig], timers: FakeTimers, strategy: String = "first_available",
                          queueTimeout: UInt64 = 10 * second, queueLimit: Int = 1000) -> LocalProviderSelector {
    var context = SelectorContext(now: { timers.now }, workerID: 1, pid: 1, defaultStrategy: strategy, isSupported: { _ in true })
    context.queueTimeout = queueTimeout
    context.queueLimit = queueLimit
    context.timers = timers.selectorTimers
    return LocalProviderSelector(context: context, config: ModelsConfig(format: .llmRouter, models: models))
}

@Suite("In-memory wait queue")
struct LocalWaitQueueTests {
    let model = ModelConfig(name: "m", providers: [provider("a")])

    private func acquire(_ selector: LocalProviderSelector, _ waiter: Waiter, priority: LeasePriority = .normal, excluded: Set<String> = []) -> LeaseAcquisition {
        selector.acquire(LeaseRequest(model: model, excluded: excluded, deadline: .max, priority: priority), waiter: waiter)
    }

    @Test("a full first_available model queues requests and hands each release to the first waiter, in arrival order")
    func fifoHandOff() throws {
        let timers = FakeTimers()
        let selector = makeSelector([model], timers: timers)
        guard case .granted(let first) = acquire(selector, Waiter()) else { Issue.record("the free slot was not granted"); return }
        let waiters = (0..<3).map { _ in Waiter() }
        for waiter in waiters {
            guard case .pending = acquire(selector, waiter) else { Issue.record("a request on a full model did not wait"); return }
        }
        #expect(selector.waitingCount("m") == 3)
        selector.release(first, outcome: ProviderOutcome(.completed, status: 200))
        #expect(waiters[0].granted == nil, "the grant is delivered after the current iteration, not inside release")
        timers.endIteration()
        let second = try #require(waiters[0].granted)
        #expect(second.provider.id == "a")
        #expect(waiters[1].granted == nil && waiters[2].granted == nil, "one release frees one slot")
        selector.release(second, outcome: ProviderOutcome(.completed, status: 200))
        timers.endIteration()
        #expect(waiters[1].granted != nil)
        #expect(waiters[2].granted == nil)
        #expect(selector.waitingCount("m") == 1)
    }

    @Test("x-priority orders the queue: high before normal before low, FIFO within one")
    func priorities() throws {
        let timers = FakeTimers()
        let selector = makeSelector([model], timers: timers)
        guard case .granted(var held) = acquire(selector, Waiter()) else { Issue.record("no grant"); return }
        let low = Waiter(), normal1 = Waiter(), high = Waiter(), normal2 = Waiter()
        _ = acquire(selector, low, priority: .low)
        _ = acquire(selector, normal1)
        _ = acquire(selector, high, priority: .high)
        _ = acquire(selector, normal2)
        var order: [String] = []
        let named = [("low", low), ("normal1", normal1), ("high", high), ("normal2", normal2)]
        for _ in 0..<4 {
            selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
            timers.endIteration()
            let next = try #require(named.first { $0.1.granted != nil && !order.contains($0.0) })
            order.append(next.0)
            held = try #require(next.1.granted)
        }
        #expect(order == ["high", "normal1", "normal2", "low"])
    }

    @Test("a wait ends after the queue timeout with 503 queue_timeout and a Retry-After; nothing is left behind")
    func timeout() {
        let timers = FakeTimers()
        let selector = makeSelector([model], timers: timers, queueTimeout: 60 * second)
        guard case .granted(let held) = acquire(selector, Waiter()) else { Issue.record("no grant"); return }
        let waiter = Waiter()
        _ = acquire(selector, waiter)
        timers.advance(59 * second)
        #expect(waiter.denied == nil)
        timers.advance(1 * second)
        let error = (waiter.denied ?? nil)
        #expect(error?.status == 503)
        #expect(error?.code == "queue_timeout")
        #expect(error?.retryAfter == 5)
        #expect(selector.waitingCount("m") == 0)
        selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
        timers.endIteration()
        #expect(waiter.granted == nil, "a timed-out waiter is never granted")
        #expect(selector.liveLeases == 0)
    }

    @Test("a cancelled wait leaves the queue at once and its timer is cancelled; a grant cancelled before delivery is released")
    func cancellation() {
        let timers = FakeTimers()
        let selector = makeSelector([model], timers: timers)
        guard case .granted(let held) = acquire(selector, Waiter()) else { Issue.record("no grant"); return }
        let gone = Waiter(), next = Waiter()
        guard case .pending(let ticket) = acquire(selector, gone) else { Issue.record("did not wait"); return }
        guard case .pending(let nextTicket) = acquire(selector, next) else { Issue.record("did not wait"); return }
        selector.cancel(ticket)
        #expect(selector.waitingCount("m") == 1)
        #expect(timers.pendingTimers == 1)
        selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
        // Granted to `next`, then cancelled before the grant is delivered: the slot must come back.
        selector.cancel(nextTicket)
        timers.endIteration()
        #expect(gone.granted == nil && next.granted == nil)
        #expect(selector.liveLeases == 0)
        guard case .granted = acquire(selector, Waiter()) else { Issue.record("the slot leaked"); return }
    }

    @Test("the queue is bounded per model: one more waiter is refused with 429 queue_full")
    func bounded() {
        let timers = FakeTimers()
        let selector = makeSelector([model], timers: timers, queueLimit: 2)
        _ = acquire(selector, Waiter())
        _ = acquire(selector, Waiter())
        _ = acquire(selector, Waiter())
        guard case .refused(let error) = acquire(selector, Waiter()) else { Issue.record("the third waiter was not refused"); return }
        #expect(error.status == 429)
        #expect(error.code == "queue_full")
        #expect(error.retryAfter != nil)
    }

    @Test("no waiting when it cannot help or is off: strategies without slots, every provider excluded, queue timeout 0")
    func noWaiting() {
        let timers = FakeTimers()
        let excludedAll = makeSelector([model], timers: timers)
        _ = acquire(excludedAll, Waiter())
        guard case .exhausted = acquire(excludedAll, Waiter(), excluded: ["a"]) else { Issue.record("waited for an excluded provider"); return }
        let off = makeSelector([model], timers: timers, queueTimeout: 0)
        _ = acquire(off, Waiter())
        guard case .exhausted = acquire(off, Waiter()) else { Issue.record("waited with the queue off"); return }
        #expect(timers.pendingTimers == 0)
    }

    @Test("drain refuses the waiters with 503 and every later wait")
    func drain() {
        let timers = FakeTimers()
        let selector = makeSelector([model], timers: timers)
        _ = acquire(selector, Waiter())
        let waiter = Waiter()
        _ = acquire(selector, waiter)
        selector.drain()
        #expect((waiter.denied ?? nil)?.status == 503)
        guard case .refused(let error) = acquire(selector, Waiter()) else { Issue.record("a wait was accepted while draining"); return }
        #expect(error.status == 503)
        #expect(timers.pendingTimers == 0)
    }

    @Test("a reload that adds slots serves the waiters at once")
    func reloadServesWaiters() {
        let timers = FakeTimers()
        let selector = makeSelector([model], timers: timers)
        _ = acquire(selector, Waiter())
        let waiter = Waiter()
        _ = acquire(selector, waiter)
        selector.reload(config: ModelsConfig(format: .llmRouter, models: [ModelConfig(name: "m", providers: [provider("a", slots: 2)])]))
        timers.endIteration()
        #expect(waiter.granted?.provider.id == "a")
    }
}
