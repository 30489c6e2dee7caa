/// The router's Redis key names: `<prefix>{<model>}:<suffix>` for everything about one model, `<prefix><suffix>`
/// for the few cluster-wide keys.
///
/// Layout, with the default prefix `switchyard:` and a model `llama-70b`:
///
/// ```
/// switchyard:{llama-70b}:state        per-provider counts, cursors, buckets and circuits of the model (a hash)
/// switchyard:{llama-70b}:leases       the model's holds (a sorted set)
/// switchyard:{llama-70b}:waitq        the model's wait queue
/// switchyard:rtm:scraper              a cluster-wide key (no model)
/// ```
///
/// The braces are a Redis Cluster *hash tag*: only the text between the first `{` and the next `}` is hashed, so
/// every key of one model lands in the same slot, and a script that takes several of them in `KEYS` runs on a
/// Redis Cluster unchanged (a script may only touch keys of one slot). Different models spread over the slots.
/// A script must not mix a model's keys with a cluster-wide key, as those hash elsewhere.
///
/// Model names are escaped so that they never break the tag and never collide: `{`, `}` and `%` become `%7B`,
/// `%7D` and `%25`, and the empty name becomes `%` (which no escaped name can be). The prefix carries no braces
/// (``RedisConfiguration`` and the settings refuse them), so the model's tag is always the first one.
package struct RedisKeys: Sendable, Equatable {
    /// Prepended to every key (default `switchyard:`), so several routers can share one Redis.
    package let prefix: String

    /// Keys under `prefix`.
    package init(prefix: String = RedisConfiguration.defaultKeyPrefix) {
        self.prefix = prefix
    }

    /// `{<escaped model>}`: the hash tag of every key of `model`.
    package func hashTag(model: String) -> String {
        "{" + Self.escaped(model) + "}"
    }

    /// `<prefix>{<model>}:<suffix>`, e.g. `switchyard:{llama-70b}:state`.
    package func model(_ model: String, _ suffix: String) -> String {
        prefix + hashTag(model: model) + ":" + suffix
    }

    /// `<prefix><suffix>`, for a key that belongs to no model (e.g. `switchyard:workers`).
    package func global(_ suffix: String) -> String {
        prefix + suffix
    }

    /// `model` with `{`, `}` and `%` percent-encoded; `%` for the empty name.
    package static func escaped(_ model: String) -> String {
        guard !model.isEmpty else { return "%" }
        guard model.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") || $0 == UInt8(ascii: "%") }) else {
            return model
        }
        var escaped = ""
        for character in model.unicodeScalars {
            switch character {
            case "{": escaped += "%7B"
            case "}": escaped += "%7D"
            case "%": escaped += "%25"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
