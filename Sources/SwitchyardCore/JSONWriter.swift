/// Appends JSON text to a byte array without building an object graph (for hot-path responses and logs).
package struct JSONWriter: Sendable {
    package var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends literal JSON text.
    @inline(__always)
    package mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends literal JSON text.
    package mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends a quoted, escaped JSON string (RFC 8259 §7).
    package mutating func string(_ value: String) {
        JSONWriter.appendQuoted(value, to: &bytes)
    }

    /// Appends an integer.
    package mutating func number(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends a number; non-finite values become `null` (JSON has no NaN).
    package mutating func number(_ value: Double) {
        if value.isFinite { bytes.append(contentsOf: "\(value)".utf8) } else { raw("null") }
    }

    /// Appends `true` or `false`.
    package mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// Appends `value` as a quoted JSON string to `out`.
    package static func appendQuoted(_ value: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in value.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    /// `value` as a quoted JSON string.
    package static func quoted(_ value: String) -> [UInt8] {
        var out: [UInt8] = []
        appendQuoted(value, to: &out)
        return out
    }
}
