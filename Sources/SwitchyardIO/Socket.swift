import CLinux
import Glibc

/// Thin, typed wrappers over the socket calls the server and the supervisor need. All fds are non-blocking
/// and close-on-exec unless stated otherwise.
package enum Socket {
    /// Creates a listening TCP socket bound to `host:port` (`port` 0 picks a free port).
    /// `reusePort` sets `SO_REUSEPORT` so several sockets (one per worker) can share the address.
    package static func listen(host: String, port: Int, reusePort: Bool = false, backlog: Int32 = 1024) throws(IOError) -> Int32 {
        var address = try resolve(host: host, port: port)
        let family = Int32(address.ss_family)
        let fd = try syscall("socket") { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { try setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
            let length = family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
            _ = try withUnsafePointer(to: &address) { pointer throws(IOError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(IOError) in
                    try syscall("bind") { bind(fd, sa, socklen_t(length)) }
                }
            }
            _ = try syscall("listen") { Glibc.listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Resolves a numeric address or a host name (first result) into a socket address.
    package static func resolve(host: String, port: Int) throws(IOError) -> sockaddr_storage {
        var storage = sockaddr_storage()
        let name = host == "localhost" ? "127.0.0.1" : (host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host)
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: &v4) { dst.copyMemory(from: $0) } }
            return storage
        }
        if inet_pton(AF_INET6, name, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: &v6) { dst.copyMemory(from: $0) } }
            return storage
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, String(port), &hints, &result)
        guard status == 0, let first = result else { throw IOError(call: "getaddrinfo(\(host))", code: EINVAL) }
        defer { freeaddrinfo(result) }
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen))) }
        return storage
    }

    /// The local port a socket is bound to.
    package static func localPort(_ fd: Int32) throws(IOError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(IOError) in
                try syscall("getsockname") { getsockname(fd, sa, &length) }
            }
        }
        if Int32(storage.ss_family) == AF_INET6 {
            return withUnsafeBytes(of: &storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
        }
        return withUnsafeBytes(of: &storage) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec fd; ``IOResult/wouldBlock`` when none is
    /// pending. A failure throws an ``IOError`` whose `code` ``AcceptFailure/classify(_:)`` turns into an action.
    package static func accept(_ fd: Int32) throws(IOError) -> IOResult<Int32> {
        try nonBlockingSyscall("accept4") { sy_accept4(fd) }
    }

    /// Sets an integer socket option.
    package static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(IOError) {
        var v = value
        _ = try syscall("setsockopt") { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// Disables Nagle's algorithm: responses are written whole, so waiting for more only adds latency.
    package static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Makes `fd` non-blocking (or blocking).
    package static func setNonBlocking(_ fd: Int32, _ enabled: Bool = true) throws(IOError) {
        let flags = try syscall("fcntl(F_GETFL)") { sy_fcntl_getfl(fd) }
        let updated = enabled ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        _ = try syscall("fcntl(F_SETFL)") { sy_fcntl_setfl(fd, updated) }
    }

    /// Reads into `buffer`'s spare capacity: `.processed(0)` means end of stream.
    @inline(__always)
    package static func read(_ fd: Int32, into pointer: UnsafeMutableRawPointer, count: Int) throws(IOError) -> IOResult<Int> {
        try nonBlockingSyscall("read") { Glibc.read(fd, pointer, count) }
    }

    /// Writes as much of `bytes` as the socket takes now (`MSG_NOSIGNAL`: a closed peer is an error, not SIGPIPE).
    @inline(__always)
    package static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try nonBlockingSyscall("send") { send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Closes `fd`, ignoring errors (there is nothing useful to do about a failed close of a socket).
    package static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

extension Socket {
    /// Stops sending (`shutdown(SHUT_WR)`): the peer reads EOF after what was already queued.
    package static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }
}

extension Socket {
    /// Gathers up to three buffers into one `writev` (empty ones are skipped); returns the bytes written.
    @inline(__always)
    package static func write(_ fd: Int32, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        var vectors = (iovec(), iovec(), iovec())
        var count: Int32 = 0
        withUnsafeMutableBytes(of: &vectors) { raw in
            let iov = raw.bindMemory(to: iovec.self)
            for part in [a, b, c] where !part.isEmpty {
                iov[Int(count)] = iovec(iov_base: UnsafeMutableRawPointer(mutating: part.baseAddress), iov_len: part.count)
                count += 1
            }
        }
        if count == 0 { return .processed(0) }
        return try withUnsafePointer(to: &vectors) { pointer throws(IOError) in
            try pointer.withMemoryRebound(to: iovec.self, capacity: 3) { iov throws(IOError) in
                try nonBlockingSyscall("writev") { Glibc.writev(fd, iov, count) }
            }
        }
    }
}
