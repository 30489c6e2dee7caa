import SwitchyardCore
import SwitchyardTestSupport
import Testing
@testable import SwitchyardCoordination
@testable import SwitchyardRouting

/// The same sequences asserted against the in-memory selector and the Redis one (one worker each): the shared
/// selector must behave as the local one does, only cluster-wide.
@Suite("Selector behaviour shared by the local and the Redis selector", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct SharedSelectorBehaviourTests {
    private func setUp(_ kind: SelectorKind, _ models: [ModelConfig], strategy: String) throws -> (SelectorHarness, ProviderSelector, RedisServer?) {
        let server = kind == .redis ? try RedisServer() : nil
        let harness = try SelectorHarness()
        let selector = try harness.selector(kind, server: server, models: models, strategy: strategy)
        return (harness, selector, server)
    }

    @Test("balanced takes the provider with the fewest in flight, ties by fewest selections; a repeated release counts once",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func balanced(kind: SelectorKind) throws {
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b")])
        let (harness, selector, server) = try setUp(kind, [model], strategy: "balanced")
        defer { server?.stop() }
        let first = try #require(harness.grant(selector, model))
        #expect(first.provider.id == "a")
        #expect(harness.sequence(selector, model, 2) == "ba")
        selector.release(first, outcome: ProviderOutcome(.completed, status: 200))
        selector.release(first, outcome: ProviderOutcome(.completed, status: 200))
        // In flight a 1, b 1; selections a 2, b 1: b. Counted twice, a would have had none in flight and won.
        #expect(harness.grant(selector, model)?.provider.id == "b")
    }

    @Test("least_connection is the same rule as balanced", .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func leastConnection(kind: SelectorKind) throws {
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b"), .make("c")])
        let (harness, selector, server) = try setUp(kind, [model], strategy: "least_connection")
        defer { server?.stop() }
        #expect(harness.sequence(selector, model, 4) == "abca")
        #expect(harness.releasedSequence(selector, model, 3) == "bcb")
    }

    @Test("round_robin cycles in configuration order and skips excluded providers", .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func roundRobin(kind: SelectorKind) throws {
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b"), .make("c")])
        let (harness, selector, server) = try setUp(kind, [model], strategy: "round_robin")
        defer { server?.stop() }
        #expect(harness.releasedSequence(selector, model, 4) == "abca")
        #expect(harness.grant(selector, model, excluding: ["b"])?.provider.id == "c")
        #expect(harness.releasedSequence(selector, model, 2) == "ab")
    }

    @Test("first_available fills each provider's nworkers slots in order, then the fallback chain, then nothing; a release frees one slot once",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func firstAvailable(kind: SelectorKind) throws {
        let model = ModelConfig(name: "m", providers: [.make("a", nworkers: 2), .make("b")], fallbackModel: "backup")
        let backup = ModelConfig(name: "backup", providers: [.make("z")])
        let (harness, selector, server) = try setUp(kind, [model, backup], strategy: "first_available")
        defer { server?.stop() }
        let leases = (0..<4).compactMap { _ in harness.grant(selector, model) }
        #expect(leases.map(\.provider.id) == ["a", "a", "b", "z"])
        #expect(leases.map(\.chainPosition) == [0, 0, 0, 1])
        #expect(leases.last?.model.name == "backup")
        #expect(harness.grant(selector, model) == nil)
        selector.release(leases[2], outcome: ProviderOutcome(.completed, status: 200))
        selector.release(leases[2], outcome: ProviderOutcome(.completed, status: 200))
        #expect(harness.grant(selector, model)?.provider.id == "b")
        #expect(harness.grant(selector, model) == nil, "the repeated release did not leave a spare slot")
    }

    @Test("weighted 3:1 gives a a b a over every four picks, exactly", .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func weighted(kind: SelectorKind) throws {
        let model = ModelConfig(name: "m", providers: [.make("a", weight: 3), .make("b", weight: 1)])
        let (harness, selector, server) = try setUp(kind, [model], strategy: "weighted")
        defer { server?.stop() }
        #expect(harness.releasedSequence(selector, model, 8) == "aabaaaba")
    }

    @Test("a model's own strategy wins over the default one; an excluded-only model is exhausted at once",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func perModelStrategy(kind: SelectorKind) throws {
        let model = ModelConfig(name: "m", providers: [.make("a"), .make("b")], strategy: "first_available")
        let (harness, selector, server) = try setUp(kind, [model], strategy: "round_robin")
        defer { server?.stop() }
        #expect(harness.releasedSequence(selector, model, 3) == "aaa")
        #expect(harness.grant(selector, model, excluding: ["a", "b"]) == nil)
    }

    @Test("local-choice strategies (random, dynamic_weighted) still grant and release through either selector",
          .timeLimit(.minutes(1)), arguments: SelectorKind.allCases)
    func localChoice(kind: SelectorKind) throws {
        let model = ModelConfig(name: "m", providers: [.make("a")])
        for strategy in ["random", "dynamic_weighted", "real_time_metrics"] {
            let (harness, selector, server) = try setUp(kind, [model], strategy: strategy)
            defer { server?.stop() }
            let lease = try #require(harness.grant(selector, model))
            #expect(lease.provider.id == "a")
            if let server {
                harness.settle()
                #expect(try harness.inFlight(server, "m", "a") == 1, "the hold is recorded in Redis")
            }
            selector.release(lease, outcome: ProviderOutcome(.completed, status: 200))
            selector.release(lease, outcome: ProviderOutcome(.completed, status: 200))
            if let server {
                harness.settle()
                #expect(try harness.inFlight(server, "m", "a") == 0)
            }
        }
    }
}
