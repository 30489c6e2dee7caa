import Glibc

/// Splits a byte stream fed in arbitrary pieces into lines (LF or CRLF endings; the CR is dropped). A line
/// longer than ``maxLine`` is an error: a broken provider must not grow the worker without bound.
package struct LineSplitter: Sendable {
    /// What a translating transcoder reports when a provider's line is over ``maxLine``.
    package static var overflowMessage: String { "the provider sent a stream line over \(maxLine) bytes" }
    /// Largest line held (a whole answer can arrive as one NDJSON line or SSE data line).
    package static let maxLine = 16 * 1024 * 1024
    private var partial: [UInt8] = []
    /// A line outgrew ``maxLine``; everything after is ignored.
    package private(set) var overflowed = false

    package init() {}

    /// Calls `line` for every line completed by `bytes`.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer) -> Void) {
        guard let base = bytes.baseAddress, !bytes.isEmpty, !overflowed else { return }
        var start = 0
        while start < bytes.count, let hit = memchr(base + start, 0x0A, bytes.count - start) {
            let lf = base.distance(to: UnsafeRawPointer(hit))
            if partial.isEmpty {
                Self.emit(UnsafeRawBufferPointer(rebasing: bytes[start..<lf]), line)
            } else {
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<lf]))
                partial.withUnsafeBytes { Self.emit($0, line) }
                partial.removeAll(keepingCapacity: partial.count <= 65536)
            }
            start = lf + 1
        }
        if start < bytes.count {
            if partial.count + bytes.count - start > Self.maxLine {
                overflowed = true
                partial = []
                return
            }
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// The end of the stream: an unterminated last line, if any.
    package mutating func finish(_ line: (UnsafeRawBufferPointer) -> Void) {
        guard !partial.isEmpty else { return }
        partial.withUnsafeBytes { Self.emit($0, line) }
        partial = []
    }

    private static func emit(_ bytes: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer) -> Void) {
        if let last = bytes.last, last == 0x0D {
            line(UnsafeRawBufferPointer(rebasing: bytes.dropLast()))
        } else {
            line(bytes)
        }
    }
}

/// Reads Server-Sent Events (WHATWG HTML §9.2.6) from a byte stream fed in arbitrary pieces: `event:` and
/// `data:` fields (data lines joined by LF), dispatched at each blank line. Comments and other fields are skipped.
package struct SSEReader: Sendable {
    /// One dispatched event.
    package struct Event: Sendable {
        package var name: String
        package var data: [UInt8]
    }

    private var lines = LineSplitter()
    private var name = ""
    private var data: [UInt8] = []
    private var hasData = false

    package init() {}

    /// A line outgrew the limit.
    package var overflowed: Bool { lines.overflowed }

    /// Calls `event` for every event completed by `bytes`.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, _ event: (Event) -> Void) {
        // The splitter is moved out while it runs, so `take` may change the rest of `self` (exclusive access).
        var splitter = lines
        lines = LineSplitter()
        splitter.feed(bytes) { line in
            if let done = take(line) { event(done) }
        }
        lines = splitter
    }

    /// The end of the stream: an event not followed by a blank line is still dispatched.
    package mutating func finish(_ event: (Event) -> Void) {
        var splitter = lines
        lines = LineSplitter()
        splitter.finish { line in
            if let done = take(line) { event(done) }
        }
        lines = splitter
        if let done = take(UnsafeRawBufferPointer(start: nil, count: 0)) { event(done) }
    }

    private mutating func take(_ line: UnsafeRawBufferPointer) -> Event? {
        if line.isEmpty {
            defer { name = ""; data = []; hasData = false }
            return hasData ? Event(name: name, data: data) : nil
        }
        if line[0] == 0x3A { return nil }  // comment
        var colon = line.count
        for i in 0..<line.count where line[i] == 0x3A { colon = i; break }
        let field = UnsafeRawBufferPointer(rebasing: line[..<colon])
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == 0x20 { valueStart += 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart...])
        if field.elementsEqual("data".utf8) {
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            name = String(decoding: value, as: UTF8.self)
        }
        return nil
    }
}
