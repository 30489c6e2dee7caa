import Glibc
import SwitchyardCore
import SwitchyardIO

/// `switchyard health --url http://127.0.0.1:8080/health`: a tiny blocking HTTP/1.1 GET for container health
/// checks (slim images have no curl). Exit 0 on 200, 1 otherwise.
enum HealthCommand {
    static func run(arguments: [String]) -> Int32 {
        var url = "http://127.0.0.1:8080/health"
        var timeout = 3.0
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--url=") { url = String(argument.dropFirst(6)) }
            else if argument == "--url", index + 1 < arguments.count { url = arguments[index + 1]; index += 1 }
            else if argument.hasPrefix("--timeout=") { timeout = Double(argument.dropFirst(10)) ?? timeout }
            else if argument == "--timeout", index + 1 < arguments.count { timeout = Double(arguments[index + 1]) ?? timeout; index += 1 }
            index += 1
        }
        guard url.hasPrefix("http://") else {
            Console.error("switchyard health: only http:// URLs are supported\n")
            return 1
        }
        let afterScheme = url.dropFirst(7)
        let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let authority = afterScheme[..<slash]
        let path = slash == afterScheme.endIndex ? "/" : String(afterScheme[slash...])
        var host = String(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...]) ?? 80
        }
        do {
            var address = try Socket.resolve(host: host, port: port)
            let fd = socket(Int32(address.ss_family), Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return 1 }
            defer { close(fd) }
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let length = Int32(address.ss_family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(length)) } }
            guard connected == 0 else {
                Console.error("switchyard health: cannot connect to \(host):\(port)\n")
                return 1
            }
            let request = "GET \(path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n\r\n"
            _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 12 else { return 1 }
            let statusLine = String(decoding: buffer[0..<min(n, 64)], as: UTF8.self)
            let ok = statusLine.hasPrefix("HTTP/1.1 200") || statusLine.hasPrefix("HTTP/1.0 200")
            if !ok { Console.error("switchyard health: \(statusLine.split(separator: "\r").first ?? "")\n") }
            return ok ? 0 : 1
        } catch {
            Console.error("switchyard health: \(error)\n")
            return 1
        }
    }
}
