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
/// and optionally a file. Lines are buffered and written once per event-loop iteration (``flush()``), so a
/// request costs no extra system call. Not thread-safe: one per process, used on the loop thread.
package final class Logger {
    package var level: LogLevel
    package let format: LogFormat
    private let fileName: String?
    private var fileFD: Int32 = -1
    private var buffer: [UInt8] = []
    private var baseFields: [(String, LogValue)]
    private var cachedSecond = -1
    private var cachedStamp: [UInt8] = []

    /// `fields` are added to every line (e.g. `worker.id`).
    package init(level: LogLevel, format: LogFormat, fileName: String? = nil, fields: [(String, LogValue)] = []) {
        self.level = level
        self.format = format
        self.fileName = fileName
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
        if level >= .warning || buffer.count > 60 * 1024 { flush() }
    }

    /// Writes buffered lines to stderr and the log file.
    package func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            writeAll(2, raw)
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

    private func timestamp() -> [UInt8] {
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
        var stamp = cachedStamp
        let millis = Int(ts.tv_nsec) / 1_000_000
        stamp.append(0x2E)
        stamp.append(UInt8(0x30 + millis / 100))
        stamp.append(UInt8(0x30 + (millis / 10) % 10))
        stamp.append(UInt8(0x30 + millis % 10))
        stamp.append(0x5A)
        return stamp
    }

    private func appendPlain(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        buffer.append(contentsOf: timestamp())
        buffer.append(0x20)
        buffer.append(contentsOf: level.rawValue.uppercased().utf8)
        buffer.append(0x20)
        buffer.append(contentsOf: message.utf8)
        for (key, value) in fields { appendPlainField(key, value) }
        for (key, value) in baseFields { appendPlainField(key, value) }
        buffer.append(0x0A)
    }

    private func appendPlainField(_ key: String, _ value: LogValue) {
        buffer.append(0x20)
        buffer.append(contentsOf: key.utf8)
        buffer.append(0x3D)
        switch value {
        case .string(let s):
            if s.isEmpty || s.utf8.contains(where: { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D || $0 < 0x20 }) {
                JSONWriter.appendQuoted(s, to: &buffer)
            } else {
                buffer.append(contentsOf: s.utf8)
            }
        case .int(let i): buffer.append(contentsOf: String(i).utf8)
        case .double(let d): buffer.append(contentsOf: formatDouble(d).utf8)
        case .bool(let b): buffer.append(contentsOf: (b ? "true" : "false").utf8)
        }
    }

    private func appendJSON(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        buffer.append(contentsOf: "{\"ts\":\"".utf8)
        buffer.append(contentsOf: timestamp())
        buffer.append(contentsOf: "\",\"level\":\"\(level.rawValue)\",\"msg\":".utf8)
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
        case .int(let i): buffer.append(contentsOf: String(i).utf8)
        case .double(let d): buffer.append(contentsOf: (d.isFinite ? formatDouble(d) : "null").utf8)
        case .bool(let b): buffer.append(contentsOf: (b ? "true" : "false").utf8)
        }
    }

    /// Three decimals, enough for millisecond durations.
    private func formatDouble(_ d: Double) -> String {
        let scaled = (d * 1000).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else { return "\(d)" }
        let whole = Int(scaled) / 1000
        let frac = abs(Int(scaled) % 1000)
        let sign = scaled < 0 && whole == 0 ? "-" : ""
        let f = String(frac)
        return "\(sign)\(whole).\(String(repeating: "0", count: 3 - f.count))\(f)"
    }
}
