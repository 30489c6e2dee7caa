import SwitchyardCore
import SwitchyardTestSupport
import Testing
@testable import SwitchyardRedis

/// The shape of a selection script: count, record, expire, answer — all keys of one model.
let countingScript = RedisScript("""
    local n = redis.call('INCR', KEYS[1])
    redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
    redis.call('EXPIRE', KEYS[1], 60)
    return n
    """)

@Suite("Redis scripts against a real redis-server", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct RedisClientScriptsTests {
    @Test("EVALSHA loads a script Redis does not have (NOSCRIPT) and retries once, also after SCRIPT FLUSH", .timeLimit(.minutes(1)))
    func noScriptFallback() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let client = harness.client
        let keys = client.keys
        let scriptKeys = [keys.model("m", "inflight"), keys.model("m", "selections")]
        var results: [Result<RedisReply, RedisError>] = []
        var reloads: [Int] = []
        var selections: Result<RedisReply, RedisError>?
        client.onConnected = {
            // Never loaded on this connection: NOSCRIPT, load, retry.
            client.evaluate(countingScript, keys: scriptKeys, arguments: ["provider-a"]) { result in
                results.append(result)
                reloads.append(client.statistics.scriptReloads)
                // Known to Redis now: no reload.
                client.evaluate(countingScript, keys: scriptKeys, arguments: ["provider-a"]) { result in
                    results.append(result)
                    reloads.append(client.statistics.scriptReloads)
                    client.send(["SCRIPT", "FLUSH"]) { _ in
                        client.evaluate(countingScript, keys: scriptKeys, arguments: ["provider-b"]) { result in
                            results.append(result)
                            reloads.append(client.statistics.scriptReloads)
                            client.send(["HGETALL", keys.model("m", "selections")]) {
                                selections = $0
                                harness.stop()
                            }
                        }
                    }
                }
            }
        }
        client.start()

        #expect(harness.run())
        #expect(results == [.success(.integer(1)), .success(.integer(2)), .success(.integer(3))])
        #expect(reloads == [1, 1, 2])
        #expect(selections == .success(.array([.bulk("provider-a"), .bulk("2"), .bulk("provider-b"), .bulk("1")])))
    }

    @Test("a prepared call (keys encoded once) gives the same answers with binary and numeric arguments, and reloads after SCRIPT FLUSH",
          .timeLimit(.minutes(1)))
    func preparedCall() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let client = harness.client
        let keys = client.keys
        let call = client.prepare(countingScript, keys: [keys.model("m", "inflight"), keys.model("m", "selections")])
        var results: [Result<RedisReply, RedisError>] = []
        var selections: Result<RedisReply, RedisError>?
        let odd: [UInt8] = [0, 0x0D, 0x0A, 0x24, 255]
        client.onConnected = {
            client.evaluate(call, arguments: [odd]) { result in
                results.append(result)
                client.send(["SCRIPT", "FLUSH"]) { _ in
                    client.evaluate(call, arguments: [1234567]) { result in
                        results.append(result)
                        client.send(["HGETALL", keys.model("m", "selections")]) {
                            selections = $0
                            harness.stop()
                        }
                    }
                }
            }
        }
        client.start()
        #expect(harness.run())
        #expect(results == [.success(.integer(1)), .success(.integer(2))])
        #expect(client.statistics.scriptReloads == 1)
        #expect(selections == .success(.array([.string(odd), .bulk("1"), .bulk("1234567"), .bulk("1")])))
    }

    @Test("a registered script is loaded on connect, so its first EVALSHA needs no reload", .timeLimit(.minutes(1)))
    func registeredScriptIsPreloaded() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let client = harness.client
        client.register(countingScript)
        var result: Result<RedisReply, RedisError>?
        client.onConnected = {
            client.evaluate(countingScript, keys: [client.keys.model("m", "a"), client.keys.model("m", "b")], arguments: ["p"]) {
                result = $0
                harness.stop()
            }
        }
        client.start()

        #expect(harness.run())
        #expect(result == .success(.integer(1)))
        #expect(client.statistics.scriptReloads == 0)
    }

    @Test("a script that does not compile answers with the load error, once", .timeLimit(.minutes(1)))
    func brokenScript() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let client = harness.client
        let broken = RedisScript("return redis.call('GET', KEYS[1]")
        var result: Result<RedisReply, RedisError>?
        client.onConnected = {
            client.evaluate(broken, keys: ["k"], arguments: []) {
                result = $0
                harness.stop()
            }
        }
        client.start()

        #expect(harness.run())
        let message = try #require(try result?.get().errorMessage)
        #expect(message.hasPrefix("ERR"), "\(message)")
        #expect(!message.hasPrefix("NOSCRIPT"))
        #expect(client.statistics.scriptReloads == 1)
    }

    @Test("while not connected, evaluate fails with notConnected after the call returns")
    func evaluateWhileDisconnected() throws {
        let harness = try RedisHarness(url: "redis://127.0.0.1:1")
        defer { harness.finish() }
        var result: Result<RedisReply, RedisError>?
        var returned = false
        harness.client.evaluate(countingScript, keys: ["a", "b"], arguments: ["p"]) {
            #expect(returned)
            result = $0
            harness.stop()
        }
        returned = true

        #expect(harness.run())
        #expect(result == .failure(.notConnected))
    }
}
