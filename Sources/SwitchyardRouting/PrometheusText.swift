/// A reader of the Prometheus text exposition format (version 0.0.4, and OpenMetrics' text, which adds `# EOF`),
/// for the few gauges a load-aware strategy needs: for each wanted metric name, the sum and the number of its
/// samples, whatever their labels.
///
/// Lines are `name[{labels}] value [timestamp]`; `#` starts a comment, `# HELP` or `# TYPE` line, all skipped.
/// Label values may hold `}`, `,`, `"` (escaped) or spaces, so the label set is scanned quote-aware. Values are
/// Go `ParseFloat` spellings (`1`, `2.5e3`, `NaN`, `+Inf`, `-Inf`); samples that are not finite are left out.
/// Anything malformed — a truncated page, a line of garbage, invalid UTF-8, a missing value — skips that line and
/// nothing else; the reader never traps and allocates only its answer.
package enum PrometheusText {
    /// One wanted metric's samples: their sum and how many there were (0: the page did not carry it).
    package struct Total: Sendable, Equatable {
        /// Sum of the finite sample values.
        package var sum: Double
        /// Number of finite samples summed.
        package var count: Int

        /// A total.
        package init(sum: Double = 0, count: Int = 0) {
            self.sum = sum
            self.count = count
        }

        /// The mean sample value, nil when there was none.
        package var mean: Double? { count > 0 ? sum / Double(count) : nil }
    }

    /// The totals of `names` (index for index) in the exposition `text`.
    package static func totals(_ text: [UInt8], names: [String]) -> [Total] {
        let wanted = names.map { Array($0.utf8) }
        var totals = [Total](repeating: Total(), count: names.count)
        text.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                if let (index, value) = sample(bytes, start, end, wanted) {
                    totals[index].sum += value
                    totals[index].count += 1
                }
                start = end + 1
            }
        }
        return totals
    }

    /// The wanted-name index and value of the sample on the line `bytes[start..<end]`, or nil.
    private static func sample(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ wanted: [[UInt8]]) -> (Int, Double)? {
        var i = start
        while i < end && isBlank(bytes[i]) { i += 1 }
        guard i < end, bytes[i] != UInt8(ascii: "#") else { return nil }
        let nameStart = i
        while i < end && isNameByte(bytes[i]) { i += 1 }
        guard i > nameStart, !isDigit(bytes[nameStart]) else { return nil }
        guard let index = wanted.firstIndex(where: { equal(bytes, nameStart, i, $0) }) else { return nil }
        while i < end && isBlank(bytes[i]) { i += 1 }
        if i < end && bytes[i] == UInt8(ascii: "{") {
            guard let closed = labelSetEnd(bytes, i + 1, end) else { return nil }
            i = closed + 1
            while i < end && isBlank(bytes[i]) { i += 1 }
        }
        let valueStart = i
        while i < end && !isBlank(bytes[i]) { i += 1 }
        guard let value = number(bytes, valueStart, i), value.isFinite else { return nil }
        // The rest (an optional timestamp) is not needed; a line with more than a timestamp after it is garbage.
        while i < end && isBlank(bytes[i]) { i += 1 }
        let stampStart = i
        while i < end && !isBlank(bytes[i]) { i += 1 }
        if i > stampStart, number(bytes, stampStart, i) == nil { return nil }
        while i < end && isBlank(bytes[i]) { i += 1 }
        return i == end ? (index, value) : nil
    }

    /// The index of the `}` that closes a label set whose contents start at `from`, skipping quoted values
    /// (with `\"`, `\\` and `\n` escapes); nil when the line ends first.
    private static func labelSetEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        var i = from
        var quoted = false
        while i < end {
            let byte = bytes[i]
            if quoted {
                if byte == UInt8(ascii: "\\") {
                    i += 1
                } else if byte == UInt8(ascii: "\"") {
                    quoted = false
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: "}") {
                return i
            }
            i += 1
        }
        return nil
    }

    /// A Go `ParseFloat` number (`NaN`, `+Inf`, `-Inf` and `Inf` included), or nil. Only ASCII digits, signs,
    /// `.`, `e`/`E` and the words above are accepted, so hexadecimal or other spellings count as garbage.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let count = end - start
        guard count > 0, count <= 64 else { return nil }
        var text = ""
        text.reserveCapacity(count)
        for i in start..<end {
            let byte = bytes[i]
            guard isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || isLetter(byte) else { return nil }
            text.unicodeScalars.append(Unicode.Scalar(byte))
        }
        switch text.lowercased() {
        case "nan": return .nan
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        default:
            guard text.utf8.allSatisfy({ !isLetter($0) || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) else { return nil }
            return Double(text)
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ name: [UInt8]) -> Bool {
        guard end - start == name.count else { return false }
        for offset in 0..<name.count where bytes[start + offset] != name[offset] { return false }
        return true
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    /// `[a-zA-Z0-9_:]`, the bytes of a metric name.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
    }
}
