import Glibc
import SwitchyardIO

/// A plain-HTTP upstream address the built-in client can reach without DNS (an IP literal or `localhost`), the
/// request-line prefix for its path, and its pool of idle keep-alive connections. One per distinct URL.
final class HTTP1Endpoint {
    let address: sockaddr_storage
    let family: Int32
    /// `POST /path HTTP/1.1\r\nHost: authority\r\n` (and the same for GET).
    let postPrefix: [UInt8]
    let getPrefix: [UInt8]
    /// Idle connections, most recently used last (LIFO keeps a warm set and lets the rest time out).
    var idle: [HTTP1Connection] = []
    static let maxIdle = 512

    /// Nil when `url` is not `http://` with a numeric or localhost host (those go through libcurl).
    init?(url: String) {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        var host = String(authority)
        var port = 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { guard let p = Int(after.dropFirst()) else { return nil }; port = p }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = p
        }
        guard port > 0 && port < 65536, !authority.contains("@") else { return nil }
        if host == "localhost" { host = "127.0.0.1" }
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        guard let resolved = try? Socket.resolve(host: host, port: port) else { return nil }
        address = resolved
        family = Int32(resolved.ss_family)
        postPrefix = Array("POST \(path) HTTP/1.1\r\nHost: \(authority)\r\n".utf8)
        getPrefix = Array("GET \(path) HTTP/1.1\r\nHost: \(authority)\r\n".utf8)
    }

    /// Takes the most recently used idle connection, if any.
    func takeIdle() -> HTTP1Connection? {
        idle.popLast()
    }

    /// Returns a connection to the pool; false if the pool is full (the caller closes it).
    func putIdle(_ connection: HTTP1Connection) -> Bool {
        guard idle.count < Self.maxIdle else { return false }
        idle.append(connection)
        return true
    }

    func removeIdle(_ connection: HTTP1Connection) {
        if let index = idle.lastIndex(where: { $0 === connection }) { idle.remove(at: index) }
    }
}
