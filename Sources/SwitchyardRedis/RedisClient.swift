import CHiredis
import SwitchyardCore
import SwitchyardIO

/// One worker's connection to Redis: hiredis' asynchronous API driven by the worker's ``EventLoop``, with
/// pipelining, per-command timeouts, Lua scripts by SHA-1 and reconnection forever. Use it on the loop's thread
/// only; keep a reference while it is in use and call ``close()`` to stop it.
///
/// **Lifecycle.** ``start()`` connects without blocking (but see *Host names* below), then sends `AUTH` (when a
/// password is configured), `SELECT` (database ≠ 0), `CLIENT SETNAME` (when named), `SCRIPT LOAD` for every
/// registered script and `PING`, pipelined; when the last of them is answered the client is *ready*
/// (``isConnected``, ``onConnected``). A connection that fails, or is not ready within
/// ``RedisConfiguration/connectTimeout``, is retried after an exponential back-off (by default 50 ms doubling to
/// 2 s, each wait drawn at random between half and all of it so that workers do not reconnect in step), forever.
/// One warning is logged per outage (the first failure), each later failed attempt at debug level, and an info
/// line when Redis is back; ``onDisconnected`` fires when a ready connection is lost, ``onConnected`` whenever one
/// becomes ready, so the coordinator can switch between shared and local state.
///
/// **Commands.** ``send(_:completion:)`` and ``evaluate(_:keys:arguments:completion:)`` complete exactly once,
/// on the loop thread: with the reply (an error reply such as `WRONGTYPE` is a reply), or with a ``RedisError``.
/// While not ready they fail with ``RedisError/notConnected`` after the current loop iteration — never from inside
/// the call, and nothing is queued. A command that gets no reply within
/// ``RedisConfiguration/commandTimeout`` fails with ``RedisError/timedOut``; as later replies would then be paired
/// with the wrong commands, the connection is dropped (every other waiting command fails too) and re-established.
/// Completions of commands failed by a lost connection also run after the current iteration, after
/// ``onDisconnected``.
///
/// **Pipelining.** hiredis appends each command to its output buffer and calls the `addWrite` hook. The hook
/// does not write: it schedules one flush at the end of the current loop iteration (``EventLoop/afterCurrentIteration(_:)``),
/// after every event, timer and deferred callback of the iteration has run, so all the commands issued by the
/// requests handled in one iteration leave in one `write(2)`, and their replies come back in one or a few reads.
/// Only when the socket buffer is full does the client wait for `EPOLLOUT`. In the steady state this costs no
/// `epoll_ctl` at all: the socket stays registered for reading and the flush writes directly.
/// ``RedisClientStatistics/flushes`` counts the writes.
///
/// **Never on this connection** (``RedisCommandPolicy``, refused with ``RedisError/forbiddenCommand(_:)``):
/// `KEYS` (it stalls Redis for every client; keep an index or use `SCAN` off the hot path), blocking commands
/// (`BLPOP`, `BRPOP`, `BLMOVE`, `BZPOPMIN`, `WAIT`, `XREAD … BLOCK`, …), which would hold every later reply of the
/// worker behind them, and commands that change the connection's mode (`SUBSCRIBE`, `MONITOR`, `SELECT`, `AUTH`,
/// `HELLO`, …). Pub/sub needs a connection of its own.
///
/// **Host names** are resolved by hiredis with a blocking `getaddrinfo(3)` at each connection attempt; give an IP
/// address, a name in `/etc/hosts`, or a Unix socket where a slow DNS server must not stall the loop.
package final class RedisClient {
    /// Receives a command's reply, or why there is none.
    package typealias Completion = (Result<RedisReply, RedisError>) -> Void

    /// Where and how to connect.
    package let configuration: RedisConfiguration
    /// Key names under the configured prefix.
    package let keys: RedisKeys
    /// Called whenever a connection becomes ready (the first one and every reconnection).
    package var onConnected: (() -> Void)?
    /// Called once when a ready connection is lost, with the reason, before the completions of the commands it
    /// carried. Not called for failed attempts while not ready, nor by ``close()``.
    package var onDisconnected: ((RedisError) -> Void)?
    /// Counters for metrics and tests.
    package internal(set) var statistics = RedisClientStatistics()
    /// Observes each reply's round-trip time in nanoseconds, from the command's hand-over to hiredis (metrics).
    package var onRoundTrip: ((UInt64) -> Void)?

    /// Whether this client carries subscriptions (see ``subscribe(_:onMessage:)``) and refuses commands.
    package var isSubscriber: Bool { !subscriptions.isEmpty }

    /// Whether a connection is ready: commands sent now go to Redis.
    package var isConnected: Bool { state == .ready }

    /// Where the connection stands.
    enum State {
        /// Not started.
        case idle
        /// Connecting and running the handshake.
        case connecting
        /// Ready for commands.
        case ready
        /// Waiting for the back-off timer before the next attempt.
        case waiting
        /// Closed by ``close()``; never reconnects.
        case closed
    }

    let loop: EventLoop
    let logger: Logger
    var state = State.idle
    /// The hiredis context of the current connection (connecting or ready).
    var context: UnsafeMutablePointer<redisAsyncContext>?
    /// The connection's fd while it is registered with the loop.
    var socket: Int32 = -1
    /// The `epoll` interest the socket is registered with.
    var interest = IOInterest.none
    var registered = false
    /// Whether a flush is scheduled for the end of this iteration.
    var flushScheduled = false
    /// Whether hiredis is writing on our behalf: an `addWrite` now means "the socket is full, wait for EPOLLOUT".
    var flushing = false
    var flushAction: () -> Void = {}
    /// Commands sent on the current connection and not yet answered.
    var pending = RedisPendingCommands()
    var timeoutTimer: TimerID?
    var reconnectTimer: TimerID?
    /// Consecutive failed attempts since the last ready connection: the back-off exponent.
    var failedAttempts = 0
    /// When the current outage began (monotonic), once it has been logged.
    var outageStart: UInt64?
    /// Why the current connection is being torn down by us (rather than by a socket error hiredis saw).
    var teardownReason: RedisError?
    /// Counts connection attempts, so late handshake replies of an old attempt are recognised.
    var generation = 0
    /// Scripts loaded on every connection, in registration order.
    var scripts: [RedisScript] = []
    /// The words of the command being built, back to back, and their lengths (reused: no allocation per command).
    var argumentBytes: [UInt8] = []
    var argumentLengths: [Int] = []
    /// The command being issued, in RESP (reused: no allocation per command).
    var formatted: [UInt8] = []
    /// Channels this client subscribes to on every ready connection, and their handlers (a subscriber client only
    /// carries subscriptions: see ``subscribe(_:onMessage:)``).
    var subscriptions: [String: ([UInt8]) -> Void] = [:]
    /// Whether the current connection has entered subscribed mode: every later reply is a push message.
    var subscribed = false

    /// A client for `configuration` on `loop`, logging to `logger`. Call ``start()`` to connect.
    package init(configuration: RedisConfiguration, loop: EventLoop, logger: Logger) {
        self.configuration = configuration
        self.keys = configuration.keys
        self.loop = loop
        self.logger = logger
        argumentBytes.reserveCapacity(1024)
        flushAction = { [weak self] in self?.flush() }
    }

    deinit {
        // Only reachable without a registered socket (the loop holds the client while one is registered).
        if let context {
            context.pointee.ev.cleanup = nil
            context.pointee.ev.data = nil
            context.pointee.data = nil
            redisAsyncFree(context)
        }
        if let timeoutTimer { loop.cancel(timeoutTimer) }
        if let reconnectTimer { loop.cancel(reconnectTimer) }
    }

    /// Starts connecting (once; later calls do nothing).
    package func start() {
        guard state == .idle else { return }
        connect()
    }

    /// Closes the connection for good: waiting commands fail with ``RedisError/connectionLost(_:)`` after this
    /// iteration, later ones with ``RedisError/notConnected``; no reconnection, no observer calls.
    package func close() {
        guard state != .closed else { return }
        state = .closed
        if let reconnectTimer { loop.cancel(reconnectTimer) }
        reconnectTimer = nil
        if let context {
            teardownReason = .connectionLost("client closed")
            redisAsyncFree(context)  // → cleanup hook → contextGone()
        }
    }

    /// Sends one command, e.g. `["HINCRBY", key, field, 1]`, and calls `completion` once with its reply.
    ///
    /// Refused commands (see the type's documentation) fail with ``RedisError/forbiddenCommand(_:)``; while not
    /// ready, the command fails with ``RedisError/notConnected``; both after the current loop iteration.
    package func send(_ arguments: [any RedisArgument], completion: @escaping Completion) {
        beginCommand()
        for argument in arguments { appendArgument(argument) }
        if let refused = RedisCommandPolicy.refusal(bytes: argumentBytes, lengths: argumentLengths) {
            failSoon(.forbiddenCommand(refused), completion)
            return
        }
        sendBuiltCommand(completion)
    }

    /// Sends the command built in the argument buffers with the command timeout, or fails it with
    /// ``RedisError/notConnected`` when not ready.
    func sendBuiltCommand(_ completion: @escaping Completion) {
        guard mayIssue(completion) else { return }
        let deadline = MonotonicClock.now() &+ MonotonicClock.nanoseconds(configuration.commandTimeout)
        if !issueBuiltCommand(deadline: deadline, completion) {
            statistics.notConnectedFailures += 1
            failSoon(.notConnected, completion)
        }
    }

    /// Whether a command may be sent now; if not, `completion` gets why after the current iteration.
    func mayIssue(_ completion: @escaping Completion) -> Bool {
        guard subscriptions.isEmpty else {
            // Replies on a subscribed connection are pushes: this command's would never be paired with it.
            failSoon(.forbiddenCommand("a command on a subscriber connection"), completion)
            return false
        }
        guard state == .ready else {
            statistics.notConnectedFailures += 1
            failSoon(.notConnected, completion)
            return false
        }
        return true
    }

    /// Calls `completion` with `error` after the current loop iteration.
    func failSoon(_ error: RedisError, _ completion: @escaping Completion) {
        loop.afterCurrentIteration { completion(.failure(error)) }
    }

    // MARK: connecting

    /// Opens a connection and pipelines the handshake; the connect timeout covers both.
    func connect() {
        reconnectTimer = nil
        guard state == .idle || state == .waiting else { return }
        state = .connecting
        generation &+= 1
        let created: UnsafeMutablePointer<redisAsyncContext>?
        switch configuration.endpoint.address {
        case .tcp(let host, let port): created = redisAsyncConnect(host, Int32(port))
        case .unix(let path): created = redisAsyncConnectUnix(path)
        }
        guard let created else {
            connectionEnded(.connectionLost("hiredis could not allocate a context"))
            return
        }
        context = created
        attachHooks(created)
        if created.pointee.err != 0 {
            // connect(2) failed at once (refused, no such socket): free, which ends in the cleanup hook.
            teardown(.connectionLost(Self.errorText(created)))
            return
        }
        _ = sy_redis_set_cloexec(created.pointee.c.fd)
        runHandshake(deadline: MonotonicClock.now() &+ MonotonicClock.nanoseconds(configuration.connectTimeout))
    }

    /// Queues `AUTH`, `SELECT`, `CLIENT SETNAME`, one `SCRIPT LOAD` per script and `PING`; hiredis sends them once
    /// the socket is connected, and the reply to the last makes the connection ready.
    private func runHandshake(deadline: UInt64) {
        let endpoint = configuration.endpoint
        var steps: [[String]] = []
        if let password = endpoint.password {
            steps.append(endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if endpoint.database != 0 { steps.append(["SELECT", String(endpoint.database)]) }
        if let name = configuration.clientName { steps.append(["CLIENT", "SETNAME", name]) }
        for script in scripts { steps.append(["SCRIPT", "LOAD", script.source]) }
        steps.append(["PING"])

        let attempt = generation
        for (index, step) in steps.enumerated() {
            let isLast = index == steps.count - 1
            // Never the arguments: AUTH carries the password.
            let label = step[0] == "SCRIPT" ? "SCRIPT LOAD" : step[0] == "CLIENT" ? "CLIENT SETNAME" : step[0]
            beginCommand()
            for word in step { appendArgument(word) }
            let issued = issueBuiltCommand(deadline: deadline) { [weak self] result in
                self?.handshakeReply(result, attempt: attempt, label: label, isLast: isLast)
            }
            if !issued {
                teardown(.connectionLost("hiredis refused the \(label) command"))
                return
            }
        }
    }

    private func handshakeReply(_ result: Result<RedisReply, RedisError>, attempt: Int, label: String, isLast: Bool) {
        // A failure means the connection is gone, and connectionEnded() deals with it.
        guard attempt == generation, state == .connecting, case .success(let reply) = result else { return }
        if let message = reply.errorMessage {
            guard label == "SCRIPT LOAD" else {
                teardown(.connectionLost("\(label) failed: \(message)"))
                return
            }
            // A script that does not compile is a bug in the script, not in the connection: evaluate() reports it.
            logger.error("Redis refused to load a script", [("redis.error", .string(message))])
        }
        if isLast { becomeReady() }
    }

    private func becomeReady() {
        state = .ready
        failedAttempts = 0
        statistics.connections += 1
        let endpoint: LogValue = .string(configuration.endpoint.description)
        if let outageStart {
            let seconds = Double(MonotonicClock.now() &- outageStart) / 1e9
            logger.info("Redis is reachable again; using shared state", [("redis.endpoint", endpoint), ("redis.outage_seconds", .double(seconds))])
        } else {
            logger.info("connected to Redis", [("redis.endpoint", endpoint)])
        }
        outageStart = nil
        subscribeAll()
        onConnected?()
    }

    // MARK: failing and reconnecting

    /// Drops the current connection because of `reason`: frees the hiredis context now, or (inside a hiredis
    /// callback) as soon as the callback returns; either way the cleanup hook ends in ``connectionEnded(_:)``.
    func teardown(_ reason: RedisError) {
        guard let context else { return }
        if teardownReason == nil { teardownReason = reason }
        redisAsyncFree(context)
    }

    /// The connection (or attempt) is gone and its context freed: fail what it carried, log once per outage,
    /// tell the observer, and schedule the next attempt.
    func connectionEnded(_ reason: RedisError) {
        let wasReady = state == .ready
        subscribed = false
        if let timeoutTimer { loop.cancel(timeoutTimer) }
        timeoutTimer = nil
        let failed = pending.removeAll()
        let failure: RedisError = reason == .timedOut ? .timedOut : reason
        if state == .closed {
            if !failed.isEmpty { loop.afterCurrentIteration { for completion in failed { completion(.failure(failure)) } } }
            return
        }
        state = .waiting
        statistics.connectionFailures += 1
        let fields: [(String, LogValue)] = [
            ("redis.endpoint", .string(configuration.endpoint.description)), ("redis.error", .string(reason.description)),
        ]
        if outageStart == nil {
            outageStart = MonotonicClock.now()
            logger.warning(wasReady ? "Redis connection lost; using local state until it is back" : "Redis is unreachable; using local state until it is back", fields)
        } else {
            logger.debug("Redis connection attempt failed", fields + [("redis.attempt", .int(failedAttempts + 1))])
        }
        scheduleReconnect()
        guard wasReady || !failed.isEmpty else { return }
        loop.afterCurrentIteration { [weak self] in
            if wasReady { self?.onDisconnected?(reason) }
            for completion in failed { completion(.failure(failure)) }
        }
    }

    /// Arms the back-off timer: base × 2^failures, capped, with "equal jitter" (a random wait between half and
    /// all of it), so the workers of a cluster spread their reconnects after Redis comes back.
    private func scheduleReconnect() {
        let base = MonotonicClock.nanoseconds(configuration.reconnectBaseDelay)
        let cap = MonotonicClock.nanoseconds(configuration.reconnectMaxDelay)
        let exponent = UInt64(min(failedAttempts, 32))
        let (scaled, overflow) = base.multipliedReportingOverflow(by: 1 << exponent)
        let delay = max(1_000_000, overflow ? cap : min(scaled, cap))
        failedAttempts += 1
        let wait = delay / 2 + UInt64.random(in: 0...(delay / 2))
        reconnectTimer = loop.schedule(afterNanoseconds: wait) { [weak self] in self?.connect() }
    }

    // MARK: timeouts

    /// Arms the timeout timer for the oldest waiting command, unless one is armed. The timer is not moved when a
    /// reply arrives: when it fires it re-arms for whatever command is oldest by then, so a busy connection
    /// schedules about one timer per timeout period instead of one per command.
    func armTimeoutTimer() {
        guard timeoutTimer == nil, let deadline = pending.firstDeadline else { return }
        let now = MonotonicClock.now()
        timeoutTimer = loop.schedule(afterNanoseconds: deadline > now ? deadline - now : 0) { [weak self] in
            self?.timeoutTimerFired()
        }
    }

    private func timeoutTimerFired() {
        timeoutTimer = nil
        guard let deadline = pending.firstDeadline else { return }
        if deadline <= MonotonicClock.now() {
            statistics.timeouts += 1
            teardown(.timedOut)
        } else {
            armTimeoutTimer()
        }
    }
}
