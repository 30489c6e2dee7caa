import SwitchyardCore
import SwitchyardHTTP

/// Client keys at the door (llm-router's `LLM_ROUTER_AUTH_ENABLED`): every path except the public ones (and
/// `/admin/*`, which has its own token) needs a key from the keys file, sent as `Authorization: Bearer <key>`
/// (RFC 6750 §2.1) or `x-api-key: <key>`. The key is hashed (SHA-256) and looked up by digest, so it is never
/// held or compared in the clear; its id goes to the access log and metrics. Then the key's `rpm` is enforced
/// by a ``ClientRateLimiter``; its `models` list by the handlers, through ``refusal(model:)``.
final class ClientAuthenticator {
    /// What happened to one request.
    enum Outcome {
        case passed(ClientKeys.Key)
        /// Refused with `error` (401 or 429); `reason` labels the metric; `headers` go with the answer.
        case refused(RouterError, reason: String, headers: HTTPHeaders)
    }

    private let keys: ClientKeys
    private let publicPaths: Set<String>
    private let limiter: ClientRateLimiter

    init(keys: ClientKeys, publicPaths: [String], limiter: ClientRateLimiter) {
        self.keys = keys
        self.publicPaths = Set(publicPaths)
        self.limiter = limiter
    }

    /// Whether `path` is served without a key (`LLM_ROUTER_AUTH_PUBLIC_ENDPOINTS`, exact paths).
    func isPublic(_ path: String) -> Bool { publicPaths.contains(path) }

    /// The cluster-wide limiter for keys' `rpm` when Redis is shared (set by the gateway).
    var clusterLimiter: RedisClientRateLimiter?

    /// What authenticating a request comes to now.
    enum Check {
        /// Decided: the key (charged on the instance's counts, if it has `rpm`) or a refusal.
        case decided(Outcome)
        /// A valid key whose `rpm` is shared through Redis: ``chargeShared(_:rpm:completion:)`` decides.
        case sharedLimit(ClientKeys.Key, rpm: Int)
    }

    /// Authenticates a request by its header fields; a key with `rpm` is charged at once on the instance's counts,
    /// unless the limit is shared through Redis and Redis answers.
    func check(_ headers: HTTPHeaders) -> Check {
        let identified = identify(headers)
        guard case .passed(let key) = identified, let rpm = key.rpm else { return .decided(identified) }
        guard let clusterLimiter, clusterLimiter.isAvailable else {
            return .decided(Self.outcome(key, rpm: rpm, limiter.admit(keyID: key.id, rpm: rpm)))
        }
        return .sharedLimit(key, rpm: rpm)
    }

    /// Charges `key`'s `rpm` for the whole cluster; `completion` hears the outcome after the Redis round trip (or
    /// at once from the instance's counts when Redis cannot answer).
    func chargeShared(_ key: ClientKeys.Key, rpm: Int, completion: @escaping (Outcome) -> Void) {
        guard let clusterLimiter else { return completion(Self.outcome(key, rpm: rpm, limiter.admit(keyID: key.id, rpm: rpm))) }
        clusterLimiter.admit(keyID: key.id, rpm: rpm) { decision in
            completion(Self.outcome(key, rpm: rpm, decision))
        }
    }

    /// The key the request presents, unchecked against rate limits.
    private func identify(_ headers: HTTPHeaders) -> Outcome {
        var presented: [UInt8]?
        if let authorization = headers["Authorization"], let credentials = AdminAccess.bearerCredentials(authorization), !credentials.isEmpty {
            presented = credentials
        } else if let apiKey = headers["x-api-key"], !apiKey.isEmpty {
            presented = Array(apiKey.utf8)
        }
        guard let presented else { return .refused(.missingClientKey, reason: "missing_key", headers: Self.challenge) }
        guard let key = keys.key(presented: presented) else { return .refused(.invalidClientKey, reason: "invalid_key", headers: Self.challenge) }
        return .passed(key)
    }

    private static func outcome(_ key: ClientKeys.Key, rpm: Int, _ decision: RateDecision) -> Outcome {
        guard case .limited(let seconds) = decision else { return .passed(key) }
        // `Retry-After` travels with the error (``RouterError/retryAfter``), like every other limit's.
        return .refused(.clientRateLimited(keyID: key.id, rpm: rpm, retryAfter: seconds), reason: "rate_limited", headers: HTTPHeaders())
    }

    /// Why `key` may not use `model` (403 `model_not_allowed`), or nil when it may. Only the requested model is
    /// checked: its `fallback_model` chain is the router's choice, not the client's.
    static func refusal(key: ClientKeys.Key?, model: String) -> RouterError? {
        guard let key, let allowed = key.models, !allowed.contains(model) else { return nil }
        return .modelNotAllowed(keyID: key.id, model: model)
    }

    /// RFC 6750 §3: a 401 names the scheme.
    private static let challenge: HTTPHeaders = {
        var headers = HTTPHeaders()
        headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"switchyard\"")
        return headers
    }()
}
