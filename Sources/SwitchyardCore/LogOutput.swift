import Glibc

/// One destination of ``Logger`` lines (standard error or the log file) that never blocks the event loop when it is
/// a pipe, a FIFO or a socket: bytes the reader has not taken yet wait in a bounded backlog; when that is full,
/// whole lines are dropped and counted, and the logger reports the count once the backlog has drained.
///
/// How each kind of descriptor is written without blocking, and without surprising processes that share it:
/// - a socket (systemd's journal stream): `send(MSG_DONTWAIT)`, which leaves the descriptor's flags alone;
/// - a pipe or FIFO (`docker logs`, a shell pipeline): a private open file description of the same pipe, opened
///   through `/proc/self/fd/N` with `O_NONBLOCK`. Setting `O_NONBLOCK` on the inherited descriptor would change it
///   for every process sharing it: the supervisor and all workers share one standard error, and so may the shell
///   that started them. Only when that reopen is refused (a pipe owned by another user, e.g. root's container
///   runtime while we run as a non-root user; no `/proc`) is `O_NONBLOCK` set on the shared descriptor; the
///   process that set it puts the old flags back when it is done, and ``Console`` waits out `EAGAIN`.
/// - anything else (regular files, terminals, `/dev/null`): plain blocking writes, as a reader cannot stall them.
final class LogOutput {
    /// How bytes are written.
    private enum Mode {
        /// `write(2)` until done (regular files, terminals).
        case blocking
        /// `write(2)` on a non-blocking descriptor.
        case write
        /// `send(2)` with `MSG_DONTWAIT`.
        case send
    }

    /// Default bound of the backlog.
    static let defaultBacklogLimit = 1 << 20

    private let fd: Int32
    private let mode: Mode
    /// Whether `fd` is ours to close (the log file, the private reopen of a pipe).
    private let ownsDescriptor: Bool
    /// The flags to put back on a shared descriptor we made non-blocking.
    private let originalFlags: Int32?
    private let backlogLimit: Int
    /// Bytes accepted but not yet written: `backlog[backlogStart...]`; always whole lines, except that it may
    /// begin with the rest of a line whose start was written.
    private var backlog: [UInt8] = []
    private var backlogStart = 0
    /// Lines dropped since the backlog filled up; nothing new is accepted until it has drained.
    private(set) var droppedLines = 0

    private init(fd: Int32, mode: Mode, ownsDescriptor: Bool, originalFlags: Int32? = nil, backlogLimit: Int) {
        self.fd = fd
        self.mode = mode
        self.ownsDescriptor = ownsDescriptor
        self.originalFlags = originalFlags
        self.backlogLimit = backlogLimit
    }

    deinit {
        if let originalFlags { _ = fcntl(fd, F_SETFL, originalFlags) }
        if ownsDescriptor { close(fd) }
    }

