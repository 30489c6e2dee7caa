import SwitchyardCore
import Testing
@testable import SwitchyardRedis

@Suite("Redis configuration")
struct RedisConfigurationTests {
    @Test("a URL gives the endpoint and the documented defaults")
    func fromURL() throws {
        let configuration = try RedisConfiguration(url: "redis://:pw@10.1.2.3:6390/4")
        #expect(configuration.endpoint == RedisEndpoint(address: .tcp(host: "10.1.2.3", port: 6390), password: "pw", database: 4))
        #expect(configuration.keyPrefix == "switchyard:")
        #expect(configuration.connectTimeout == 2)
        #expect(configuration.commandTimeout == 1)
        #expect(configuration.reconnectBaseDelay == 0.05)
        #expect(configuration.reconnectMaxDelay == 2)
        #expect(configuration.keys == RedisKeys(prefix: "switchyard:"))
    }

    @Test("a bad URL or prefix is an invalidConfiguration error without the password", arguments: [
        ("redis://:hunter2@h:0", "switchyard:", "port"),
        ("ftp://:hunter2@h", "switchyard:", "expected a redis://"),
        ("redis://:hunter2@h", "a {b}", "key prefix"),
        ("redis://:hunter2@h", "", "key prefix"),
    ])
    func refuses(url: String, prefix: String, problem: String) {
        #expect {
            try RedisConfiguration(url: url, keyPrefix: prefix)
        } throws: { error in
            guard case .invalidConfiguration(let message) = error as? RedisError else { return false }
            return message.contains(problem) && !message.contains("hunter2") && !"\(error)".contains("hunter2")
        }
    }

    @Test("settings without Redis give no configuration; with one, its endpoint and prefix")
    func fromSettings() throws {
        #expect(RedisConfiguration(settings: try Settings.load(environment: [:], arguments: [])) == nil)
        let settings = try Settings.load(
            environment: ["LLM_ROUTER_REDIS_URL": "unix:///tmp/r.sock?db=2", "LLM_ROUTER_REDIS_PASSWORD": "pw", "LLM_ROUTER_REDIS_PREFIX": "a:"],
            arguments: [])
        let configuration = try #require(RedisConfiguration(settings: settings))
        #expect(configuration.endpoint == RedisEndpoint(address: .unix(path: "/tmp/r.sock"), password: "pw", database: 2))
        #expect(configuration.keyPrefix == "a:")
        #expect(configuration.description.contains("unix://:***@/tmp/r.sock?db=2"))
        #expect(!configuration.description.contains("pw@"))
    }
}
