import CLinux
import Glibc

/// A failed system call: the call's name and `errno`. The only error type of `SwitchyardIO`.
package struct IOError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Name of the failing call, e.g. `"accept4"`.
    package let call: String
    /// The `errno` value the call left behind.
    package let code: Int32

    package init(call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    package var description: String {
        "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// Outcome of a non-blocking call: either a value, or "try again when the fd is ready" (EAGAIN).
package enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

/// Runs a system call that returns -1 on failure, retrying `EINTR`; throws an ``IOError`` naming the call.
@inline(__always)
package func syscall<T: FixedWidthInteger>(_ name: StaticString, _ body: () -> T) throws(IOError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = sy_errno()
        if code == EINTR { continue }
        throw IOError(call: "\(name)", code: code)
    }
}

/// Like ``syscall(_:_:)`` but reports `EAGAIN`/`EWOULDBLOCK` as ``IOResult/wouldBlock`` instead of throwing.
@inline(__always)
package func nonBlockingSyscall<T: FixedWidthInteger>(_ name: StaticString, _ body: () -> T) throws(IOError) -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .processed(result) }
        let code = sy_errno()
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
        throw IOError(call: "\(name)", code: code)
    }
}
