import Glibc

/// A loopback port that refuses connections: bound but never listening, held for this value's lifetime.
///
/// Unlike "bind port 0, read the number, close", nothing else can take the port while the test runs,
/// and a connect gets an immediate RST (ECONNREFUSED) — the shape of a crashed upstream.
package final class ClosedPort {
    /// The refused port number.
    package let port: Int
    private let fd: Int32

    /// Reserves a refused port.
    package init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw TestSupportError("cannot reserve a loopback port")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// `http://127.0.0.1:PORT`, for a provider's `api_host`.
    package var url: String { "http://127.0.0.1:\(port)" }

    deinit { Glibc.close(fd) }
}
