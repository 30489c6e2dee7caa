import SwitchyardCore
import SwitchyardIO
import SwitchyardTestSupport
import Testing
@testable import SwitchyardRedis

/// The value of `name` in an `INFO` reply (`name:value` lines).
func infoField(_ reply: Result<RedisReply, RedisError>, _ name: String) -> Int? {
    guard case .success(let value) = reply, let text = value.text else { return nil }
    for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(name + ":") {
        return Int(line.dropFirst(name.count + 1))
    }
    return nil
}

@Suite("Redis client against a real redis-server", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct RedisClientTests {
    @Test("a client connects, answers PING and round-trips a key", .timeLimit(.minutes(1)))
    func pingAndRoundTrip() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        var results: [Result<RedisReply, RedisError>] = []
        var connections = 0
        harness.client.onConnected = {
            connections += 1
            harness.client.send(["PING"]) { results.append($0) }
            harness.client.send(["SET", "switchyard:test", "value", "PX", 60_000]) { results.append($0) }
            harness.client.send(["GET", "switchyard:test"]) { results.append($0) }
            harness.client.send(["GET", "switchyard:missing"]) { results.append($0) }
            harness.client.send(["DEL", "switchyard:test"]) {
                results.append($0)
                harness.stop()
            }
        }
        harness.client.start()

        #expect(harness.run())
        #expect(results == [.success(.status("PONG")), .success(.status("OK")), .success(.bulk("value")), .success(.null), .success(.integer(1))])
        #expect(connections == 1)
        #expect(harness.client.isConnected)
        #expect(harness.logLines(.info).contains { $0.contains("connected to Redis") })
    }

    @Test("keys and values are binary-safe, and error replies arrive as replies", .timeLimit(.minutes(1)))
    func binarySafety() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let key: [UInt8] = [0x73, 0x00, 0x0D, 0x0A, 0x24, 0xFF]
        let value: [UInt8] = [0x00, 0x2A, 0x0D, 0x0A, 0x0D, 0x0A, 0xC3]
        var results: [Result<RedisReply, RedisError>] = []
        harness.client.onConnected = {
            harness.client.send(["SET", key, value]) { results.append($0) }
            harness.client.send(["GET", key]) { results.append($0) }
            harness.client.send(["HGET", key, "field"]) {
                results.append($0)
                harness.stop()
            }
        }
        harness.client.start()

        #expect(harness.run())
        try #require(results.count == 3)
        #expect(results[0] == .success(.status("OK")))
        #expect(results[1] == .success(.string(value)))
        #expect(try results[2].get().errorMessage?.hasPrefix("WRONGTYPE") == true)
    }

    @Test("with a password and a database, the client authenticates and selects the database itself", .timeLimit(.minutes(1)))
    func authenticationAndDatabase() throws {
        let server = try RedisServer(password: "correct-horse-battery")
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url(database: 3))
        defer { harness.finish() }
        var clientInfo: String?
        var stored: Result<RedisReply, RedisError>?
        harness.client.onConnected = {
            harness.client.send(["SET", "k", "v"]) { stored = $0 }
            harness.client.send(["CLIENT", "INFO"]) {
                clientInfo = (try? $0.get())?.text
                harness.stop()
            }
        }
        harness.client.start()

        #expect(harness.run())
        #expect(stored == .success(.status("OK")))
        #expect(clientInfo?.contains(" db=3 ") == true, "CLIENT INFO: \(clientInfo ?? "none")")
        #expect(!harness.logText.contains("correct-horse-battery"))
    }

    @Test("a wrong password keeps the client unready, logs one warning without the password, and retries", .timeLimit(.minutes(1)))
    func wrongPassword() throws {
        let server = try RedisServer(password: "right-one")
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: "redis://:wrong-one@127.0.0.1:\(server.port)")
        configuration.reconnectBaseDelay = 0.005
        configuration.reconnectMaxDelay = 0.02
        let harness = try RedisHarness(configuration)
        defer { harness.finish() }
        var connected = false
        harness.client.onConnected = { connected = true }
        harness.client.start()
        harness.when({ harness.client.statistics.connectionFailures >= 3 }) { harness.stop() }

        #expect(harness.run())
        #expect(!connected)
        #expect(!harness.client.isConnected)
        let warnings = harness.logLines(.warning)
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.contains("AUTH failed") == true)
        #expect(!harness.logText.contains("wrong-one"))
    }

    @Test("the client connects through a Unix socket", .timeLimit(.minutes(1)))
    func unixSocket() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.unixURL(database: 2))
        defer { harness.finish() }
        var pong: Result<RedisReply, RedisError>?
        var clientInfo: String?
        harness.client.onConnected = {
            harness.client.send(["PING"]) { pong = $0 }
            harness.client.send(["CLIENT", "INFO"]) {
                clientInfo = (try? $0.get())?.text
                harness.stop()
            }
        }
        harness.client.start()

        #expect(harness.run())
        #expect(pong == .success(.status("PONG")))
        #expect(clientInfo?.contains(" db=2 ") == true)
        #expect(clientInfo?.contains(server.socketPath) == true, "CLIENT INFO: \(clientInfo ?? "none")")
    }

    @Test("100 commands issued in one loop iteration leave in one write and are answered in order", .timeLimit(.minutes(1)))
    func pipelining() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let client = harness.client
        var readsBefore: Int?
        var readsAfter: Int?
        var flushesForBatch = 0
        var counts: [Int64] = []
        client.onConnected = {
            client.send(["INFO", "stats"]) { info in
                readsBefore = infoField(info, "total_reads_processed")
                // One iteration: this completion issues all 100 commands.
                let flushes = client.statistics.flushes
                for _ in 0..<100 {
                    client.send(["INCR", "switchyard:counter"]) { reply in
                        counts.append((try? reply.get())?.integerValue ?? -1)
                        guard counts.count == 100 else { return }
                        flushesForBatch = client.statistics.flushes - flushes
                        client.send(["INFO", "stats"]) { info in
                            readsAfter = infoField(info, "total_reads_processed")
                            harness.stop()
                        }
                    }
                }
            }
        }
        client.start()

        #expect(harness.run())
        #expect(counts == Array(1...100))
        #expect(flushesForBatch == 1)
        // The server counts its read(2) calls: the batch, plus the read of the second INFO itself. 100 separate
        // writes would show up as (nearly) 100 reads.
        let before = try #require(readsBefore)
        let after = try #require(readsAfter)
        #expect(after - before <= 3, "server reads for the batch: \(after - before)")
    }

    @Test("KEYS, blocking and mode-changing commands are refused without being sent", arguments: [
        (["KEYS", "*"], "KEYS"), (["blpop", "q", "0"], "BLPOP"), (["BZPOPMIN", "z", "1"], "BZPOPMIN"),
        (["XREAD", "COUNT", "1", "block", "0", "STREAMS", "s", "$"], "XREAD BLOCK"), (["SUBSCRIBE", "c"], "SUBSCRIBE"),
        (["Monitor"], "MONITOR"), (["SELECT", "1"], "SELECT"), (["CLIENT", "reply", "OFF"], "CLIENT REPLY"),
    ])
    func forbiddenCommands(command: [String], name: String) throws {
        // No server needed: the refusal comes before any connection state is looked at.
        let harness = try RedisHarness(url: "redis://127.0.0.1:1")
        defer { harness.finish() }
        var result: Result<RedisReply, RedisError>?
        var returned = false
        harness.client.send(command) { reply in
            #expect(returned, "completed from inside send")
            result = reply
            harness.stop()
        }
        returned = true

        #expect(harness.run())
        #expect(result == .failure(.forbiddenCommand(name)))
    }

    @Test("XREAD without BLOCK and ordinary commands are not refused", arguments: [
        ["XREAD", "COUNT", "1", "STREAMS", "s", "0"], ["CLIENT", "INFO"], ["EVALSHA", "abc", "0"], ["SCAN", "0"],
    ])
    func allowedCommands(command: [String]) {
        var lengths: [Int] = []
        var bytes: [UInt8] = []
        for word in command {
            bytes += word.utf8
            lengths.append(word.utf8.count)
        }
        #expect(RedisCommandPolicy.refusal(bytes: bytes, lengths: lengths) == nil)
    }

    @Test("before start, a command fails with notConnected after send returns, never from inside it", .timeLimit(.minutes(1)))
    func notStarted() throws {
        let harness = try RedisHarness(url: "redis://127.0.0.1:1")
        defer { harness.finish() }
        var result: Result<RedisReply, RedisError>?
        var returned = false
        harness.client.send(["PING"]) { reply in
            #expect(returned)
            result = reply
            harness.stop()
        }
        returned = true

        #expect(harness.run())
        #expect(result == .failure(.notConnected))
        #expect(harness.client.statistics.notConnectedFailures == 1)
    }

    @Test("close fails the commands in flight, refuses new ones and never reconnects", .timeLimit(.minutes(1)))
    func closing() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        var inFlight: Result<RedisReply, RedisError>?
        var afterClose: Result<RedisReply, RedisError>?
        var disconnections = 0
        harness.client.onDisconnected = { _ in disconnections += 1 }
        harness.client.onConnected = {
            harness.client.send(["PING"]) { inFlight = $0 }
            harness.client.close()
            harness.client.send(["PING"]) {
                afterClose = $0
                // Give a reconnect (which must not happen) a few iterations' chance before stopping.
                harness.loop.schedule(afterNanoseconds: 50_000_000) { harness.stop() }
            }
        }
        harness.client.start()

        #expect(harness.run())
        #expect(inFlight == .failure(.connectionLost("client closed")))
        #expect(afterClose == .failure(.notConnected))
        #expect(disconnections == 0)
        #expect(harness.client.statistics.connections == 1)
        #expect(!harness.client.isConnected)
    }
}
