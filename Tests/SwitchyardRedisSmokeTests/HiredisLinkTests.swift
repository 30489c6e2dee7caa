import CHiredis
import Glibc
import Testing

/// The hiredis module links and speaks to the real `redis-server` that the test command starts on a loopback
/// port (`SWITCHYARD_TEST_REDIS_PORT`), the groundwork for the shared-state coordinator. Without that variable
/// (plain `swift test`), the test is skipped, never faked.
@Suite("hiredis against the test redis-server")
struct HiredisLinkTests {
    static var port: Int32? {
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

    @Test("PING answers PONG and a key round-trips with its expiry", .enabled(if: port != nil, "SWITCHYARD_TEST_REDIS_PORT is not set (run scripts/test.sh)"))
    func pingAndRoundTrip() throws {
        let port = try #require(Self.port)
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
