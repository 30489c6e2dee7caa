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
