import SwitchyardCore
import SwitchyardRedis
import SwitchyardTestSupport
import Testing
@testable import SwitchyardCoordination
@testable import SwitchyardRouting

@Suite("Redis selector: several workers as one, holds, outages", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct RedisProviderSelectorTests {
    @Test("two workers sharing one Redis act as one: first_available with one slot grants it to only one of them, even to a worker started later",
          .timeLimit(.minutes(1)))
    func firstAvailableAcrossWorkers() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a")])
        let first = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "one")
        let held = try #require(harness.grant(first, model))
        let second = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "two")
        #expect(harness.grant(second, model) == nil, "start-up did not reset the slot another worker holds")
        #expect(harness.grant(first, model) == nil)
        first.release(held, outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()
        let taken = try #require(harness.grant(second, model))
        #expect(taken.provider.id == "a")
        #expect(harness.grant(first, model) == nil)
        #expect(try harness.inFlight(server, "m", "a") == 1)
    }

    @Test("balanced over two providers from two workers keeps their in-flight counts within one of each other", .timeLimit(.minutes(1)))
    func balancedAcrossWorkers() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        let workers = [
            try harness.selector(.redis, server: server, models: [model], strategy: "balanced", instance: "one"),
            try harness.selector(.redis, server: server, models: [model], strategy: "balanced", instance: "two"),
        ]
        var leases: [(ProviderSelector, ProviderLease)] = []
        for round in 0..<9 {
            let worker = workers[round % 2]
            leases.append((worker, try #require(harness.grant(worker, model))))
            let a = try harness.inFlight(server, "m", "a")
            let b = try harness.inFlight(server, "m", "b")
            #expect(abs(a - b) <= 1, "round \(round): a \(a), b \(b)")
        }
        #expect(leases.map(\.1.provider.id).joined() == "ababababa")
        for (worker, lease) in leases { worker.release(lease, outcome: ProviderOutcome(.completed, status: 200)) }
        harness.settle()
        #expect(try harness.inFlight(server, "m", "a") == 0)
        #expect(try harness.inFlight(server, "m", "b") == 0)
    }

    @Test("release is owner-checked and idempotent: a foreign or repeated release changes nothing and counts never go negative",
          .timeLimit(.minutes(1)))
    func ownerExactRelease() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a", nworkers: 2)])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "first_available", instance: "one")
        let lease = try #require(harness.grant(selector, model))
        let keys = harness.scriptKeys("m")
        let owners = try harness.command(server, ["ZRANGE", keys[1], 0, -1])
        guard case .array(let members)? = owners, let member = members.first?.text, member.hasSuffix("|a") else {
            Issue.record("no hold recorded: \(String(describing: owners))")
            return
        }
        let owner = String(member.dropLast(2))
        #expect(owner.hasPrefix("one:1:"), "owner tokens are <instance>:<pid>:<counter>")

        func release(_ token: String) throws -> Int64? {
            try harness.command(server, ["EVALSHA", CoordinationScripts.release.sha1, keys.count] + keys + [2000, 30000, token, "a", 0, 0, 0, 0])?.integerValue
        }
        #expect(try release("someone-else:9:1") == 0)
        #expect(try harness.inFlight(server, "m", "a") == 1)
        #expect(try release(owner) == 1)
        #expect(try release(owner) == 0)
        #expect(try harness.inFlight(server, "m", "a") == 0)
        // The selector's own release of the lease is now a no-op in Redis too: the count stays at zero.
        selector.release(lease, outcome: ProviderOutcome(.completed, status: 200))
        selector.release(lease, outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()
        #expect(try harness.inFlight(server, "m", "a") == 0)
    }

    @Test("releasing a dead worker's holds ends exactly that worker's holds, once, and counts never go negative",
          .timeLimit(.minutes(1)))
    func deadWorkerRelease() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let keys = harness.scriptKeys("m")
        let future = 9_999_999_999_999
        for token in ["one:12:1", "one:12:2", "one:123:1", "two:12:1"] {
            _ = try harness.command(server, ["ZADD", keys[1], future, token + "|a"])
        }
        _ = try harness.command(server, ["HSET", keys[0], "f:a", 4])
        func releaseWorker(_ instance: String, _ pid: Int32) throws -> Int64? {
            let prefix = RedisProviderSelector.ownerPrefix(instanceID: instance, pid: pid)
            return try harness.command(server, ["EVAL", CoordinationScripts.releaseWorker.source, keys.count] + keys + [prefix])?.integerValue
        }
        #expect(try releaseWorker("one", 12) == 2)
        #expect(try harness.inFlight(server, "m", "a") == 2)
        #expect(try harness.command(server, ["ZCARD", keys[1]])?.integerValue == 2, "pid 123 and instance two keep theirs")
        #expect(try harness.command(server, ["ZSCORE", keys[1], "one:123:1|a"]) != .null)
        #expect(try releaseWorker("one", 12) == 0)
        #expect(try harness.inFlight(server, "m", "a") == 2)
        _ = try harness.command(server, ["HSET", keys[0], "f:a", 0])
        #expect(try releaseWorker("one", 123) == 1)
        #expect(try harness.inFlight(server, "m", "a") == 0)
    }

    @Test("the acquisitions of one loop iteration share one script call and see each other's holds", .timeLimit(.minutes(1)))
    func acquisitionsOfOneIterationShareOneCall() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b"), .make("c")])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "balanced")
        harness.settle()
        _ = try harness.command(server, ["CONFIG", "RESETSTAT"])
        // Six acquisitions in one go (no loop iteration in between), as six requests read in one iteration.
        let waiters = (0..<6).map { _ in RecordingWaiter(loop: harness.loop) }
        for waiter in waiters {
            guard case .pending = selector.acquire(LeaseRequest(model: model, deadline: .max), waiter: waiter) else {
                Issue.record("a shared acquisition answers later")
                return
            }
        }
        #expect(harness.runUntil { waiters.allSatisfy(\.answered) })
        // One call, in order: each saw the holds of those before it (fewest in flight, then fewest selections).
        #expect(waiters.compactMap { $0.granted?.provider.id }.joined() == "abcabc")
        let stats = try harness.command(server, ["INFO", "commandstats"])?.text ?? ""
        #expect(stats.contains("cmdstat_evalsha:calls=1,"), "\(stats)")
        for provider in ["a", "b", "c"] { #expect(try harness.inFlight(server, "m", provider) == 2) }
    }

    @Test("a batch mixing plain acquisitions and releases with others keeps their order and meaning", .timeLimit(.minutes(1)))
    func mixedBatches() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b"), .make("c")])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "balanced")
        // Plain, then one that excludes a (general: the batch turns general, the first entry with it), then plain.
        let excluded: [Set<String>] = [[], ["a"], []]
        let waiters = excluded.map { _ in RecordingWaiter(loop: harness.loop) }
        for (waiter, skip) in zip(waiters, excluded) {
            _ = selector.acquire(LeaseRequest(model: model, excluded: skip, deadline: .max), waiter: waiter)
        }
        #expect(harness.runUntil { waiters.allSatisfy(\.answered) })
        #expect(waiters.compactMap { $0.granted?.provider.id }.joined() == "abc")
        // One iteration's releases: two successes (plain) and a failure (general): the failure opens a's circuit.
        let leases = waiters.compactMap(\.granted)
        selector.release(leases[1], outcome: ProviderOutcome(.completed, status: 200))
        selector.release(leases[0], outcome: ProviderOutcome(.failed))
        selector.release(leases[2], outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()
        for provider in ["a", "b", "c"] { #expect(try harness.inFlight(server, "m", provider) == 0) }
        #expect(try harness.command(server, ["HGET", harness.key("m", "state"), "c:a"])?.text?.hasPrefix("1:") == true)
    }

    @Test("one release call ending the same hold twice, and a hold that is not live, gives back exactly one count", .timeLimit(.minutes(1)))
    func repeatedReleaseInOneCall() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "balanced", instance: "one")
        let first = try #require(harness.grant(selector, model))
        let second = try #require(harness.grant(selector, model))
        #expect([first.provider.id, second.provider.id].sorted() == ["a", "b"])
        let keys = harness.scriptKeys("m")
        /// The member of a live hold on provider a in the leases set.
        func holdOnA() throws -> String? {
            guard case .array(let members)? = try harness.command(server, ["ZRANGE", keys[1], 0, -1]) else { return nil }
            return members.compactMap(\.text).first { $0.hasSuffix("|a") }
        }
        guard let held = try holdOnA() else {
            Issue.record("no hold on a")
            return
        }
        let owner = String(held.dropLast(2))
        // The short path: a plain batch grouped by provider (id, count, members) — the live hold twice, a member
        // nobody holds on each provider.
        let plain = try harness.command(server, ["EVALSHA", CoordinationScripts.release.sha1, keys.count] + keys
            + [2000, 30000, "*", "a", 3, held, held, "nobody:1:1|a", "b", 1, "nobody:2:2|b"])
        #expect(plain?.integerValue == 1)
        #expect(try harness.inFlight(server, "m", "a") == 0)
        #expect(try harness.inFlight(server, "m", "b") == 1)
        // The full path (six values per entry), on a hold ended before: nothing.
        let again = try harness.command(server, ["EVALSHA", CoordinationScripts.release.sha1, keys.count] + keys
            + [2000, 30000, owner, "a", 2, 0, 0, 0])
        #expect(again?.integerValue == 0)
        #expect(try harness.inFlight(server, "m", "a") == 0)
        // The full path on a live hold named twice (a failure among them keeps the call off the short path).
        let third = try #require(harness.grant(selector, model))
        #expect(third.provider.id == "a")
        guard let live = try holdOnA() else {
            Issue.record("no new hold on a")
            return
        }
        let token = String(live.dropLast(2))
        let ended = try harness.command(server, ["EVALSHA", CoordinationScripts.release.sha1, keys.count] + keys
            + [2000, 30000, token, "a", 1, 0, 0, 0, token, "a", 2, 0, 0, 0, "nobody:1:1", "a", 1, 0, 0, 0])
        #expect(ended?.integerValue == 1)
        #expect(try harness.inFlight(server, "m", "a") == 0)
        #expect(try harness.inFlight(server, "m", "b") == 1)
    }

    @Test("balanced passes a provider whose shared circuit is open (the short path falls through to the full script)", .timeLimit(.minutes(1)))
    func balancedSkipsOpenSharedCircuit() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let pair = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        let one = try harness.selector(.redis, server: server, models: [pair], strategy: "balanced", instance: "one", pid: 11)
        let two = try harness.selector(.redis, server: server, models: [pair], strategy: "balanced", instance: "two", pid: 22)
        let first = try #require(harness.grant(one, pair))
        #expect(first.provider.id == "a")
        one.release(first, outcome: ProviderOutcome(.failed))
        harness.settle()
        // Without the circuit, balanced would alternate (b has fewer selections, then a): with it, b every time.
        #expect(harness.releasedSequence(two, pair, 3) == "bbb")
        // Closed again: a, with fewer selections (1 against 3), is back.
        _ = try harness.command(server, ["HDEL", harness.key("m", "state"), "c:a"])
        #expect(harness.releasedSequence(two, pair, 1) == "a")
    }

    @Test("under balanced (no slots) the renewal tick purges a vanished router's expired hold, so its count stops skewing the choice",
          .timeLimit(.minutes(1)))
    func renewalPurgesUnderBalanced() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        _ = try harness.command(server, ["ZADD", harness.key("m", "leases"), 1, "gone:42:7|a"])
        _ = try harness.command(server, ["HSET", harness.key("m", "state"), "f:a", 1])
        let selector = try #require(try harness.selector(.redis, server: server, models: [model], strategy: "balanced") as? RedisProviderSelector)
        // The stale count steers the first choice away from a: no slot is at stake, so the acquisition skips the purge.
        let lease = try #require(harness.grant(selector, model))
        #expect(lease.provider.id == "b")
        selector.release(lease, outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()
        // The model was used since the last tick: the tick purges it although this worker holds nothing there.
        selector.renew()
        harness.settle()
        #expect(try harness.inFlight(server, "m", "a") == 0)
        #expect(try harness.command(server, ["ZCARD", harness.key("m", "leases")])?.integerValue == 0)
    }

    @Test("an expired hold of a router that vanished is purged before the next choice, freeing its slot", .timeLimit(.minutes(1)))
    func expiredHoldIsPurged() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a")])
        // A hold whose deadline (1 ms after the epoch) has long passed, as a crashed machine leaves it.
        _ = try harness.command(server, ["ZADD", harness.key("m", "leases"), 1, "gone:42:7|a"])
        _ = try harness.command(server, ["HSET", harness.key("m", "state"), "f:a", 1])
        let selector = try harness.selector(.redis, server: server, models: [model], strategy: "first_available")
        let lease = try #require(harness.grant(selector, model))
        #expect(lease.provider.id == "a")
        #expect(try harness.inFlight(server, "m", "a") == 1)
        #expect(try harness.command(server, ["ZSCORE", harness.key("m", "leases"), "gone:42:7|a"]) == .null)
    }

    @Test("renewal pushes the deadline of live holds forward, one script call per model", .timeLimit(.minutes(1)))
    func renewal() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a", nworkers: 3)])
        let selector = try #require(try harness.selector(.redis, server: server, models: [model], strategy: "first_available") as? RedisProviderSelector)
        for _ in 0..<3 { _ = try #require(harness.grant(selector, model)) }
        guard case .array(let tokens)? = try harness.command(server, ["ZRANGE", harness.key("m", "leases"), 0, -1]) else {
            Issue.record("no holds")
            return
        }
        // Pull every deadline close, then renew: they move back to lease_seconds ahead.
        let time = try harness.command(server, ["TIME"])
        guard case .array(let parts)? = time, let seconds = parts.first?.text.flatMap(Int.init),
              let micros = parts.last?.text.flatMap(Int.init) else { Issue.record("no TIME"); return }
        // Two seconds ahead of Redis' clock (not of its whole second: that left as little as a millisecond).
        let soon = seconds * 1000 + micros / 1000 + 2000
        for token in tokens { _ = try harness.command(server, ["ZADD", harness.key("m", "leases"), "XX", soon, token.text ?? ""]) }
        let renewalsBefore = selector.statistics.renewals
        selector.renew()
        harness.settle()
        #expect(selector.statistics.renewals == renewalsBefore + 1)
        for token in tokens {
            let score = try harness.command(server, ["ZSCORE", harness.key("m", "leases"), token.text ?? ""])?.integerValue ?? 0
            #expect(score > Int64(soon + 20_000))
        }
    }

    @Test("a grant that arrives after its acquisition was cancelled is released at once and never reaches the waiter", .timeLimit(.minutes(1)))
    func cancelledGrantIsReleased() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a")])
        let selector = try #require(try harness.selector(.redis, server: server, models: [model], strategy: "first_available") as? RedisProviderSelector)
        let waiter = RecordingWaiter(loop: harness.loop)
        guard case .pending(let ticket) = selector.acquire(LeaseRequest(model: model, deadline: .max), waiter: waiter) else {
            Issue.record("the Redis selector answers later")
            return
        }
        selector.cancel(ticket)
        #expect(harness.runUntil { selector.statistics.lateGrantsReleased == 1 })
        harness.settle()
        #expect(!waiter.answered)
        #expect(try harness.inFlight(server, "m", "a") == 0)
        #expect(harness.grant(selector, model)?.provider.id == "a", "the slot is free again")
    }

    @Test("with Redis stopped the selector grants from local state (one warning), and uses shared state again once Redis is back",
          .timeLimit(.minutes(1)))
    func outageFallsBackAndRecovers() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try SelectorHarness()
        let model = ModelConfig(name: "m", providers: [.make("a")])
        let selector = try #require(try harness.selector(.redis, server: server, models: [model], strategy: "first_available") as? RedisProviderSelector)
        let shared = try #require(harness.grant(selector, model))
        #expect(selector.statistics.sharedGrants == 1)
        selector.release(shared, outcome: ProviderOutcome(.completed, status: 200))
        harness.settle()

        server.stop()
        // Requests keep being granted, from local state (the first one may still have been sent to Redis and failed).
        var local: [ProviderLease] = []
        for _ in 0..<2_000 where !(selector.isOnLocalState && !local.isEmpty) {
            if let lease = harness.grant(selector, model) { local.append(lease) }
            harness.pause()
        }
        #expect(selector.isOnLocalState && !local.isEmpty)
        let warnings = harness.logLines(.warning).filter { $0.contains("selecting providers on this worker's local state") }
        #expect(warnings.count == 1, "\(warnings)")
        for lease in local { selector.release(lease, outcome: ProviderOutcome(.completed, status: 200)) }
        #expect(selector.local.liveLeases == 0, "leases granted locally are released locally")
        #expect(selector.statistics.localFallbacks >= 1)

        try server.start()
        var lease: ProviderLease?
        for _ in 0..<2_000 where lease == nil {
            if let granted = harness.grant(selector, model) {
                if granted.token & (1 << 63) == 0 {
                    selector.release(granted, outcome: ProviderOutcome(.completed, status: 200))
                } else {
                    lease = granted
                }
            }
            harness.pause()
        }
        #expect(lease?.provider.id == "a")
        #expect(!selector.isOnLocalState)
        #expect(try harness.inFlight(server, "m", "a") == 1, "the grant is recorded in the restarted Redis")
    }
}
