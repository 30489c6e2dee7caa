import CHiredis
import Glibc
import SwitchyardTestSupport
import Testing

/// The hiredis module links and speaks (synchronously) to the real `redis-server` that the test command starts on
/// a loopback port (`SWITCHYARD_TEST_REDIS_PORT`), or, without that variable (plain `swift test`), to a private
/// one; skipped, never faked, when neither is available.
@Suite("hiredis against the test redis-server")
struct HiredisLinkTests {
    static var sharedPort: Int32? {
        guard let text = getenv("SWITCHYARD_TEST_REDIS_PORT") else { return nil }
        return Int32(String(cString: text))
    }

    /// Runs one command given as words through `redisCommandArgv` (hiredis' non-variadic entry point).
    static func command(_ context: UnsafeMutablePointer<redisContext>, _ words: [String]) -> UnsafeMutablePointer<redisReply>? {
        let cStrings = words.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var lengths = words.map { $0.utf8.count }
        let argv = cStrings.map { UnsafePointer<CChar>($0) }
        let raw = argv.withUnsafeBufferPointer { pointers in
            lengths.withUnsafeMutableBufferPointer { sizes in
                redisCommandArgv(context, Int32(words.count), UnsafeMutablePointer(mutating: pointers.baseAddress), sizes.baseAddress)
            }
        }
        return raw?.assumingMemoryBound(to: redisReply.self)
    }

    @Test("PING answers PONG and a key round-trips with its expiry", .timeLimit(.minutes(1)),
          .enabled(if: sharedPort != nil || RedisServer.isInstalled, "no SWITCHYARD_TEST_REDIS_PORT and no redis-server"))
    func pingAndRoundTrip() throws {
        let privateServer = Self.sharedPort == nil ? try RedisServer() : nil
        defer { privateServer?.stop() }
        let port = try #require(Self.sharedPort ?? privateServer.map { Int32($0.port) })
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        let context = try #require(redisConnectWithTimeout("127.0.0.1", port, timeout))
        defer { redisFree(context) }
        let message = withUnsafeBytes(of: context.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(context.pointee.err == 0, "connect: \(message)")
        timeout = timeval(tv_sec: 2, tv_usec: 0)
        redisSetTimeout(context, timeout)

        let pong = try #require(Self.command(context, ["PING"]))
        defer { freeReplyObject(pong) }
        #expect(String(cString: pong.pointee.str) == "PONG")

        let key = "switchyard:test:\(getpid())"
        let set = try #require(Self.command(context, ["SET", key, "value", "PX", "5000"]))
        freeReplyObject(set)
        let get = try #require(Self.command(context, ["GET", key]))
        defer { freeReplyObject(get) }
        #expect(String(cString: get.pointee.str) == "value")
        let ttl = try #require(Self.command(context, ["PTTL", key]))
        defer { freeReplyObject(ttl) }
        #expect(ttl.pointee.integer > 0 && ttl.pointee.integer <= 5000)
        freeReplyObject(Self.command(context, ["DEL", key]))
    }
}
