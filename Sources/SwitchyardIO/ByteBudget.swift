/// A worker-wide cap on bytes held in memory on behalf of clients: buffered upstream answers and the input of
/// client connections (pipelined requests, bodies being received). Holders reserve before they grow and give
/// back when they shrink or end, so thousands of connections cannot together grow a worker without bound.
/// Single-threaded (one per event loop).
package final class ByteBudget {
    /// The cap in bytes.
    package let limit: Int
    /// Bytes currently reserved.
    package private(set) var used = 0
    /// Reservations refused so far (for metrics and logs).
    package private(set) var refusals = 0

    /// A budget of `limit` bytes (0 or less: unlimited).
    package init(limit: Int) {
        self.limit = limit > 0 ? limit : Int.max
    }

    /// Reserves `bytes`; false (and nothing reserved) when that would exceed the limit.
    package func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        if used > limit - bytes {
            refusals += 1
            return false
        }
        used += bytes
        return true
    }

    /// Gives back `bytes` reserved earlier.
    package func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used = max(0, used - bytes)
    }
}
