import Testing
@testable import SwitchyardRedis

/// The hash tag Redis Cluster hashes for `key` (cluster spec, "Hash tags"): the text between the first `{` and
/// the first `}` after it, when not empty; otherwise the whole key.
private func hashedPart(_ key: String) -> Substring {
    guard let open = key.firstIndex(of: "{"), let close = key[key.index(after: open)...].firstIndex(of: "}"),
          close > key.index(after: open)
    else { return key[...] }
    return key[key.index(after: open)..<close]
}

@Suite("Redis key layout")
struct RedisKeysTests {
    @Test("model keys are prefix, the model as hash tag, and a suffix")
    func layout() {
        let keys = RedisKeys()
        #expect(keys.model("llama-70b", "inflight") == "switchyard:{llama-70b}:inflight")
        #expect(keys.global("workers") == "switchyard:workers")
        #expect(RedisKeys(prefix: "team-a:").model("m", "queue") == "team-a:{m}:queue")
    }

    @Test("every key of one model hashes the same text, so one script may take them all", arguments: [
        "llama-70b", "gpt-4o", "a}b", "{x}", "%", "", "模型", "m:with:colons",
    ])
    func oneSlotPerModel(model: String) {
        let keys = RedisKeys(prefix: "switchyard:")
        let names = ["inflight", "selections", "cursor", "queue", "latency"].map { keys.model(model, $0) }
        let tags = Set(names.map(hashedPart))
        #expect(tags.count == 1, "\(names)")
        #expect(tags.first.map { !$0.isEmpty && $0.count < names[0].count } == true, "the tag is part of the key, not all of it")
    }

    @Test("names that braces or escapes would confuse get distinct keys", arguments: [
        ("a}b", "a%7Db"), ("{x}", "%7Bx%7D"), ("100%", "100%25"), ("%7D", "%257D"), ("", "%"), ("plain", "plain"),
    ])
    func escaping(model: String, escaped: String) {
        #expect(RedisKeys.escaped(model) == escaped)
    }

    @Test("different models never share a key")
    func injective() {
        let models = ["a", "a}", "a%7D", "{a}", "", "%", "%25", "a:b"]
        let keys = RedisKeys()
        #expect(Set(models.map { keys.model($0, "inflight") }).count == models.count)
    }
}
