/// A Lua script and its SHA-1, computed here, so it is called with `EVALSHA` without asking the server first.
///
/// ``RedisClient/evaluate(_:keys:arguments:completion:)`` loads it on `NOSCRIPT` and after every reconnect.
/// Scripts must declare every key they touch in `KEYS` (Redis Cluster routes by them); build keys with
/// ``RedisKeys`` so all keys of one call share a hash slot.
package struct RedisScript: Sendable, Hashable {
    /// The Lua source, as sent by `SCRIPT LOAD`.
    package let source: String
    /// The source's SHA-1 as 40 lowercase hex digits: the name `EVALSHA` uses.
    package let sha1: String

    /// A script from its Lua source.
    package init(_ source: String) {
        self.source = source
        sha1 = SHA1.hexDigest(Array(source.utf8))
    }
}

/// A script call whose constant words — `EVALSHA`, the SHA-1, the key count and the keys — are encoded once (RESP),
/// so that each call encodes only its arguments. Make one per script and key set with
/// ``RedisClient/prepare(_:keys:)``.
package struct RedisPreparedCall: Sendable {
    /// The script.
    package let script: RedisScript
    /// How many words ``encoded`` holds.
    let words: Int
    /// `EVALSHA <sha> <key count> <keys…>` as RESP bulk strings.
    let encoded: [UInt8]

    init(script: RedisScript, keys: [String]) {
        self.script = script
        var bytes: [UInt8] = []
        for word in ["EVALSHA", script.sha1, String(keys.count)] + keys { RESP.appendBulk(Array(word.utf8), to: &bytes) }
        words = 3 + keys.count
        encoded = bytes
    }
}
