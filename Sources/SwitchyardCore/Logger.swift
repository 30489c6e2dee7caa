import Glibc

/// A structured log field value.
package enum LogValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .int(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// Structured logger with dotted keys (`worker.id`, `request.id`, `provider.id`), plain or JSON lines, to stderr
/// and optionally a file. Info and debug lines are buffered (flushed at 16 KiB, by the owner's periodic
/// ``flush()`` — every 200 ms in a worker — and on exit), so access logging costs no system call per request;
/// warnings and errors are written at once. Not thread-safe: one per process, used on the loop thread.
package final class Logger {
    package var level: LogLevel
    package let format: LogFormat
    private let fileName: String?
    private var fileFD: Int32 = -1
    private var buffer: [UInt8] = []
    private var baseFields: [(String, LogValue)]
    private var cachedSecond = -1
    private var cachedStamp: [UInt8] = []

    private let toStandardError: Bool

    /// `fields` are added to every line (e.g. `worker.id`). Lines go to standard error unless
    /// `toStandardError` is false, and to `fileName` when given.
    package init(level: LogLevel, format: LogFormat, fileName: String? = nil, fields: [(String, LogValue)] = [], toStandardError: Bool = true) {
        self.level = level
        self.format = format
        self.fileName = fileName
        self.toStandardError = toStandardError
        self.baseFields = fields
        buffer.reserveCapacity(64 * 1024)
        openFile()
    }

    deinit {
        flush()
        if fileFD >= 0 { close(fileFD) }
    }

    /// Adds a field to every following line.
    package func addBaseField(_ key: String, _ value: LogValue) {
        baseFields.removeAll { $0.0 == key }
        baseFields.append((key, value))
    }

    /// Whether lines of `level` are written.
    @inline(__always)
    package func enabled(_ level: LogLevel) -> Bool { level >= self.level }

    package func debug(_ message: String, _ fields: [(String, LogValue)] = []) { log(.debug, message, fields) }
    package func info(_ message: String, _ fields: [(String, LogValue)] = []) { log(.info, message, fields) }
    package func warning(_ message: String, _ fields: [(String, LogValue)] = []) { log(.warning, message, fields) }
    package func error(_ message: String, _ fields: [(String, LogValue)] = []) { log(.error, message, fields) }

    /// Formats one line into the buffer; warnings and errors are flushed at once.
    package func log(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        guard enabled(level) else { return }
        switch format {
        case .plain: appendPlain(level, message, fields)
        case .json: appendJSON(level, message, fields)
        }
        if level >= .warning || buffer.count > 16 * 1024 { flush() }
    }

    /// Writes buffered lines to stderr and the log file.
    package func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            if toStandardError { writeAll(2, raw) }
            if fileFD >= 0 { writeAll(fileFD, raw) }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Reopens the log file (after rotation, on SIGUSR1).
    package func reopen() {
        flush()
        if fileFD >= 0 { close(fileFD) }
        fileFD = -1
        openFile()
    }

    private func openFile() {
        guard let fileName, !fileName.isEmpty else { return }
        fileFD = open(fileName, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fileFD < 0 {
            let line = "switchyard: cannot open log file \(fileName): \(String(cString: strerror(errno)))\n"
            line.utf8CString.withUnsafeBytes { writeAll(2, UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        }
    }

    private func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }

    // MARK: formatting

    /// Appends an ISO 8601 UTC timestamp with milliseconds; the part up to the second is cached.
    private func appendTimestamp() {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let second = Int(ts.tv_sec)
        if second != cachedSecond {
            cachedSecond = second
            var t = time_t(second)
            var parts = tm()
            gmtime_r(&t, &parts)
            func pad(_ v: Int32, _ width: Int) -> String {
                let s = String(v)
                return String(repeating: "0", count: max(0, width - s.count)) + s
            }
            cachedStamp = Array("\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))".utf8)
        }
        buffer.append(contentsOf: cachedStamp)
        let millis = Int(ts.tv_nsec) / 1_000_000
        buffer.append(0x2E)
        buffer.append(UInt8(0x30 + millis / 100))
        buffer.append(UInt8(0x30 + (millis / 10) % 10))
        buffer.append(UInt8(0x30 + millis % 10))
        buffer.append(0x5A)
    }

    @inline(__always)
    private func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }

    /// Appends the decimal digits of `value` without building a String.
    private func appendInt(_ value: Int) {
        if value < 0 {
            buffer.append(0x2D)
            if value == Int.min { appendUTF8(String(value).dropFirst().description); return }
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var n = 0
            repeat {
                raw[23 - n] = UInt8(0x30 + magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            return n
        }
        withUnsafeBytes(of: &digits) { buffer.append(contentsOf: $0[(24 - count)...]) }
    }

    /// Appends `value` with three decimals (enough for millisecond durations).
    private func appendDouble(_ value: Double) {
        let scaled = (value * 1000).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else {
            appendUTF8("\(value)")
            return
        }
        let thousandths = Int(scaled)
        if thousandths < 0 { buffer.append(0x2D) }
        let magnitude = abs(thousandths)
        appendInt(magnitude / 1000)
        buffer.append(0x2E)
        let fraction = magnitude % 1000
        buffer.append(UInt8(0x30 + fraction / 100))
        buffer.append(UInt8(0x30 + (fraction / 10) % 10))
        buffer.append(UInt8(0x30 + fraction % 10))
    }

    private static let plainLevelNames: [LogLevel: [UInt8]] = Dictionary(uniqueKeysWithValues: LogLevel.allCases.map { ($0, Array($0.rawValue.uppercased().utf8)) })

    private func appendPlain(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        appendTimestamp()
        buffer.append(0x20)
        buffer.append(contentsOf: Self.plainLevelNames[level]!)
        buffer.append(0x20)
        appendUTF8(message)
        for (key, value) in fields { appendPlainField(key, value) }
        for (key, value) in baseFields { appendPlainField(key, value) }
        buffer.append(0x0A)
    }

    private func appendPlainField(_ key: String, _ value: LogValue) {
        buffer.append(0x20)
        appendUTF8(key)
        buffer.append(0x3D)
        switch value {
        case .string(let s):
            var text = s
            let plain = text.withUTF8 { bytes in
                !bytes.isEmpty && !bytes.contains { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D || $0 < 0x20 }
            }
            if plain { appendUTF8(text) } else { JSONWriter.appendQuoted(s, to: &buffer) }
        case .int(let i): appendInt(i)
        case .double(let d): appendDouble(d)
        case .bool(let b): appendUTF8(b ? "true" : "false")
        }
    }

    private func appendJSON(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        appendUTF8("{\"ts\":\"")
        appendTimestamp()
        appendUTF8("\",\"level\":\"")
        appendUTF8(level.rawValue)
        appendUTF8("\",\"msg\":")
        JSONWriter.appendQuoted(message, to: &buffer)
        for (key, value) in fields { appendJSONField(key, value) }
        for (key, value) in baseFields { appendJSONField(key, value) }
        buffer.append(contentsOf: "}\n".utf8)
    }

    private func appendJSONField(_ key: String, _ value: LogValue) {
        buffer.append(0x2C)
        JSONWriter.appendQuoted(key, to: &buffer)
        buffer.append(0x3A)
        switch value {
        case .string(let s): JSONWriter.appendQuoted(s, to: &buffer)
        case .int(let i): appendInt(i)
        case .double(let d): if d.isFinite { appendDouble(d) } else { appendUTF8("null") }
        case .bool(let b): appendUTF8(b ? "true" : "false")
        }
    }

}
