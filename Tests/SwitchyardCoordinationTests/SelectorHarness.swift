import Foundation
import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis
import SwitchyardTestSupport
import Testing
@testable import SwitchyardCoordination
@testable import SwitchyardRouting

/// Which selector a shared behaviour test runs against.
enum SelectorKind: String, CaseIterable, CustomTestStringConvertible {
    case local, redis
    var testDescription: String { rawValue }
}

/// Records the later answer of a pending acquisition and stops the loop.
final class RecordingWaiter: LeaseWaiter {
    let loop: EventLoop
    var granted: ProviderLease?
    var answered = false
    init(loop: EventLoop) { self.loop = loop }
    func leaseGranted(_ lease: ProviderLease) { granted = lease; answered = true }
    func leaseDenied(_ error: RouterError?) { answered = true }
}

/// One test's event loop, Redis clients and selectors: drives pending acquisitions to their answers by running the
/// loop, always under a safety net so that no test can hang.
final class SelectorHarness {
    let loop: EventLoop
    let logger: Logger
    private let logPath: String
    private var clients: [RedisClient] = []
    private var selectors: [RedisProviderSelector] = []
    private var inspector: RedisClient?

    init() throws {
        loop = try EventLoop()
        logPath = NSTemporaryDirectory() + "switchyard-coordination-test-\(UUID().uuidString).log"
        logger = Logger(level: .debug, format: .plain, fileName: logPath, toStandardError: false)
    }

    deinit {
        for selector in selectors { selector.close() }
        for client in clients { client.close() }
        inspector?.close()
        try? FileManager.default.removeItem(atPath: logPath)
    }

    static func context(strategy: String, pid: Int32 = 1) -> SelectorContext {
        SelectorContext(now: { MonotonicClock.now() }, workerID: 1, pid: pid, defaultStrategy: strategy, isSupported: { $0.apiType != .anthropic })
    }

    /// A context whose requests may wait `queueTimeout` seconds in a queue, on this harness's loop.
    func context(strategy: String, pid: Int32 = 1, queueTimeout: Double, queueLimit: Int = 1000) -> SelectorContext {
        var context = Self.context(strategy: strategy, pid: pid)
        context.queueTimeout = MonotonicClock.nanoseconds(queueTimeout)
        context.queueLimit = queueLimit
        let loop = self.loop
        context.timers = SelectorTimers(
            schedule: { nanoseconds, body in
                let timer = loop.schedule(afterNanoseconds: nanoseconds, body)
                return { loop.cancel(timer) }
            },
            soon: { loop.afterCurrentIteration($0) })
        return context
    }

    /// A selector of `kind` over `models`; for `.redis`, on a new client of `server`, connected.
    func selector(_ kind: SelectorKind, server: RedisServer?, models: [ModelConfig], strategy: String, instance: String = "test", leaseSeconds: Double = 30,
                  queueTimeout: Double = 0, queueLimit: Int = 1000, pid: Int32 = 1, serverLoads: ServerLoadBoard? = nil) throws -> ProviderSelector {
        let config = ModelsConfig(format: .llmRouter, models: models)
        var context = queueTimeout > 0 ? context(strategy: strategy, pid: pid, queueTimeout: queueTimeout, queueLimit: queueLimit) : Self.context(strategy: strategy, pid: pid)
        if let serverLoads { context.serverLoads = serverLoads }
        switch kind {
        case .local:
            return LocalProviderSelector(context: context, config: config)
        case .redis:
            let server = try #require(server)
            let client = try makeClient(server)
            let subscriber = queueTimeout > 0 ? try makeClient(server) : nil
            let selector = RedisProviderSelector(context: context, config: config, client: client, loop: loop,
                                                 logger: logger, leaseSeconds: leaseSeconds, instanceID: instance, subscriber: subscriber)
            selectors.append(selector)
            return selector
        }
    }

