import Testing
@testable import SwitchyardCore

@Suite("Redis URLs")
struct RedisEndpointTests {
    @Test("redis:// and unix:// URLs parse into address, credentials and database", arguments: [
        ("redis://localhost", RedisEndpoint(address: .tcp(host: "localhost", port: 6379))),
        ("redis://10.0.0.5:6380", RedisEndpoint(address: .tcp(host: "10.0.0.5", port: 6380))),
        ("redis://redis.internal:6380/3", RedisEndpoint(address: .tcp(host: "redis.internal", port: 6380), database: 3)),
        ("redis://h/", RedisEndpoint(address: .tcp(host: "h", port: 6379))),
        ("redis://h?db=4", RedisEndpoint(address: .tcp(host: "h", port: 6379), database: 4)),
        ("REDIS://H:1/0", RedisEndpoint(address: .tcp(host: "H", port: 1))),
        ("redis://:s3cret@h:7000/1", RedisEndpoint(address: .tcp(host: "h", port: 7000), password: "s3cret", database: 1)),
        ("redis://router:s3cret@h", RedisEndpoint(address: .tcp(host: "h", port: 6379), username: "router", password: "s3cret")),
        ("redis://:p%40ss%2Fw%3Ard@h", RedisEndpoint(address: .tcp(host: "h", port: 6379), password: "p@ss/w:rd")),
        ("redis://:@h", RedisEndpoint(address: .tcp(host: "h", port: 6379), password: "")),
        ("redis://[::1]:6390/2", RedisEndpoint(address: .tcp(host: "::1", port: 6390), database: 2)),
        ("  redis://h  ", RedisEndpoint(address: .tcp(host: "h", port: 6379))),
        ("unix:///run/redis/redis.sock", RedisEndpoint(address: .unix(path: "/run/redis/redis.sock"))),
        ("unix:///tmp/r.sock?db=5", RedisEndpoint(address: .unix(path: "/tmp/r.sock"), database: 5)),
        ("unix:/tmp/r.sock", RedisEndpoint(address: .unix(path: "/tmp/r.sock"))),
        ("unix://:pw@/tmp/r.sock?db=1", RedisEndpoint(address: .unix(path: "/tmp/r.sock"), password: "pw", database: 1)),
        ("unix:///tmp/with%20space.sock", RedisEndpoint(address: .unix(path: "/tmp/with space.sock"))),
    ])
    func parses(url: String, expected: RedisEndpoint) throws {
        #expect(try RedisEndpoint(url: url) == expected)
    }

    @Test("bad URLs are refused with a message saying what is wrong", arguments: [
        ("http://h", "expected a redis://"),
        ("h:6379", "expected a redis://"),
        ("", "expected a redis://"),
        ("rediss://h", "TLS"),
        ("redis://", "needs a host"),
        ("redis://h:0", "port"),
        ("redis://h:70000", "port"),
        ("redis://h:abc", "not a valid"),
        ("redis://h/x", "database"),
        ("redis://h/-1", "database"),
        ("redis://h/1?db=2", "twice"),
        ("redis://h?timeout=3", "unknown URL parameter \"timeout\""),
        ("redis://h#frag", "fragment"),
        ("redis://user@h", "username needs a password"),
        ("redis://:bad%zz@h", "invalid %-escape"),
        ("unix://host/tmp/r.sock", "not a host"),
        ("unix://", "absolute socket path"),
        ("unix:relative.sock", "absolute socket path"),
        ("unix:///" + String(repeating: "x", count: 120), "longer than 107"),
    ])
    func refuses(url: String, problem: String) {
        #expect {
            try RedisEndpoint(url: url)
        } throws: { error in
            (error as? SettingsError)?.message.contains(problem) == true
        }
    }

    @Test("the password never shows in the description or in an error", arguments: [
        "redis://:hunter2@h:6379/1", "redis://user:hunter2@h/x", "unix://:hunter2@/tmp/r.sock", "redis://:hunter2@h:99999",
        "redis://:hunter2/x@h",
    ])
    func passwordStaysSecret(url: String) {
        do {
            let endpoint = try RedisEndpoint(url: url)
            #expect(!endpoint.description.contains("hunter2"))
            #expect(endpoint.description.contains(":***@"))
        } catch {
            #expect(!error.message.contains("hunter2"))
        }
        #expect(!RedisEndpoint.redacted(url).contains("hunter2") || !url.contains("@"))
    }

    @Test("descriptions are URLs a reader can use, with the password masked")
    func descriptions() throws {
        #expect(try RedisEndpoint(url: "redis://h").description == "redis://h:6379/0")
        #expect(try RedisEndpoint(url: "redis://u:p@[::1]:1/2").description == "redis://u:***@[::1]:1/2")
        #expect(try RedisEndpoint(url: "unix:///tmp/r.sock?db=3").description == "unix:///tmp/r.sock?db=3")
        #expect(RedisEndpoint.redacted("redis://:pw@h:1") == "redis://***@h:1")
        #expect(RedisEndpoint.redacted("redis://h:1") == "redis://h:1")
    }
}
