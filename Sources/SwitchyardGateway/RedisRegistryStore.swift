import SwitchyardCore
import SwitchyardIO
import SwitchyardRedis

/// The model registry in Redis, shared by every worker of every router using that Redis.
///
/// Keys (one hash slot, so the scripts run on a Redis Cluster): `<prefix>{registry}:version` (the version of the
/// latest change) and `<prefix>{registry}:models` (a hash: model name → `{"version":N,"model":{…}|null}`). A change
/// is one Lua script: compare the version with the writer's base, write the entry and the new version, and
/// `PUBLISH` the version on `<prefix>registry` — all or nothing, so no half-written change is ever visible.
/// Readers take the version and every entry in one script (a consistent snapshot).
///
/// How workers hear of changes: a subscriber connection per worker receives the published versions (a change
/// reaches every worker within a round trip); because pub/sub is at most once, each worker also compares the
/// version every ``pollInterval`` seconds and after its subscriber reconnects, so one that missed a message (its
/// connection was down) catches up within a few seconds of Redis being reachable.
final class RedisRegistryStore: RegistryStore {
    var onSnapshot: ((RegistrySnapshot) -> Void)?
    let kind = "redis"
    /// Seconds between version checks.
    static let pollInterval = 2.0
    /// How long a starting worker waits for the registry before it serves its file models alone.
    static let startWait = 3.0

    private let client: RedisClient
    private let subscriber: RedisClient
    private let loop: EventLoop
    private let logger: Logger
    private let versionKey: String
    private let modelsKey: String
    private let channel: String
    /// The newest version delivered.
    private var known = -1
    private var fetching = false
    /// A fetch was asked for while one was under way (it may have read the registry before the latest change).
    private var fetchAgain = false
    /// Called when the fetch under way ends.
    private var fetchWaiters: [() -> Void] = []
    /// Called when the next fetch ends (they asked while one was under way, which may have read too early).
    private var nextFetchWaiters: [() -> Void] = []
    private var ready: (() -> Void)?

    /// Commit: KEYS version, models; ARGV base, name, model JSON or `null`, channel. Returns `{1, version}` when
    /// written, `{0, current}` when the base is stale.
    static let commitScript = RedisScript("""
        local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
        if current ~= tonumber(ARGV[1]) then return {0, current} end
        local version = current + 1
        redis.call('SET', KEYS[1], version)
        redis.call('HSET', KEYS[2], ARGV[2], '{"version":' .. version .. ',"model":' .. ARGV[3] .. '}')
        redis.call('PUBLISH', ARGV[4], version)
        return {1, version}
        """)

    /// Snapshot: KEYS version, models. Returns `{version, {name, value, …}}`.
    static let readScript = RedisScript("""
        return {redis.call('GET', KEYS[1]) or '0', redis.call('HGETALL', KEYS[2])}
        """)

    /// A store on `client` (the worker's command connection); opens a subscriber connection of its own.
    init(client: RedisClient, loop: EventLoop, logger: Logger, clientName: String?) {
        self.client = client
        self.loop = loop
        self.logger = logger
        let keys = client.keys
        versionKey = keys.global("{registry}:version")
        modelsKey = keys.global("{registry}:models")
        channel = keys.global("registry")
        var configuration = client.configuration
        configuration.clientName = clientName.map { $0 + "-sub" }
        subscriber = RedisClient(configuration: configuration, loop: loop, logger: logger)
        client.register(Self.commitScript)
        client.register(Self.readScript)
    }

    func start(ready: @escaping () -> Void) {
        self.ready = ready
        subscriber.subscribe(channel) { [weak self] payload in
            guard let self, let version = Int(String(decoding: payload, as: UTF8.self)), version > self.known else { return }
            self.fetch()
        }
        // A reconnected subscriber may have missed messages while it was down.
        subscriber.onConnected = { [weak self] in self?.fetch() }
        subscriber.start()
        let previous = client.onConnected
        client.onConnected = { [weak self] in
            previous?()
            self?.fetch()
        }
        if client.isConnected { fetch() }
        loop.scheduleRepeating(everyNanoseconds: MonotonicClock.nanoseconds(Self.pollInterval)) { [weak self] in self?.poll() }
        loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(Self.startWait)) { [weak self] in
            guard let self, let ready = self.ready else { return }
            self.ready = nil
            self.logger.warning("model registry not read from Redis yet; serving the file models until it is", [])
            ready()
        }
    }

    func commit(name: String, definition: [UInt8]?, base: Int, completion: @escaping (RegistryCommit) -> Void) {
        let model = definition ?? Array("null".utf8)
        client.evaluate(Self.commitScript, keys: [versionKey, modelsKey], arguments: [base, name, model, channel]) { result in
            switch result {
            case .failure(let error):
                completion(.unavailable(error.description))
            case .success(let reply):
                guard case .array(let parts) = reply, parts.count == 2, let flag = parts[0].integerValue, let version = parts[1].integerValue else {
                    return completion(.unavailable("unexpected reply from Redis: \(reply.errorMessage ?? "not a result")"))
                }
                completion(flag == 1 ? .committed(RegistryEntry(name: name, version: Int(version), definition: definition)) : .stale)
            }
        }
    }

    func refresh(done: @escaping () -> Void) {
        nextFetchWaiters.append(done)
        fetch()
    }

    /// Compares the version with the one applied; fetches the registry when it moved.
    private func poll() {
        guard client.isConnected, !fetching else { return }
        client.send(["GET", versionKey]) { [weak self] result in
            guard let self, case .success(let reply) = result else { return }
            let version = reply.integerValue.map(Int.init) ?? 0
            if version != self.known { self.fetch() }
        }
    }

    /// Reads the whole registry in one script and delivers it.
    private func fetch() {
        guard !fetching else {
            fetchAgain = true
            return
        }
        fetching = true
        fetchAgain = false
        fetchWaiters += nextFetchWaiters
        nextFetchWaiters = []
        client.evaluate(Self.readScript, keys: [versionKey, modelsKey], arguments: []) { [weak self] result in
            guard let self else { return }
            self.fetching = false
            let waiters = self.fetchWaiters
            self.fetchWaiters = []
            defer {
                // Not connected: the next fetch fails at once, which still answers its waiters.
                if self.fetchAgain { self.fetch() }
                waiters.forEach { $0() }
            }
            switch result {
            case .failure(let error):
                self.logger.debug("model registry read failed", [("redis.error", .string(error.description))])
                return
            case .success(let reply):
                guard let snapshot = Self.snapshot(from: reply) else {
                    self.logger.warning("model registry in Redis does not read; keeping the applied one", [("redis.error", .string(reply.errorMessage ?? "unexpected reply"))])
                    return
                }
                self.known = snapshot.version
                self.onSnapshot?(snapshot)
                if let ready = self.ready {
                    self.ready = nil
                    ready()
                }
            }
        }
    }

    /// The snapshot in a reply of ``readScript``; entries that do not read are logged and skipped.
    private static func snapshot(from reply: RedisReply) -> RegistrySnapshot? {
        guard case .array(let parts) = reply, parts.count == 2, let version = parts[0].integerValue, case .array(let fields) = parts[1] else { return nil }
        var entries: [RegistryEntry] = []
        var index = 0
        while index + 1 < fields.count {
            if case .string(let name) = fields[index], case .string(let value) = fields[index + 1],
               let entry = RegistryEntry(name: String(decoding: name, as: UTF8.self), storedValue: value) {
                entries.append(entry)
            }
            index += 2
        }
        return RegistrySnapshot(version: Int(version), entries: entries)
    }
}