    /// A started client of `server` with fast reconnects; waits until it is connected.
    func makeClient(_ server: RedisServer) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: server.url())
        configuration.reconnectBaseDelay = 0.01
        configuration.reconnectMaxDelay = 0.1
        let client = RedisClient(configuration: configuration, loop: loop, logger: logger)
        clients.append(client)
        client.start()
        #expect(runUntil { client.isConnected })
        return client
    }

    /// Runs the loop until `condition` holds (checked every few milliseconds); false when the safety net fired.
    @discardableResult
    func runUntil(seconds: Double = 20, _ condition: @escaping () -> Bool) -> Bool {
        if condition() { return true }
        var finished = false
        func check() {
            guard !finished else { return }
            if condition() {
                loop.stop()
            } else {
                loop.schedule(afterNanoseconds: 2_000_000) { check() }
            }
        }
        loop.schedule(afterNanoseconds: 2_000_000) { check() }
        let net = loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(seconds)) { [loop] in loop.stop() }
        loop.run()
        finished = true
        loop.cancel(net)
        return condition()
    }

    /// Runs the loop for a few milliseconds (reconnects and replies progress meanwhile); for polling loops in tests.
    func pause() {
        runUntil(seconds: 0.005) { false }
    }

    /// The answer of one acquisition, waiting for it when pending; nil when nothing was granted.
    func grant(_ selector: ProviderSelector, _ model: ModelConfig, excluding: Set<String> = []) -> ProviderLease? {
        let waiter = RecordingWaiter(loop: loop)
        switch selector.acquire(LeaseRequest(model: model, excluded: excluding, deadline: .max), waiter: waiter) {
        case .granted(let lease): return lease
        case .exhausted, .refused: return nil
        case .pending:
            #expect(runUntil { waiter.answered })
            return waiter.granted
        }
    }

    /// The ids of `count` grants without releases ("-" where none), e.g. "abab".
    func sequence(_ selector: ProviderSelector, _ model: ModelConfig, _ count: Int) -> String {
        (0..<count).map { _ in grant(selector, model)?.provider.id ?? "-" }.joined()
    }

    /// The ids of `count` grants, each released before the next.
    func releasedSequence(_ selector: ProviderSelector, _ model: ModelConfig, _ count: Int) -> String {
        (0..<count).map { _ -> String in
            guard let lease = grant(selector, model) else { return "-" }
            selector.release(lease, outcome: ProviderOutcome(.completed, status: 200))
            return lease.provider.id
        }.joined()
    }

    /// Sends one raw command to `server` and waits for its reply.
    func command(_ server: RedisServer, _ arguments: [any RedisArgument]) throws -> RedisReply? {
        if inspector == nil { inspector = try makeClient(server) }
        let client = try #require(inspector)
        #expect(runUntil { client.isConnected })
        var reply: RedisReply?
        var done = false
        client.send(arguments) { result in
            reply = try? result.get()
            done = true
        }
        #expect(runUntil { done })
        return reply
    }

    /// Lets every command sent so far (releases are fire and forget) reach Redis: a PING on each client.
    func settle() {
        // Releases leave at the end of a loop iteration: let one pass first.
        pause()
        for client in clients where client.isConnected && !client.isSubscriber {
            var done = false
            client.send(["PING"]) { _ in done = true }
            #expect(runUntil { done })
        }
    }

    /// `<prefix>{<model>}:<suffix>`.
    func key(_ model: String, _ suffix: String) -> String {
        RedisKeys().model(model, suffix)
    }

    /// The keys of `model`'s scripts, in `KEYS` order (state, leases, waitq, waiters).
    func scriptKeys(_ model: String) -> [String] {
        CoordinationScripts.keySuffixes.map { key(model, $0) }
    }

    /// The in-flight count of `provider` of `model` in Redis.
    func inFlight(_ server: RedisServer, _ model: String, _ provider: String) throws -> Int64 {
        try command(server, ["HGET", key(model, "state"), "f:" + provider])?.text.flatMap { Int64($0) } ?? 0
    }

    /// The logged lines of `level`.
    func logLines(_ level: LogLevel) -> [String] {
        logger.flush()
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let marker = " \(level.rawValue.uppercased()) "
        return text.split(separator: "\n").map(String.init).filter { $0.contains(marker) }
    }
}

extension ProviderConfig {
    /// A vLLM provider called `id`.
    static func make(_ id: String, weight: Double = 1, nworkers: Int = 1) -> ProviderConfig {
        ProviderConfig(id: id, apiHost: "http://\(id):8000", apiType: .vllm, modelPath: id, weight: weight, nworkers: nworkers)
    }
}
