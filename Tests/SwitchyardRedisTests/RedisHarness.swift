import Foundation
import SwitchyardCore
import SwitchyardIO
@testable import SwitchyardRedis

/// One test's event loop, a logger writing to a temporary file, and a client on that loop.
///
/// Tests drive everything from loop callbacks and stop the loop when done; ``run(safetyNetSeconds:)`` only
/// keeps a broken test from hanging (its result says whether the safety net had to stop the loop).
final class RedisHarness {
    let loop: EventLoop
    let logger: Logger
    let client: RedisClient
    private let logPath: String

    /// A harness whose client uses `configuration` (not started yet).
    init(_ configuration: RedisConfiguration) throws {
        loop = try EventLoop()
        logPath = NSTemporaryDirectory() + "switchyard-redis-test-\(UUID().uuidString).log"
        logger = Logger(level: .debug, format: .plain, fileName: logPath, toStandardError: false)
        client = RedisClient(configuration: configuration, loop: loop, logger: logger)
    }

    /// A harness for `url` with fast reconnects and the given timeouts.
    convenience init(url: String, commandTimeout: Double = 5, connectTimeout: Double = 5) throws {
        var configuration = try RedisConfiguration(url: url)
        configuration.commandTimeout = commandTimeout
        configuration.connectTimeout = connectTimeout
        configuration.reconnectBaseDelay = 0.01
        configuration.reconnectMaxDelay = 0.1
        try self.init(configuration)
    }

    deinit { try? FileManager.default.removeItem(atPath: logPath) }

    /// Runs the loop until a callback stops it; false when the safety net had to.
    func run(safetyNetSeconds seconds: Double = 30) -> Bool {
        var timedOut = false
        let net = loop.schedule(afterNanoseconds: MonotonicClock.nanoseconds(seconds)) { [loop] in
            timedOut = true
            loop.stop()
        }
        loop.run()
        loop.cancel(net)
        return !timedOut
    }

    /// Stops the loop after the current iteration.
    func stop() { loop.stop() }

    /// Checks `condition` every few milliseconds on the loop and runs `body` once it holds.
    func when(_ condition: @escaping () -> Bool, _ body: @escaping () -> Void) {
        if condition() {
            body()
            return
        }
        loop.schedule(afterNanoseconds: 5_000_000) { [weak self] in self?.when(condition, body) }
    }

    /// Closes the client and forgets the test's observers (they capture the test's state).
    func finish() {
        client.onConnected = nil
        client.onDisconnected = nil
        client.close()
    }

    /// Everything logged so far.
    var logText: String {
        logger.flush()
        return (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The logged lines of `level` (plain format: `<time> WARNING message key=value…`).
    func logLines(_ level: LogLevel) -> [String] {
        let marker = " \(level.rawValue.uppercased()) "
        return logText.split(separator: "\n").map(String.init).filter { $0.contains(marker) }
    }
}

extension RedisReply {
    /// A bulk string reply of `text`'s UTF-8 bytes.
    static func bulk(_ text: String) -> RedisReply { .string(Array(text.utf8)) }
}
