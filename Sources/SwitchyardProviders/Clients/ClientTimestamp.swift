import Glibc

/// Wall-clock times in RFC 3339 (UTC), as Ollama writes `created_at` and `modified_at` (and the health
/// endpoints write `since` and `last_checked`).
package enum ClientTimestamp {
    /// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
    package static func rfc3339(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }

    /// The current time in RFC 3339.
    package static func now() -> String { rfc3339(Int(time(nil))) }

    /// Monotonic nanoseconds (durations in Ollama's replies).
    package static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    private static func pad(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
