import SwitchyardCoordination
import SwitchyardCore
import SwitchyardRedis

/// Client keys' `rpm` for the whole cluster: one GCRA bucket per key in Redis (`<prefix>{client:<key id>}:rate`,
/// the theoretical arrival time in milliseconds of Redis `TIME`, expiring a minute after it is reached), checked and
/// charged by one script per request — the same rule as the instance limiter and the providers' limits: a burst of
/// `rpm`, then one every 60/`rpm` s. While Redis cannot answer, the instance's own limiter decides.
final class RedisClientRateLimiter {
    /// `KEYS[1]` the bucket; `ARGV[1]` rpm. Returns 0 when admitted (and charged), else whole seconds to wait.
    static let script = RedisScript("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local interval = 60000 / tonumber(ARGV[1])
        local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
        local wait = tat + interval - now - 60000
        if wait > 0 then return math.max(math.ceil(wait / 1000), 1) end
        redis.call('SET', KEYS[1], string.format('%.17g', tat + interval), 'PX', math.ceil(tat + interval - now) + 60000)
        return 0
        """)

    private let client: RedisClient
    private let fallback: ClientRateLimiter
    private var calls: [String: RedisPreparedCall] = [:]

    init(client: RedisClient, fallback: ClientRateLimiter) {
        self.client = client
        self.fallback = fallback
        client.register(Self.script)
    }

    /// Whether the cluster-wide limiter can decide now (Redis connected).
    var isAvailable: Bool { client.isConnected }

    /// Admits or refuses one request of `keyID` under `rpm`; `completion` runs on the loop thread (after a Redis
    /// round trip, or at once from the instance limiter when Redis cannot answer).
    func admit(keyID: String, rpm: Int, completion: @escaping (RateDecision) -> Void) {
        guard client.isConnected else { return completion(fallback.admit(keyID: keyID, rpm: rpm)) }
        let call: RedisPreparedCall
        if let prepared = calls[keyID] {
            call = prepared
        } else {
            // Key ids come from the keys file, so this stays as small as the file.
            call = client.prepare(Self.script, keys: [client.keys.global("{client:" + RedisKeys.escaped(keyID) + "}:rate")])
            calls[keyID] = call
        }
        client.evaluate(call, arguments: [rpm]) { [fallback] result in
            switch result {
            case .success(.integer(0)): completion(.admitted)
            case .success(.integer(let seconds)): completion(.limited(retryAfter: Int(seconds)))
            default: completion(fallback.admit(keyID: keyID, rpm: rpm))
            }
        }
    }
}
