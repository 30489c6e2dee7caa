import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis
import SwitchyardTestSupport
import Testing
@testable import SwitchyardCoordination
@testable import SwitchyardRouting

/// A waiter that records its answer and the order answers arrived in.
private final class QueueWaiter: LeaseWaiter {
    let name: String
    let log: AnswerLog
    var granted: ProviderLease?
    var denied: RouterError?
    var answered = false

    init(_ name: String, log: AnswerLog) {
        self.name = name
        self.log = log
    }

    func leaseGranted(_ lease: ProviderLease) {
        granted = lease
        answered = true
        log.names.append(name)
    }

    func leaseDenied(_ error: RouterError?) {
        denied = error
        answered = true
        log.names.append("!" + name)
    }
}

private final class AnswerLog { var names: [String] = [] }

/// The cluster-wide wait queue (and the in-memory one, which must behave the same within one worker).
@Suite("Wait queue: local and Redis", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct WaitQueueTests {
    let model = ModelConfig(name: "m", providers: [.make("a")])

    /// A harness and a `first_available` selector of `kind` over ``model`` whose requests may wait (and, for
    /// `.redis`, its own redis-server).
    private func setUp(_ kind: SelectorKind, queueTimeout: Double, queueLimit: Int = 1000) throws -> (SelectorHarness, ProviderSelector, RedisServer?) {
        let server = kind == .redis ? try RedisServer() : nil
        let harness = try SelectorHarness()
        let selector = try harness.selector(kind, server: server, models: [model], strategy: "first_available", queueTimeout: queueTimeout, queueLimit: queueLimit)
        return (harness, selector, server)
    }

    private func request(_ priority: LeasePriority = .normal) -> LeaseRequest {
        LeaseRequest(model: model, deadline: .max, priority: priority)
    }

    private func request(_ model: ModelConfig) -> LeaseRequest {
        LeaseRequest(model: model, deadline: .max)
    }

    @Test("a full first_available model queues; each release hands the slot to the next waiter in arrival order",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func handOffInOrder(kind: SelectorKind) throws {
        let (harness, selector, server) = try setUp(kind, queueTimeout: 30)
        defer { server?.stop() }
        let held = try #require(harness.grant(selector, model))
        let log = AnswerLog()
        let waiters = (1...3).map { QueueWaiter("w\($0)", log: log) }
        for waiter in waiters {
            guard case .pending = selector.acquire(request(), waiter: waiter) else { Issue.record("a request on a full model did not wait"); return }
            if kind == .redis { harness.settle() }
        }
        harness.pause()
        #expect(log.names.isEmpty, "nobody is granted while the slot is held")
        if let server {
            #expect(try harness.command(server, ["ZCARD", harness.key("m", "waitq")])?.integerValue == 3)
        }
        selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.runUntil { waiters[0].answered })
        harness.pause()
        #expect(log.names == ["w1"], "one release frees one slot")
        selector.release(try #require(waiters[0].granted), outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.runUntil { waiters[1].answered })
        selector.release(try #require(waiters[1].granted), outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.runUntil { waiters[2].answered })
        #expect(log.names == ["w1", "w2", "w3"])
        selector.release(try #require(waiters[2].granted), outcome: ProviderOutcome(.completed, status: 200))
        if let server {
            harness.settle()
            #expect(try harness.inFlight(server, "m", "a") == 0)
            #expect(try harness.command(server, ["EXISTS", harness.key("m", "waitq"), harness.key("m", "waiters")])?.integerValue == 0)
        }
    }

    @Test("x-priority: high waiters are served before normal and low ones, FIFO within a priority",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func priorities(kind: SelectorKind) throws {
        let (harness, selector, server) = try setUp(kind, queueTimeout: 30)
        defer { server?.stop() }
        var held = try #require(harness.grant(selector, model))
        let log = AnswerLog()
        let entries: [(String, LeasePriority)] = [("low", .low), ("n1", .normal), ("high", .high), ("n2", .normal)]
        var waiters: [QueueWaiter] = []
        for (name, priority) in entries {
            let waiter = QueueWaiter(name, log: log)
            waiters.append(waiter)
            _ = selector.acquire(request(priority), waiter: waiter)
            if kind == .redis { harness.settle() }
        }
        for count in 1...4 {
            selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
            #expect(harness.runUntil { log.names.count == count })
            let next = try #require(waiters.first { $0.name == log.names.last })
            held = try #require(next.granted)
        }
        #expect(log.names == ["high", "n1", "n2", "low"])
    }

    @Test("a wait ends at the queue timeout with 503 queue_timeout and Retry-After, and leaves the queue",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func timeout(kind: SelectorKind) throws {
        let (harness, selector, server) = try setUp(kind, queueTimeout: 0.2)
        defer { server?.stop() }
        let held = try #require(harness.grant(selector, model))
        let waiter = QueueWaiter("w", log: AnswerLog())
        guard case .pending = selector.acquire(request(), waiter: waiter) else { Issue.record("did not wait"); return }
        #expect(harness.runUntil(seconds: 5) { waiter.answered })
        #expect(waiter.denied?.status == 503)
        #expect(waiter.denied?.code == "queue_timeout")
        #expect(waiter.denied?.retryAfter == 1)
        selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
        if let server {
            harness.settle()
            #expect(try harness.command(server, ["ZCARD", harness.key("m", "waitq")])?.integerValue == 0)
            #expect(try harness.inFlight(server, "m", "a") == 0, "the released slot went to nobody")
        }
        #expect(harness.grant(selector, model) != nil)
    }

    @Test("a cancelled wait (the client left) leaves the queue and never gets the slot; the slot stays free",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func cancellation(kind: SelectorKind) throws {
        let (harness, selector, server) = try setUp(kind, queueTimeout: 30)
        defer { server?.stop() }
        let held = try #require(harness.grant(selector, model))
        let gone = QueueWaiter("gone", log: AnswerLog())
        guard case .pending(let ticket) = selector.acquire(request(), waiter: gone) else { Issue.record("did not wait"); return }
        if kind == .redis { harness.settle() }
        selector.cancel(ticket)
        selector.release(held, outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()
        harness.pause()
        #expect(!gone.answered)
        if let server {
            #expect(try harness.command(server, ["ZCARD", harness.key("m", "waitq")])?.integerValue == 0)
            #expect(try harness.inFlight(server, "m", "a") == 0)
        }
        #expect(harness.grant(selector, model) != nil, "the slot is free")
    }

    @Test("the queue is bounded: one waiter more than LLM_ROUTER_QUEUE_MAX gets 429 queue_full",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func bounded(kind: SelectorKind) throws {
        let (harness, selector, server) = try setUp(kind, queueTimeout: 30, queueLimit: 1)
        defer { server?.stop() }
        _ = try #require(harness.grant(selector, model))
        let first = QueueWaiter("first", log: AnswerLog())
        _ = selector.acquire(request(), waiter: first)
        if kind == .redis { harness.settle() }
        let second = QueueWaiter("second", log: AnswerLog())
        let error: RouterError?
        switch selector.acquire(request(), waiter: second) {
        case .refused(let refused): error = refused
        case .pending:
            #expect(harness.runUntil { second.answered })
            error = second.denied
        default: error = nil
        }
        #expect(error?.status == 429)
        #expect(error?.code == "queue_full")
        #expect(!first.answered)
    }

    @Test("Redis going away while a request waits in its queue: the wait moves to this worker's local state and is served there",
          .timeLimit(.minutes(1)))
    func outageWhileQueued() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", queueTimeout: 30)
        _ = try #require(harness.grant(selector, model))
        let waiter = QueueWaiter("w", log: AnswerLog())
        guard case .pending = selector.acquire(request(), waiter: waiter) else { Issue.record("did not wait"); return }
        harness.settle()
        #expect(!waiter.answered)
        server.stop()
        // The shared slot is out of reach; locally nothing holds the provider, so the moved wait is granted at once.
        #expect(harness.runUntil(seconds: 10) { waiter.answered })
        #expect(waiter.granted?.provider.id == "a")
        #expect((selector as? RedisProviderSelector)?.isOnLocalState == true)
    }

    @Test("two routers on one Redis share one queue: a release in one hands the slot to the other's waiter, first come first served",
          .timeLimit(.minutes(1)))
    func acrossRouters() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let one = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "one", queueTimeout: 30, pid: 11)
        let two = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "two", queueTimeout: 30, pid: 22)
        let held = try #require(harness.grant(one, model))
        let log = AnswerLog()
        let early = QueueWaiter("two-early", log: log)
        let late = QueueWaiter("one-late", log: log)
        _ = two.acquire(request(), waiter: early)
        harness.settle()
        _ = one.acquire(request(), waiter: late)
        harness.settle()
        one.release(held, outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.runUntil { early.answered })
        #expect(early.granted?.provider.id == "a")
        harness.pause()
        #expect(!late.answered)
        // The hand-off was recorded for its claim window (5 s of a 30 s lease); the waiter's worker claimed it.
        harness.settle()
        guard case .array(let held2)? = try harness.command(server, ["ZRANGE", harness.key("m", "leases"), 0, -1, "WITHSCORES"]),
              held2.count == 2, let deadline = held2[1].text.flatMap(Double.init) else { Issue.record("no hold"); return }
        #expect(deadline - Double(WallClock.microseconds() / 1000) > 20_000, "renewed to a whole lease when claimed")
        two.release(try #require(early.granted), outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.runUntil { late.answered })
        #expect(log.names == ["two-early", "one-late"])
        let wakes = try #require((two as? RedisProviderSelector)?.wakeLatencies)
        #expect(wakes.total == 1, "the hand-off latency was measured")
    }

    @Test("a hand-off to a router that vanished comes back after the claim window, and that router's other waits leave the queue",
          .timeLimit(.minutes(1)))
    func unclaimedHandOff() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let keys = harness.scriptKeys("m")
        // A 6 s lease: renewals (and purges) every 2 s, a hand-off's claim window 1 s.
        let one = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "one",
                                       leaseSeconds: 6, queueTimeout: 30, pid: 11)
        let held = try #require(harness.grant(one, model))
        // Two waits of a router on a machine that is gone (no reaper, nobody listening), ahead of a live one. The
        // second asks for a 60 s lease: handed the slot, it would keep it for a 10 s claim window.
        for (index, (ghost, lease)) in [("gone:5:1", 6000), ("gone:5:2", 60000)].enumerated() {
            _ = try harness.command(server, ["ZADD", keys[2], index + 1, ghost])
            _ = try harness.command(server, ["HSET", keys[3], ghost, #"{"d":99999999999999,"l":\#(lease),"c":"nowhere","p":{"a":{"s":1,"r":0,"t":0,"c":0}}}"#])
        }
        let live = QueueWaiter("live", log: AnswerLog())
        _ = one.acquire(request(), waiter: live)
        harness.settle()
        one.release(held, outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()
        // The first ghost was handed the slot, for the claim window only.
        let score = try harness.command(server, ["ZSCORE", keys[1], "gone:5:1|a"])?.text.flatMap(Double.init)
        let deadline = try #require(score, "handed to the first waiter")
        #expect(deadline - Double(WallClock.microseconds() / 1000) <= 1_100, "a claim window, not the 6 s lease")
        // Unclaimed, it expires; the purge takes the ghost router's other wait out and hands the slot to the live
        // one (without the claim window: 6 s; without the ghost's other wait leaving: 10 s more).
        #expect(harness.runUntil(seconds: 6) { live.answered })
        #expect(live.granted?.provider.id == "a")
        #expect(try harness.command(server, ["HEXISTS", keys[3], "gone:5:2"])?.integerValue == 0)
        #expect(try harness.command(server, ["ZCARD", keys[2]])?.integerValue == 0)
    }

    @Test("a wait that left the queue while its router's subscriber was away is asked for again when it reconnects",
          .timeLimit(.minutes(1)))
    func lostWaitAskedAgain() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let keys = harness.scriptKeys("m")
        let one = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "one", queueTimeout: 30, pid: 11)
        let two = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "two", queueTimeout: 30, pid: 22)
        let held = try #require(harness.grant(one, model))
        let waiter = QueueWaiter("two", log: AnswerLog())
        _ = two.acquire(request(), waiter: waiter)
        harness.settle()
        // The wait leaves the queue (as when a hand-off to its worker expired unclaimed) while the subscriber is cut.
        guard case .array(let queued)? = try harness.command(server, ["ZRANGE", keys[2], 0, -1]), let owner = queued.first?.text,
              queued.count == 1 else { Issue.record("not queued"); return }
        _ = try harness.command(server, ["ZREM", keys[2], owner])
        _ = try harness.command(server, ["HDEL", keys[3], owner])
        _ = try harness.command(server, ["CLIENT", "KILL", "TYPE", "pubsub"])
        let statistics = { (two as? RedisProviderSelector)?.statistics.queued ?? 0 }
        #expect(harness.runUntil(seconds: 5) { statistics() == 2 }, "queued again after the reconnect")
        one.release(held, outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.runUntil(seconds: 5) { waiter.answered })
        #expect(waiter.granted?.provider.id == "a")
    }

    @Test("a worker killed while waiting: its supervisor's reaper removes its waits, and the slot goes to the next live waiter",
          .timeLimit(.minutes(1)))
    func deadWaiterReaped() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let keys = harness.scriptKeys("m")
        let one = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "one", queueTimeout: 30, pid: 11)
        let held = try #require(harness.grant(one, model))
        // A waiter of a dead worker (pid 99 of instance "one"), queued ahead of a live one.
        let ghost = "one:99:1"
        _ = try harness.command(server, ["ZADD", keys[2], 10_000_000_000_000, ghost])
        _ = try harness.command(server, ["HSET", keys[3], ghost, #"{"d":99999999999999,"l":30000,"c":"nowhere","p":{"a":1}}"#])
        let live = QueueWaiter("live", log: AnswerLog())
        _ = one.acquire(request(), waiter: live)
        harness.settle()
        let prefix = RedisProviderSelector.ownerPrefix(instanceID: "one", pid: 99)
        _ = try harness.command(server, ["EVAL", CoordinationScripts.releaseWorker.source, keys.count] + keys + [prefix])
        #expect(try harness.command(server, ["HEXISTS", keys[3], ghost])?.integerValue == 0)
        one.release(held, outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.runUntil { live.answered })
        #expect(live.granted != nil)
    }

    @Test("shared circuits: a failure recorded by one router makes another prefer the healthy provider; a success closes it",
          .timeLimit(.minutes(1)))
    func sharedCircuits() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let pair = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        let one = try harness.selector(.redis, server: server, models: [pair], strategy: "round_robin", instance: "one", pid: 11)
        let two = try harness.selector(.redis, server: server, models: [pair], strategy: "round_robin", instance: "two", pid: 22)
        let first = try #require(harness.grant(one, pair))
        #expect(first.provider.id == "a")
        one.release(first, outcome: ProviderOutcome(.failed))
        harness.settle()
        // Router two never saw a failure itself, yet skips a while its circuit is open (round robin would give a, b, a).
        #expect(harness.releasedSequence(two, pair, 3) == "bbb")
        let circuit = try harness.command(server, ["HGET", harness.key("m", "state"), "c:a"])
        #expect(circuit?.text?.hasPrefix("1:") == true)
        _ = try harness.command(server, ["HDEL", harness.key("m", "state"), "c:a"])
        #expect(harness.releasedSequence(two, pair, 2) == "ab")
    }

    @Test("dynamic_weighted shares its latency averages: a provider slow for one router loses share in another",
          .timeLimit(.minutes(1)))
    func sharedLatency() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let pair = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        let one = try harness.selector(.redis, server: server, models: [pair], strategy: "dynamic_weighted", instance: "one", pid: 11)
        let two = try harness.selector(.redis, server: server, models: [pair], strategy: "dynamic_weighted", instance: "two", pid: 22)
        // Router one learns that a takes 400 ms and b 20 ms.
        for _ in 0..<4 {
            for id in ["a", "b"] {
                let lease = try #require(harness.grant(one, pair, excluding: id == "a" ? ["b"] : ["a"]))
                let milliseconds: UInt64 = id == "a" ? 400 : 20
                one.release(lease, outcome: ProviderOutcome(.completed, status: 200, timeToFirstByte: nil, total: milliseconds * 1_000_000))
            }
        }
        harness.settle()
        let picks = harness.releasedSequence(two, pair, 20)
        let slow = picks.filter { $0 == "a" }.count
        #expect(slow <= 2, "router two sends the slow provider a trickle only: \(picks)")
        #expect(slow >= 1, "the slow provider keeps a trickle to show it recovered: \(picks)")
    }

    // MARK: limits in Redis (issue 10)

    private func limited(_ id: String, rpm: Int? = nil, tpm: Int? = nil, maxConcurrency: Int? = nil) -> ProviderConfig {
        var provider = ProviderConfig.make(id)
        provider.rpm = rpm
        provider.tpm = tpm
        provider.maxConcurrency = maxConcurrency
        return provider
    }

    @Test("rpm is exact across routers sharing one Redis: a burst of the limit in all, then nothing free", .timeLimit(.minutes(1)))
    func rpmAcrossRouters() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [limited("a", rpm: 5)])
        let one = try harness.selector(.redis, server: server, models: [model], strategy: "balanced", instance: "one", pid: 11)
        let two = try harness.selector(.redis, server: server, models: [model], strategy: "balanced", instance: "two", pid: 22)
        var granted = 0
        for round in 0..<8 {
            let selector = round % 2 == 0 ? one : two
            if let lease = harness.grant(selector, model) {
                granted += 1
                selector.release(lease, outcome: ProviderOutcome(.completed, status: 200))
            }
        }
        #expect(granted == 5, "5 per minute across both routers, releases or not")
    }

    @Test("a request held back by rpm waits in the shared queue and is granted when the bucket refills, woken at the computed time",
          .timeLimit(.minutes(1)))
    func refillWakesWaiter() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [limited("a", rpm: 60)])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "balanced", queueTimeout: 10)
        // Spend the bucket so that one more request fits in about 300 ms (60 per minute: one per second).
        guard case .array(let time)? = try harness.command(server, ["TIME"]), let seconds = time.first?.text.flatMap(Int.init),
              let micros = time.last?.text.flatMap(Int.init) else { Issue.record("no TIME"); return }
        let now = seconds * 1000 + micros / 1000
        _ = try harness.command(server, ["HSET", harness.key("m", "state"), "r:a", String(now + 59_300)])
        let waiter = QueueWaiter("w", log: AnswerLog())
        let started = MonotonicClock.now()
        guard case .pending = selector.acquire(request(model), waiter: waiter) else { Issue.record("did not wait"); return }
        #expect(harness.runUntil(seconds: 5) { waiter.answered })
        let waited = Double(MonotonicClock.now() - started) / 1e9
        #expect(waiter.granted?.provider.id == "a")
        #expect(waited >= 0.2, "granted by the refill, not at once: \(waited) s")
        #expect((selector as? RedisProviderSelector)?.statistics.pumps ?? 0 >= 1)
    }

    @Test("random and real_time_metrics under limits: the script draws among the providers free cluster-wide, so max_concurrency holds across routers",
          .timeLimit(.minutes(1)), arguments: ["random", "real_time_metrics"])
    func localChoiceLimitsAcrossRouters(strategy: String) throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [limited("a", maxConcurrency: 1), limited("b", maxConcurrency: 1)])
        let one = try harness.selector(.redis, server: server, models: [model], strategy: strategy, instance: "one", pid: 11)
        let two = try harness.selector(.redis, server: server, models: [model], strategy: strategy, instance: "two", pid: 22)
        var leases: [(selector: ProviderSelector, lease: ProviderLease)] = []
        for round in 0..<6 {
            let selector = round % 2 == 0 ? one : two
            if let lease = harness.grant(selector, model) { leases.append((selector, lease)) }
        }
        // Each router alone would grant both providers once (limits per worker): four leases, not two.
        #expect(leases.map(\.lease.provider.id).sorted() == ["a", "b"], "one slot each across both routers")
        #expect(try harness.inFlight(server, "m", "a") == 1)
        #expect(try harness.inFlight(server, "m", "b") == 1)
        // A release in one router frees the slot for the other.
        let first = try #require(leases.first)
        first.selector.release(first.lease, outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()
        let other = first.selector === one ? two : one
        #expect(harness.grant(other, model)?.provider.id == first.lease.provider.id)
    }

    @Test("under limits the script's draw follows the worker's weights: uniform for random, the servers' loads for real_time_metrics",
          .timeLimit(.minutes(1)))
    func localChoiceDrawWeights() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        // Limits far from reach: they only move the choice into the script.
        let model = ModelConfig(name: "m", providers: [limited("a", rpm: 100_000), limited("b", rpm: 100_000)])
        let random = try harness.selector(.redis, server: server, models: [model], strategy: "random", instance: "r", pid: 11)
        let drawn = harness.releasedSequence(random, model, 60)
        let randomA = drawn.filter { $0 == "a" }.count
        #expect(drawn.count == 60 && !drawn.contains("-"), "\(drawn)")
        #expect((15...45).contains(randomA), "uniform: \(drawn)")
        // a's server is saturated (score at the 2 % floor of b's): b gets nearly everything.
        let board = ServerLoadBoard()
        let now = MonotonicClock.now()
        board.record(model: "m", provider: "a", load: ServerLoad(waiting: 50, running: 200, cacheUsage: 0.99), scrapedAtMilliseconds: 1, now: now)
        board.record(model: "m", provider: "b", load: ServerLoad(waiting: 0, running: 0, cacheUsage: 0), scrapedAtMilliseconds: 1, now: now)
        let metrics = try harness.selector(.redis, server: server, models: [model], strategy: "real_time_metrics", instance: "m", pid: 22, serverLoads: board)
        let weighted = harness.releasedSequence(metrics, model, 60)
        #expect(weighted.filter { $0 == "b" }.count >= 50, "by load: \(weighted)")
        harness.settle()
        #expect(try harness.inFlight(server, "m", "a") == 0 && harness.inFlight(server, "m", "b") == 0)
    }

    @Test("limits hold inside one call: the acquisitions of one iteration are charged one after another", .timeLimit(.minutes(1)))
    func limitsWithinOneCall() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        // a admits two requests a minute (its burst), b plenty: balanced alternates until a's bucket is empty.
        let model = ModelConfig(name: "m", providers: [limited("a", rpm: 2), limited("b", rpm: 100_000)])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "balanced", queueTimeout: 0.2)
        let waiters = (0..<6).map { QueueWaiter("w\($0)", log: AnswerLog()) }
        for waiter in waiters { _ = selector.acquire(request(model), waiter: waiter) }
        #expect(harness.runUntil { waiters.allSatisfy(\.answered) })
        #expect(waiters.map { $0.granted?.provider.id ?? "-" }.joined() == "ababbb")
        // One provider, two a minute: the third of one call finds nothing free (the whole call is decided again
        // on the general path) and waits, then times out.
        let single = ModelConfig(name: "s", providers: [limited("a", rpm: 2)])
        let alone = try harness.selector(.redis, server: server, models: [single], strategy: "balanced", queueTimeout: 0.2)
        let three = (0..<3).map { QueueWaiter("s\($0)", log: AnswerLog()) }
        for waiter in three { _ = alone.acquire(request(single), waiter: waiter) }
        #expect(harness.runUntil { three.allSatisfy(\.answered) })
        #expect(three.map { $0.granted?.provider.id ?? "-" }.joined() == "aa-")
        #expect(three[2].denied?.code == "queue_timeout")
    }

    @Test("a TPM reservation is charged on the grant and settled on the real usage", .timeLimit(.minutes(1)))
    func tpmSettlement() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [limited("a", tpm: 6000)])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "balanced")
        let waiter = QueueWaiter("w", log: AnswerLog())
        var ask = LeaseRequest(model: model, deadline: .max)
        ask.tokens = 600
        var lease: ProviderLease?
        switch selector.acquire(ask, waiter: waiter) {
        case .granted(let granted): lease = granted
        case .pending:
            #expect(harness.runUntil { waiter.answered })
            lease = waiter.granted
        default: break
        }
        let granted = try #require(lease)
        #expect(granted.reservedTokens == 600)
        let charged = try #require(try harness.command(server, ["HGET", harness.key("m", "state"), "t:a"])?.text.flatMap(Double.init))
        selector.release(granted, outcome: ProviderOutcome(.completed, status: 200))
        selector.settle(granted, actualTokens: 100)
        harness.settle()
        let settled = try #require(try harness.command(server, ["HGET", harness.key("m", "state"), "t:a"])?.text.flatMap(Double.init))
        // 500 tokens back at 6000 per minute: 5 s of the bucket.
        #expect(abs((charged - settled) - 5000) < 1, "charged \(charged), settled \(settled)")
    }

    @Test("a cool-down asked by one router's provider holds for every router", .timeLimit(.minutes(1)))
    func sharedCoolDown() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let pair = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        let one = try harness.selector(.redis, server: server, models: [pair], strategy: "round_robin", instance: "one", pid: 11)
        let two = try harness.selector(.redis, server: server, models: [pair], strategy: "round_robin", instance: "two", pid: 22)
        one.coolDown("a", until: MonotonicClock.now() + 30_000_000_000)
        harness.settle()
        let circuits = try harness.command(server, ["HGETALL", harness.key("m", "state")])
        #expect(harness.releasedSequence(two, pair, 3) == "bbb", "\(String(describing: circuits))")
    }
}
