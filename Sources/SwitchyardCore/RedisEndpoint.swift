/// Where a Redis server listens and how to log in to it, from `LLM_ROUTER_REDIS_URL` or from the
/// `LLM_ROUTER_REDIS_HOST` / `_PORT` / `_DB` / `_PASSWORD` settings.
///
/// URLs follow redis-py's and the Redis CLI's conventions:
/// - `redis://[[username]:password@]host[:port][/db][?db=N]` (port 6379 and database 0 by default; IPv6 hosts in
///   brackets, `redis://[::1]:6380`);
/// - `unix://[[username]:password@]/path/to/redis.sock[?db=N]` (or `unix:/path?db=N`).
///
/// Special characters in the password are percent-encoded (`%40` for `@`, `%2F` for `/`, `%3A` for `:`).
/// `rediss://` (TLS) is refused: Debian 12's hiredis 0.14 has no TLS.
///
/// The password never appears in ``description`` or in any parse error.
package struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// A TCP host and port, or the path of a Unix domain socket.
    package enum Address: Sendable, Equatable {
        /// A host name or IP address (IPv6 without brackets) and a port.
        case tcp(host: String, port: Int)
        /// An absolute socket path (at most 107 bytes, the size of `sun_path` less its terminator).
        case unix(path: String)
    }

    /// Where the server listens.
    package var address: Address
    /// ACL user for `AUTH username password` (Redis 6+); nil uses `AUTH password`.
    package var username: String?
    /// Password for `AUTH`; nil sends no `AUTH`. Never printed.
    package var password: String?
    /// Database number for `SELECT` (0 sends none).
    package var database: Int

    /// The longest Unix socket path `connect(2)` accepts (`sizeof(sun_path) - 1`).
    package static let maximumSocketPathLength = 107

    /// An endpoint from its parts.
    package init(address: Address, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` or `unix://` URL; the error names what is wrong and never quotes the password.
    package init(url text: String) throws(SettingsError) {
        let text = text.trimmingASCIIWhitespace()
        let scheme = text.prefix { $0 != ":" }.lowercased()
        switch scheme {
        case "redis", "unix": break
        case "rediss":
            throw SettingsError(message: "rediss:// (TLS) is not supported: Debian's hiredis 0.14 has no TLS; reach Redis over a private network, a Unix socket or a TLS tunnel")
        default:
            throw SettingsError(message: "expected a redis://host[:port][/db] or unix:///path[?db=N] URL")
        }
        guard let parts = URLParts(parsing: text) else {
            throw SettingsError(message: "not a valid \(scheme):// URL (percent-encode /, ?, #, @ and : inside the password)")
        }
        if parts.fragment != nil { throw SettingsError(message: "a Redis URL takes no #fragment") }

        var username: String?
        var password: String?
        if let userinfo = parts.userinfo {
            let colon = userinfo.firstIndex(of: ":")
            let user = String(userinfo[..<(colon ?? userinfo.endIndex)])
            guard let decodedUser = URLParts.percentDecoded(user) else { throw SettingsError(message: "the username has an invalid %-escape") }
            if let colon {
                guard let decoded = URLParts.percentDecoded(String(userinfo[userinfo.index(after: colon)...])) else {
                    throw SettingsError(message: "the password has an invalid %-escape")
                }
                password = decoded
            }
            username = decodedUser.isEmpty ? nil : decodedUser
            if username != nil, password == nil {
                throw SettingsError(message: "a username needs a password (\(scheme)://user:password@…); for a password alone write :password@")
            }
        }

        var database: Int?
        if let query = parts.query, !query.isEmpty {
            for pair in query.split(separator: "&") {
                let field = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard field.count == 2, field[0] == "db" else {
                    throw SettingsError(message: "unknown URL parameter \"\(field[0])\" (only db=N is understood)")
                }
                database = try Self.database(String(field[1]))
            }
        }

        let address: Address
        if scheme == "redis" {
            guard let host = parts.decodedHost, !host.isEmpty else { throw SettingsError(message: "redis:// needs a host, as in redis://127.0.0.1:6379/0") }
            var port = 6379
            if let digits = parts.port {
                guard let number = Int(digits), (1...65535).contains(number) else { throw SettingsError(message: "the port must be in 1...65535") }
                port = number
            }
            let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            address = .tcp(host: unbracketed, port: port)
            if !parts.path.isEmpty, parts.path != "/" {
                guard database == nil else { throw SettingsError(message: "the database is given twice (path and ?db=)") }
                database = try Self.database(String(parts.path.dropFirst()))
            }
        } else {
            guard (parts.host ?? "").isEmpty, parts.port == nil else {
                throw SettingsError(message: "unix:// takes a socket path, not a host: unix:///run/redis/redis.sock")
            }
            guard let path = URLParts.percentDecoded(parts.path), path.hasPrefix("/"), path.count > 1 else {
                throw SettingsError(message: "unix:// needs an absolute socket path: unix:///run/redis/redis.sock")
            }
            guard path.utf8.count <= Self.maximumSocketPathLength else {
                throw SettingsError(message: "the socket path is longer than \(Self.maximumSocketPathLength) bytes")
            }
            address = .unix(path: path)
        }
        self.init(address: address, username: username, password: password, database: database ?? 0)
    }

    /// `redis://host:port/db` or `unix:///path?db=N`, with the username and `***` in place of a password.
    package var description: String {
        var credentials = ""
        if password != nil { credentials = "\(username ?? ""):***@" }
        switch address {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "redis://\(credentials)\(shownHost):\(port)/\(database)"
        case .unix(let path):
            return credentials.isEmpty ? "unix://\(path)?db=\(database)" : "unix://\(credentials)\(path)?db=\(database)"
        }
    }

    /// `text` with anything between `://` and the last `@` replaced by `***`, for quoting a URL in an error.
    package static func redacted(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8),
              let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > colon + 2
        else { return text }
        return String(decoding: bytes[..<(colon + 3)], as: UTF8.self) + "***" + String(decoding: bytes[at...], as: UTF8.self)
    }

    /// A database number in `0...Int32.max` (Redis' `databases` setting is an int).
    private static func database(_ text: String) throws(SettingsError) -> Int {
        guard let number = Int(text), (0...Int(Int32.max)).contains(number) else {
            throw SettingsError(message: "the database must be a whole number >= 0")
        }
        return number
    }

}
