import CLinux
import Glibc

/// Delivers signals as ordinary loop events through `signalfd(2)`: handlers run on the loop thread, so they can
/// do real work instead of only setting flags. The signals must already be blocked (see ``blockSignals(_:)``).
package final class SignalWatcher: IOHandler {
    private let loop: EventLoop
    private let fd: Int32
    private let handler: (Int32) -> Void

    package init(loop: EventLoop, signals: [Int32], handler: @escaping (Int32) -> Void) throws(IOError) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
        fd = try syscall("signalfd") { signalfd(-1, &mask, Int32(SFD_NONBLOCK | SFD_CLOEXEC)) }
        self.loop = loop
        self.handler = handler
        try loop.register(fd, interest: IOInterest.readable, handler: self)
    }

    deinit {
        loop.unregister(fd)
        close(fd)
    }

    package func handleIO(events: UInt32) {
        var info = signalfd_siginfo()
        while read(fd, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            handler(Int32(info.ssi_signo))
        }
    }

    /// Blocks `signals` for the calling thread and every thread it creates later. Call first thing in `main`.
    package static func blockSignals(_ signals: [Int32]) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    /// Unblocks every signal (used in children before exec so they start with a clean mask).
    package static func unblockAll() {
        var mask = sigset_t()
        sigemptyset(&mask)
        pthread_sigmask(SIG_SETMASK, &mask, nil)
    }
}
