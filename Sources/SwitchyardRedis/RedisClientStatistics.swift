/// Counters of one ``RedisClient``, for metrics and tests. They only grow.
package struct RedisClientStatistics: Sendable, Equatable {
    /// Commands handed to hiredis (handshake commands included).
    package var commandsSent = 0
    /// Replies received.
    package var repliesReceived = 0
    /// Writes of hiredis' output buffer started by the client: one per loop iteration that issued commands (more
    /// only when the socket buffer was full).
    package var flushes = 0
    /// Commands that failed at once with ``RedisError/notConnected``.
    package var notConnectedFailures = 0
    /// Connections dropped because a command (or the handshake) was not answered in time.
    package var timeouts = 0
    /// Connections that became ready (the first one included).
    package var connections = 0
    /// Connection attempts that failed, and ready connections that were lost.
    package var connectionFailures = 0
    /// Error replies (`-ERR …`, script errors), `NOSCRIPT` included.
    package var errorReplies = 0
    /// `NOSCRIPT` replies answered by loading the script and retrying.
    package var scriptReloads = 0

    /// All zero.
    package init() {}
}
