import Glibc

/// What a server should do after `accept4` failed with an `errno` (other than `EAGAIN`, which means "no more").
package enum AcceptFailure: Equatable, Sendable {
    /// The failure concerned one connection only (it was aborted, refused by a firewall rule, or carried a pending
    /// network error): skip it and go on accepting.
    case retry
    /// The process or system is out of a resource (descriptors, buffers, memory), or the listener itself is
    /// unusable: stop accepting for a moment. The listener stays readable, so a level-triggered loop would spin.
    case pause

    /// Classifies the `errno` of a failed `accept4`.
    ///
    /// accept(2), "Error handling": Linux passes already-pending network errors of the new connection as the
    /// result of `accept`, and for TCP these (`ENETDOWN`, `EPROTO`, `ENOPROTOOPT`, `EHOSTDOWN`, `ENONET`,
    /// `EHOSTUNREACH`, `EOPNOTSUPP`, `ENETUNREACH`) should be treated like `EAGAIN` by retrying; `ECONNABORTED`
    /// (the client gave up while queued) and `EPERM` (a firewall rule forbids the connection) concern one
    /// connection too. `EMFILE`, `ENFILE`, `ENOBUFS` and `ENOMEM` are exhaustion. Anything else (`EBADF`,
    /// `EINVAL`, `ENOTSOCK`, …) means the listener is broken; retrying at once would spin, so it pauses as well.
    package static func classify(_ code: Int32) -> AcceptFailure {
        switch code {
        case ECONNABORTED, EPERM, EINTR, EAGAIN, EWOULDBLOCK,
             ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH,
             ETIMEDOUT, ECONNRESET, ECONNREFUSED:
            return .retry
        default:
            return .pause
        }
    }
}
