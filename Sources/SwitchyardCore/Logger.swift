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
///
/// Writing never blocks the loop on a slow reader: when standard error (or the log file) is a pipe, FIFO or
/// socket that is full, lines wait in a bounded backlog (1 MiB) retried by every flush; beyond that whole lines
/// are dropped, and once the output has drained a warning "N log lines dropped (log output was blocked)" comes
/// first. ``LogOutput`` explains how each kind of descriptor is made non-blocking. Regular files are written
/// with ordinary blocking writes; ``flushBeforeExit(timeout:)`` waits a bounded time for a blocked output.
package final class Logger {
    package var level: LogLevel
    package let format: LogFormat
    private let fileName: String?
    private var file: LogOutput?
    private let standardError: LogOutput?
    private let backlogLimit: Int
    private var buffer: [UInt8] = []
    private var baseFields: [(String, LogValue)]
    private var cachedSecond = -1
    private var cachedStamp: [UInt8] = []

    /// `fields` are added to every line (e.g. `worker.id`). Lines go to standard error unless
    /// `toStandardError` is false, and to `fileName` when given. `standardErrorFD` stands in for fd 2 (tests
    /// pass a pipe); `backlogLimit` bounds the bytes kept per output while it is blocked.
    package init(
        level: LogLevel, format: LogFormat, fileName: String? = nil, fields: [(String, LogValue)] = [],
        toStandardError: Bool = true, standardErrorFD: Int32 = STDERR_FILENO, backlogLimit: Int = 1 << 20
    ) {
        self.level = level
        self.format = format
        self.fileName = fileName
        self.standardError = toStandardError ? LogOutput.inherited(standardErrorFD, backlogLimit: backlogLimit) : nil
        self.baseFields = fields
        self.backlogLimit = backlogLimit
        buffer.reserveCapacity(64 * 1024)
        openFile()
    }

    deinit {
        flushBeforeExit()
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
        appendLine(level, message, fields)
        if level >= .warning || buffer.count > 16 * 1024 { flush() }
    }

    /// Hands buffered lines to stderr and the log file, and retries what a blocked output has not taken yet.
    /// Never waits for a pipe or socket reader.
    package func flush() {
        guard !buffer.isEmpty || !(standardError?.isIdle ?? true) || !(file?.isIdle ?? true) else { return }
        if let standardError { emit(to: standardError) }
        if let file { emit(to: file) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, then waits up to `timeout` seconds (in total) for blocked outputs to take their backlog and the
    /// dropped-lines notice. For exit paths; the deinitializer does it too.
    package func flushBeforeExit(timeout: Double = 1) {
        flush()
        let deadline = Self.monotonicMilliseconds() + Int64(timeout * 1000)
        for output in [standardError, file].compactMap({ $0 }) {
            while !output.isIdle {
                let remaining = deadline - Self.monotonicMilliseconds()
                guard remaining > 0, output.waitUntilWritable(milliseconds: Int32(clamping: remaining)) else { break }
                flush()
            }
        }
    }

    /// Reopens the log file (after rotation, on SIGUSR1).
    package func reopen() {
        flush()
        file = nil
        openFile()
    }

    /// Writes the buffer to `output`, preceded by the dropped-lines notice when the output has just drained.
    private func emit(to output: LogOutput) {
        let end = buffer.count
        guard let dropped = output.resumeAfterDrop() else {
            buffer.withUnsafeBytes { output.write($0) }
            return
        }
        // Formatted after the buffered lines (so they need not move), written before them.
        appendLine(.warning, "\(dropped) log lines dropped (log output was blocked)", [("log.dropped_lines", .int(dropped))])
        buffer.withUnsafeBytes { raw in
            output.write(UnsafeRawBufferPointer(rebasing: raw[end...]))
            output.write(UnsafeRawBufferPointer(rebasing: raw[..<end]))
        }
        buffer.removeSubrange(end...)
    }

    private func openFile() {
        guard let fileName, !fileName.isEmpty else { return }
        let fd = open(fileName, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd >= 0 {
            file = LogOutput.opened(fd, backlogLimit: backlogLimit)
            return
        }
        let line = "switchyard: cannot open log file \(fileName): \(String(cString: strerror(errno)))\n"
        if let standardError {
            line.utf8CString.withUnsafeBytes { standardError.write(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        } else {
            Console.error(line)
        }
    }

    private static func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
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

    private func appendLine(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        switch format {
        case .plain: appendPlain(level, message, fields)
        case .json: appendJSON(level, message, fields)
        }
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
