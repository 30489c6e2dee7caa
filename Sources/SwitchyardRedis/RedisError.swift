/// Why a Redis command got no reply, or why a Redis setting cannot be used. The only error type of
/// `SwitchyardRedis`. An error *reply* from the server (`WRONGTYPE …`, `NOSCRIPT …`) is not one of these: it is a
/// ``RedisReply/error(_:)`` delivered as a success, as Redis did answer.
package enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No ready connection when the command was issued (connecting, waiting to reconnect, or closed). Nothing was
    /// sent; the caller should fall back to local state.
    case notConnected
    /// The command, or one issued before it on the same connection, was not answered within the command timeout
    /// (or the connect timeout during the handshake). The connection was dropped and is being re-established. The
    /// command may or may not have run.
    case timedOut
    /// The connection failed while the command waited for its reply (the text says how). The command may or may
    /// not have run.
    case connectionLost(String)
    /// The command is never sent on this connection: `KEYS`, blocking commands, and commands that change the
    /// connection's mode (`SUBSCRIBE`, `MONITOR`, `SELECT`, …). See ``RedisClient``.
    case forbiddenCommand(String)
    /// A Redis setting (URL, prefix) that cannot be used; the text never contains the password.
    case invalidConfiguration(String)

    /// One line for logs and tests.
    package var description: String {
        switch self {
        case .notConnected: "not connected to Redis"
        case .timedOut: "Redis did not answer in time"
        case .connectionLost(let reason): "Redis connection lost: \(reason)"
        case .forbiddenCommand(let name): "\(name) is not allowed on the router's Redis connection"
        case .invalidConfiguration(let problem): "invalid Redis configuration: \(problem)"
        }
    }
}
