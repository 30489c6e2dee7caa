import Glibc

/// Unbuffered writes to standard output and error (Swift 6 forbids touching C's `stdout`/`stderr` globals).
/// Blocking, except that a descriptor left non-blocking (``LogOutput`` may do that to a shared stderr pipe) is
/// waited on for at most a second per stall before the rest of the text is dropped.
package enum Console {
    /// Writes `text` to standard output immediately.
    package static func out(_ text: String) { write(1, text) }
    /// Writes `text` to standard error immediately.
    package static func error(_ text: String) { write(2, text) }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    if poll(&entry, 1, 1000) > 0 { continue }
                }
                return
            }
            offset += n
        }
        bytes.removeAll()
    }
}
