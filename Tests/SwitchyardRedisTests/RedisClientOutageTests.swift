import SwitchyardCore
import SwitchyardIO
import SwitchyardTestSupport
import Testing
@testable import SwitchyardRedis

@Suite("Redis outages: stopped, restarted, unresponsive", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct RedisClientOutageTests {
    @Test("when Redis stops, commands fail at once with notConnected, one warning is logged, and a restarted Redis is used again with its scripts", .timeLimit(.minutes(1)))
    func stopAndRestart() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let client = harness.client
        let scriptKeys = [client.keys.model("m", "inflight"), client.keys.model("m", "selections")]

        var connections = 0
        var disconnections: [RedisError] = []
        var before: Result<RedisReply, RedisError>?
        var duringOutage: [Result<RedisReply, RedisError>] = []
        var reentrant = false
        var warningsDuringOutage: [String] = []
        var after: Result<RedisReply, RedisError>?

        /// Sends a PING every few milliseconds while Redis is down, until several reconnect attempts have failed.
        func probe() {
            var returned = false
            client.send(["PING"]) { result in
                if !returned { reentrant = true }
                duringOutage.append(result)
                if client.statistics.connectionFailures >= 4, duringOutage.count >= 5 {
                    warningsDuringOutage = harness.logLines(.warning)
                    #expect(throws: Never.self) { try server.start() }
                } else {
                    harness.loop.schedule(afterNanoseconds: 5_000_000) { probe() }
                }
            }
            returned = true
        }

        client.onConnected = {
            connections += 1
            if connections == 1 {
                client.evaluate(countingScript, keys: scriptKeys, arguments: ["a"]) { result in
                    before = result
                    server.stop()  // SIGTERM and wait: the client sees the connection close
                }
            } else {
                // Redis restarted empty: the script was loaded again during the handshake.
                client.evaluate(countingScript, keys: scriptKeys, arguments: ["a"]) { result in
                    after = result
                    harness.stop()
                }
            }
        }
        client.onDisconnected = { reason in
            disconnections.append(reason)
            probe()
        }
        client.start()

        #expect(harness.run())
        #expect(before == .success(.integer(1)))
        #expect(connections == 2)
        #expect(disconnections.count == 1)
        #expect(duringOutage.count >= 5)
        #expect(duringOutage.allSatisfy { $0 == .failure(.notConnected) })
        #expect(!reentrant, "a notConnected completion ran inside send")
        #expect(warningsDuringOutage.count == 1, "\(warningsDuringOutage)")
        #expect(warningsDuringOutage.first?.contains("Redis connection lost") == true)
        #expect(after == .success(.integer(1)), "a fresh Redis starts counting again")
        #expect(client.statistics.scriptReloads == 1, "only the very first call needed a NOSCRIPT reload")
        #expect(harness.logLines(.warning).count == 1)
        #expect(harness.logLines(.info).contains { $0.contains("Redis is reachable again") })
    }

    @Test("a Redis that stops answering (SIGSTOP) times the command out, drops the connection and reconnects after SIGCONT", .timeLimit(.minutes(1)))
    func unresponsiveServer() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url(), commandTimeout: 0.2, connectTimeout: 0.3)
        defer { harness.finish() }
        let client = harness.client

        var connections = 0
        var stalled: [Result<RedisReply, RedisError>] = []
        var disconnections: [RedisError] = []
        var notConnected: Result<RedisReply, RedisError>?
        var afterResume: Result<RedisReply, RedisError>?
        var warningsBefore = 0
        client.onConnected = {
            connections += 1
            if connections == 1 {
                // Counted from here: a first connect slowed down by a busy machine may have warned already.
                warningsBefore = harness.logLines(.warning).count
                server.pause()
                client.send(["PING"]) { stalled.append($0) }
                client.send(["INCR", "x"]) { stalled.append($0) }
            } else {
                client.send(["PING"]) {
                    afterResume = $0
                    harness.stop()
                }
            }
        }
        client.onDisconnected = { reason in
            disconnections.append(reason)
            client.send(["PING"]) { notConnected = $0 }
            // The handshake of the next attempts gets no answer either (the kernel still accepts the connection):
            // wait for two of them to time out, then let Redis run again.
            harness.when({ client.statistics.timeouts >= 3 }) { server.resume() }
        }
        client.start()

        #expect(harness.run())
        #expect(stalled == [.failure(.timedOut), .failure(.timedOut)])
        #expect(disconnections == [.timedOut])
        #expect(notConnected == .failure(.notConnected))
        #expect(afterResume == .success(.status("PONG")))
        #expect(connections == 2)
        #expect(harness.logLines(.warning).count - warningsBefore == 1, "one warning for the outage, not one per timeout")
    }

    @Test("with Redis unreachable at start, the client warns once, keeps trying, and connects when Redis appears", .timeLimit(.minutes(1)))
    func unreachableAtStart() throws {
        let server = try RedisServer()
        server.stop()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let client = harness.client
        var connected = false
        var startedAgain = false
        client.onConnected = {
            connected = true
            harness.stop()
        }
        client.start()
        harness.when({ client.statistics.connectionFailures >= 3 }) {
            startedAgain = (try? server.start()) != nil
        }

        #expect(harness.run())
        #expect(startedAgain)
        #expect(connected)
        let warnings = harness.logLines(.warning)
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.contains("Redis is unreachable") == true)
        #expect(harness.logLines(.debug).contains { $0.contains("Redis connection attempt failed") })
    }
}
