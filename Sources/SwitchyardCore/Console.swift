import Glibc

/// Unbuffered writes to standard output and error (Swift 6 forbids touching C's `stdout`/`stderr` globals).
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
            if n < 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
        bytes.removeAll()
    }
}
