import SwitchyardCore
import SwitchyardRedis

/// One model's shared state as Redis holds it, for the operator view (`GET /admin/state`): what every worker of
/// every router sharing the Redis sees.
package struct ClusterModelState: Sendable {
    package var name: String
    /// Holds not yet released, per provider id.
    package var inFlight: [String: Int] = [:]
    /// Selections ever, per provider id.
    package var selections: [String: Int] = [:]
    /// Moving average of latency (dynamic_weighted), milliseconds, per provider id.
    package var latencyMilliseconds: [String: Double] = [:]
    /// Shared circuits: consecutive failures and when the circuit closes (Redis time, ms), per provider id.
    package var circuits: [String: (failures: Int, openUntil: Int64)] = [:]
    /// Owner tokens (`<instance>:<pid>:<n>`) holding each provider, per provider id.
    package var holders: [String: [String]] = [:]
    /// Requests waiting in the model's cluster-wide queue.
    package var queueLength = 0

    /// Takes in one field of the model's `state` hash (see ``CoordinationScripts``).
    mutating func record(_ field: String, _ value: String) {
        guard let colon = field.firstIndex(of: ":") else { return }
        let id = String(field[field.index(after: colon)...])
        switch field[..<colon] {
        case "f": inFlight[id] = Int(value) ?? 0
        case "s": selections[id] = Int(value) ?? 0
        case "l": latencyMilliseconds[id] = Double(value)
        case "c":
            let parts = value.split(separator: ":")
            if parts.count == 2, let failures = Int(parts[0]), let until = Int64(parts[1]) { circuits[id] = (failures, until) }
        default: break
        }
    }
}

/// Reads ``ClusterModelState`` for a list of models: three pipelined reads per model (the `{model}` keys of
/// ``CoordinationScripts``), off the request path. Admin use only.
package enum ClusterStateReader {
    /// Reads the state of `models` through `client` and calls `completion` once with all of them, or nil when a
    /// read failed (not connected, timed out).
    package static func read(_ models: [String], client: RedisClient, completion: @escaping ([ClusterModelState]?) -> Void) {
        guard client.isConnected, !client.isSubscriber else { return completion(nil) }
        var states = models.map { ClusterModelState(name: $0) }
        var outstanding = models.count * 3
        var failed = false
        guard outstanding > 0 else { return completion([]) }
        func done(_ ok: Bool) {
            if !ok { failed = true }
            outstanding -= 1
            if outstanding == 0 { completion(failed ? nil : states) }
        }
        let keys = client.keys
        for (index, model) in models.enumerated() {
            client.send(["HGETALL", keys.model(model, "state")]) { result in
                for (field, value) in pairs(result) { states[index].record(field, value) }
                done(isReply(result))
            }
            client.send(["ZRANGE", keys.model(model, "leases"), 0, -1]) { result in
                if case .success(.array(let members)) = result {
                    for member in members {
                        // `<owner token>|<provider id>` (owner tokens hold no `|`).
                        guard let text = member.text, let bar = text.firstIndex(of: "|") else { continue }
                        states[index].holders[String(text[text.index(after: bar)...]), default: []].append(String(text[..<bar]))
                    }
                }
                done(isReply(result))
            }
            client.send(["ZCARD", keys.model(model, "waitq")]) { result in
                if case .success(.integer(let count)) = result { states[index].queueLength = Int(count) }
                done(isReply(result))
            }
        }
    }

    private static func isReply(_ result: Result<RedisReply, RedisError>) -> Bool {
        if case .success(let reply) = result, reply.errorMessage == nil { return true }
        return false
    }

    /// The field/value pairs of an `HGETALL` reply.
    private static func pairs(_ result: Result<RedisReply, RedisError>) -> [(String, String)] {
        guard case .success(.array(let items)) = result else { return [] }
        var pairs: [(String, String)] = []
        var index = 0
        while index + 1 < items.count {
            if let field = items[index].text, let value = items[index + 1].text { pairs.append((field, value)) }
            index += 2
        }
        return pairs
    }
}
