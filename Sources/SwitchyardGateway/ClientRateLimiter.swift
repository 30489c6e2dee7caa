/// What a rate limiter decides for one request.
enum RateDecision: Equatable {
    case admitted
    /// Over the limit: the client may retry after this many whole seconds (≥ 1).
    case limited(retryAfter: Int)
}

/// Enforces client keys' requests per minute. The seam for where the counts live: ``InstanceRateLimiter`` counts
/// for every worker of the instance in shared memory; a cluster-wide limiter (the counts in Redis, one script per
/// request like the provider selection) plugs in here.
protocol ClientRateLimiter: AnyObject {
    /// Admits one request of key `keyID` limited to `rpm` requests per minute, or refuses it.
    func admit(keyID: String, rpm: Int) -> RateDecision
}
