import SwitchyardCore
import SwitchyardIO
import SwitchyardTestSupport
import Testing
@testable import SwitchyardRedis

@Suite("Redis client as a subscriber", .enabled(if: RedisServer.isInstalled, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct RedisClientSubscribeTests {
    @Test("a subscriber receives what is published on its channel, again after Redis restarts, and sends no commands")
    func receivesMessagesAcrossRestarts() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let harness = try RedisHarness(url: server.url())
        defer { harness.finish() }
        let publisher = RedisClient(configuration: harness.client.configuration, loop: harness.loop, logger: harness.logger)
        defer { publisher.close() }
        let subscriber = harness.client
        var messages: [String] = []
        var refused: RedisError?
        var connections = 0
        subscriber.subscribe("switchyard:registry") { messages.append(String(decoding: $0, as: UTF8.self)) }
        subscriber.onConnected = { connections += 1 }
        subscriber.start()
        publisher.start()
        subscriber.send(["PING"]) { if case .failure(let error) = $0 { refused = error } }

        // Publish until the subscription is in place (PUBLISH answers how many subscribers got it).
        func publish(_ text: String, then next: @escaping () -> Void) {
            publisher.send(["PUBLISH", "switchyard:registry", text]) { result in
                if case .success(.integer(1)) = result { return next() }
                harness.loop.schedule(afterNanoseconds: 10_000_000) { publish(text, then: next) }
            }
        }
        harness.when({ subscriber.isConnected && publisher.isConnected }) {
            publisher.send(["PUBLISH", "switchyard:other", "ignored"]) { _ in }
            publish("1") {
                server.stop()
                try? server.start()
                harness.when({ connections == 2 && publisher.isConnected }) {
                    publish("2") { harness.when({ messages.count == 2 }) { harness.stop() } }
                }
            }
        }
        #expect(harness.run())
        #expect(messages == ["1", "2"])
        #expect(refused == .forbiddenCommand("a command on a subscriber connection"))
    }
}
