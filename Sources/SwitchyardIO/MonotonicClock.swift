import Glibc

/// Monotonic time in nanoseconds (`CLOCK_MONOTONIC`), for deadlines and durations.
package enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point; never goes backwards.
    @inline(__always)
    package static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Converts seconds to nanoseconds, saturating for huge or negative values.
    package static func nanoseconds(_ seconds: Double) -> UInt64 {
        if seconds <= 0 { return 0 }
        if seconds >= 1e9 { return UInt64.max / 2 }
        return UInt64(seconds * 1e9)
    }
}

/// Wall-clock time (`CLOCK_REALTIME`), for comparing with times another process stamped (a Redis `TIME`).
package enum WallClock {
    /// Microseconds since the Unix epoch.
    package static func microseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000 &+ UInt64(ts.tv_nsec) / 1_000
    }
}
