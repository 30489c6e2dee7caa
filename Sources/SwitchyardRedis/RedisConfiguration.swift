import SwitchyardCore

/// How a worker reaches Redis: the endpoint (TCP host and port, or Unix socket; database; credentials), the key
/// prefix, and the client's timeouts and reconnect back-off.
///
/// Built from ``Settings`` (`LLM_ROUTER_REDIS_URL` wins over `LLM_ROUTER_REDIS_HOST` / `_PORT` / `_DB`; see
/// ``Settings/redisEndpoint``) or from a URL. ``description`` never shows the password.
package struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The key prefix when none is configured.
    package static let defaultKeyPrefix = "switchyard:"

    /// Where Redis listens and how to log in.
    package var endpoint: RedisEndpoint
    /// Prefix of every key (see ``RedisKeys``).
    package var keyPrefix: String
    /// Time from starting a connection to a ready one (TCP connect, `AUTH`, `SELECT`, script loads, `PING`), seconds.
    package var connectTimeout: Double
    /// Time a command may wait for its reply before the connection counts as broken, seconds.
    package var commandTimeout: Double
    /// Wait before the first reconnect attempt, seconds; it doubles on every failure up to ``reconnectMaxDelay``.
    package var reconnectBaseDelay: Double
    /// Longest wait between reconnect attempts, seconds.
    package var reconnectMaxDelay: Double
    /// Name shown by `CLIENT LIST` (`CLIENT SETNAME`); nil sets none. No spaces.
    package var clientName: String?

    /// A configuration with the given endpoint and the defaults: 2 s to connect, 1 s per command, reconnects
    /// after 50 ms doubling to 2 s.
    package init(
        endpoint: RedisEndpoint, keyPrefix: String = RedisConfiguration.defaultKeyPrefix, connectTimeout: Double = 2,
        commandTimeout: Double = 1, reconnectBaseDelay: Double = 0.05, reconnectMaxDelay: Double = 2, clientName: String? = nil
    ) {
        self.endpoint = endpoint
        self.keyPrefix = keyPrefix
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.reconnectBaseDelay = reconnectBaseDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.clientName = clientName
    }

    /// A configuration from `redis://[[user]:password@]host[:port][/db]` or `unix:///path[?db=N]`, with the
    /// defaults for everything else. The error says what is wrong without quoting the password.
    package init(url: String, keyPrefix: String = RedisConfiguration.defaultKeyPrefix) throws(RedisError) {
        do {
            self.init(endpoint: try RedisEndpoint(url: url), keyPrefix: keyPrefix)
        } catch {
            throw .invalidConfiguration("\(RedisEndpoint.redacted(url)): \(error.message)")
        }
        guard Self.isValidKeyPrefix(keyPrefix) else {
            throw .invalidConfiguration("the key prefix must not be empty or contain spaces, control characters or braces")
        }
    }

    /// The Redis of `settings` with its key prefix, or nil when no Redis is configured.
    package init?(settings: Settings) {
        guard let endpoint = settings.redisEndpoint else { return nil }
        self.init(endpoint: endpoint, keyPrefix: settings.redisPrefix)
    }

    /// The key builder for ``keyPrefix``.
    package var keys: RedisKeys { RedisKeys(prefix: keyPrefix) }

    /// Whether `prefix` can start keys: not empty, no spaces or control characters, no braces (which would move
    /// the hash tag, see ``RedisKeys``). The settings apply the same rule to `LLM_ROUTER_REDIS_PREFIX`.
    package static func isValidKeyPrefix(_ prefix: String) -> Bool {
        !prefix.isEmpty && !prefix.utf8.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }
    }

    /// The endpoint (password as `***`), prefix and timeouts.
    package var description: String {
        "\(endpoint) prefix=\(keyPrefix) connectTimeout=\(connectTimeout)s commandTimeout=\(commandTimeout)s"
    }
}
