import Glibc

/// Reads a provider's `Retry-After` (RFC 9110 §10.2.3): delay seconds, or an HTTP date (IMF-fixdate, the form
/// servers must send) converted to seconds from now.
enum RetryAfter {
    /// Longest pause honoured: a provider asking for more is still tried again after this.
    static let maxSeconds = 3600.0

    /// The pause `value` asks for, in seconds within 0...``maxSeconds``; nil when it is neither form.
    static func seconds(_ value: UnsafeRawBufferPointer, now: Int = time(nil)) -> Double? {
        seconds(String(decoding: value, as: UTF8.self), now: now)
    }

    /// The pause `text` asks for, in seconds within 0...``maxSeconds``; nil when it is neither form.
    static func seconds(_ text: String, now: Int = time(nil)) -> Double? {
        let trimmed = text.trimmingASCIIWhitespace()
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let value = Int(trimmed.prefix(9)) else { return nil }
            return min(Double(value), maxSeconds)
        }
        // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
        guard let at = imfFixdate(trimmed) else { return nil }
        return min(max(Double(at - now), 0), maxSeconds)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), nil when malformed.
    static func imfFixdate(_ text: String) -> Int? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[0].hasSuffix(","), fields[5] == "GMT",
              let day = Int(fields[1]), (1...31).contains(day),
              let monthIndex = months.firstIndex(where: { $0 == fields[2] }),
              let year = Int(fields[3]), year >= 1970
        else { return nil }
        let clock = fields[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        // Days from 1970-01-01 to the civil date (the proleptic Gregorian algorithm by Howard Hinnant).
        let month = monthIndex + 1
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }
}