    /// Wraps an inherited descriptor (standard error), choosing how to write to it without blocking.
    static func inherited(_ fd: Int32, backlogLimit: Int = defaultBacklogLimit) -> LogOutput {
        switch fileType(fd) {
        case S_IFSOCK:
            return LogOutput(fd: fd, mode: .send, ownsDescriptor: false, backlogLimit: backlogLimit)
        case S_IFIFO:
            let own = open("/proc/self/fd/\(fd)", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if own >= 0 { return LogOutput(fd: own, mode: .write, ownsDescriptor: true, backlogLimit: backlogLimit) }
            let flags = fcntl(fd, F_GETFL)
            if flags >= 0 && flags & O_NONBLOCK != 0 {
                // Already non-blocking (e.g. set by our supervisor, which restores it when the cluster stops).
                return LogOutput(fd: fd, mode: .write, ownsDescriptor: false, backlogLimit: backlogLimit)
            }
            if flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 {
                return LogOutput(fd: fd, mode: .write, ownsDescriptor: false, originalFlags: flags, backlogLimit: backlogLimit)
            }
            return LogOutput(fd: fd, mode: .blocking, ownsDescriptor: false, backlogLimit: backlogLimit)
        default:
            return LogOutput(fd: fd, mode: .blocking, ownsDescriptor: false, backlogLimit: backlogLimit)
        }
    }

    /// Wraps a descriptor the logger opened itself (the log file); a FIFO is made non-blocking, as no one shares it.
    static func opened(_ fd: Int32, backlogLimit: Int = defaultBacklogLimit) -> LogOutput {
        if fileType(fd) == S_IFIFO {
            let flags = fcntl(fd, F_GETFL)
            if flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 {
                return LogOutput(fd: fd, mode: .write, ownsDescriptor: true, backlogLimit: backlogLimit)
            }
        }
        return LogOutput(fd: fd, mode: .blocking, ownsDescriptor: true, backlogLimit: backlogLimit)
    }

    private static func fileType(_ fd: Int32) -> mode_t {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }

    /// Whether everything accepted has been written and no drop is pending a report.
    var isIdle: Bool { backlogStart == backlog.count && droppedLines == 0 }

    /// Writes whole lines now, keeps what the reader cannot take yet, or drops lines while the backlog is full.
    /// An empty `lines` just retries the backlog.
    func write(_ lines: UnsafeRawBufferPointer) {
        if mode == .blocking {
            writeAll(lines)
            return
        }
        if droppedLines > 0 {
            droppedLines += Self.lineCount(lines)
            return
        }
        guard drainBacklog() else {
            keep(lines, from: 0)
            return
        }
        guard let written = writeSome(lines) else { return }
        if written < lines.count { keep(lines, from: written) }
    }

    /// After lines were dropped: once the backlog has drained completely, returns how many were dropped and
    /// accepts lines again (the caller writes its notice first). Waiting for a full drain gives one notice per
    /// stall rather than one per flush.
    func resumeAfterDrop() -> Int? {
        guard droppedLines > 0, drainBacklog() else { return nil }
        defer { droppedLines = 0 }
        return droppedLines
    }

    /// Waits up to `milliseconds` for the descriptor to take more bytes; false on timeout.
    func waitUntilWritable(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        while true {
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    /// Writes as much of the backlog as the reader takes; true when it is empty.
    private func drainBacklog() -> Bool {
        guard backlogStart < backlog.count else { return true }
        let written = backlog.withUnsafeBytes { writeSome(UnsafeRawBufferPointer(rebasing: $0[backlogStart...])) }
        guard let written else {
            // The reader is gone (EPIPE and the like): nothing queued can be delivered any more.
            backlog = []
            backlogStart = 0
            return true
        }
        backlogStart += written
        if backlogStart == backlog.count {
            backlog = []  // a stall is rare: give the memory back
            backlogStart = 0
            return true
        }
        if backlogStart >= backlog.count / 2 {
            backlog.removeSubrange(..<backlogStart)
            backlogStart = 0
        }
        return false
    }

    /// Queues `lines[offset...]`: whole lines while they fit the limit, dropping (and counting) the rest in order.
    private func keep(_ lines: UnsafeRawBufferPointer, from offset: Int) {
        var start = offset
        if start > 0 && lines[start - 1] != 0x0A {
            // The rest of a line partly written must follow it whatever the limit, or the reader gets half a line.
            var end = start
            while end < lines.count && lines[end] != 0x0A { end += 1 }
            end = min(end + 1, lines.count)
            backlog.append(contentsOf: UnsafeRawBufferPointer(rebasing: lines[start..<end]))
            start = end
        }
        guard start < lines.count else { return }
        let room = max(0, backlogLimit - (backlog.count - backlogStart))
        var cut = lines.count
        if lines.count - start > room {
            // Cut after the last line that fits.
            cut = start + room
            while cut > start && lines[cut - 1] != 0x0A { cut -= 1 }
            droppedLines += Self.lineCount(UnsafeRawBufferPointer(rebasing: lines[cut...]))
        }
        backlog.append(contentsOf: UnsafeRawBufferPointer(rebasing: lines[start..<cut]))
    }

    /// Writes what the descriptor takes without waiting; the count written, or nil after a hard error.
    private func writeSome(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        while offset < bytes.count {
            let pointer = bytes.baseAddress! + offset
            let n = mode == .send
                ? send(fd, pointer, bytes.count - offset, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
                : Glibc.write(fd, pointer, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n == 0 || errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                return nil
            }
        }
        return offset
    }

    /// Writes everything, waiting as long as it takes (regular files and terminals); errors drop the rest.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    /// Number of lines in `bytes` (a last line without its newline counts too).
    private static func lineCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let last = bytes.last else { return 0 }
        var count = 0
        for byte in bytes where byte == 0x0A { count += 1 }
        return last == 0x0A ? count : count + 1
    }
}
