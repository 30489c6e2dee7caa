/// Something that can be one argument of a Redis command: its bytes go to the server as one bulk string.
///
/// `String` (UTF-8), `[UInt8]`, `Substring` and `Int` (decimal) conform, so `client.send(["INCRBY", key, "3"])`
/// and byte keys both work without building intermediate arrays.
package protocol RedisArgument {
    /// Appends the argument's bytes to `buffer`.
    func appendRedisBytes(to buffer: inout [UInt8])
    /// Appends the argument as a RESP bulk string (`$<length>\r\n<bytes>\r\n`).
    func appendBulkString(to buffer: inout [UInt8])
}

extension RedisArgument {
    package func appendBulkString(to buffer: inout [UInt8]) {
        var bytes: [UInt8] = []
        appendRedisBytes(to: &bytes)
        RESP.appendBulk(bytes, to: &buffer)
    }
}

extension String: RedisArgument {
    /// Appends the UTF-8 bytes.
    package func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }

    package func appendBulkString(to buffer: inout [UInt8]) {
        var text = self
        text.withUTF8 { bytes in RESP.appendBulk(bytes, to: &buffer) }
    }
}

extension Substring: RedisArgument {
    /// Appends the UTF-8 bytes.
    package func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Array: RedisArgument where Element == UInt8 {
    /// Appends the bytes as they are.
    package func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: self) }
}

extension Int: RedisArgument {
    /// Appends the decimal digits (without building a String).
    package func appendRedisBytes(to buffer: inout [UInt8]) { RESP.appendDecimal(self, to: &buffer) }

    package func appendBulkString(to buffer: inout [UInt8]) {
        // `$<digit count>\r\n<digits>\r\n`, the digits' count known before they are written.
        buffer.append(UInt8(ascii: "$"))
        RESP.appendDecimal((self < 0 ? 1 : 0) + RESP.digitCount(magnitude), to: &buffer)
        buffer.append(0x0D)
        buffer.append(0x0A)
        RESP.appendDecimal(self, to: &buffer)
        buffer.append(0x0D)
        buffer.append(0x0A)
    }
}

/// The bits of RESP (the Redis protocol) the client writes itself.
enum RESP {
    /// Appends `value` in decimal, with a leading `-` when negative.
    @inline(__always)
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value >= 0 && value < 10 {
            buffer.append(UInt8(truncatingIfNeeded: 0x30 &+ value))
            return
        }
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            let scratch = raw.bindMemory(to: UInt8.self)
            let end = writeDigits(value.magnitude, endingAt: scratch.count, in: scratch.baseAddress!)
            buffer.append(contentsOf: UnsafeBufferPointer(start: scratch.baseAddress! + end, count: scratch.count - end))
        }
    }

    /// Writes the decimal digits of `value` so that they end just before `end` in `out`; returns where they start.
    @inline(__always)
    private static func writeDigits(_ value: UInt, endingAt end: Int, in out: UnsafeMutablePointer<UInt8>) -> Int {
        var magnitude = value
        var at = end
        repeat {
            at -= 1
            out[at] = UInt8(truncatingIfNeeded: 0x30 &+ magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        return at
    }

    /// The number of decimal digits of `value`.
    @inline(__always)
    static func digitCount<Value: UnsignedInteger>(_ value: Value) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// Writes the command whose words are back to back in `words`, with their `lengths`, as a RESP array of bulk
    /// strings (`*<n>\r\n` then `$<length>\r\n<bytes>\r\n` per word) at the start of `buffer`, which grows when
    /// needed and is otherwise reused as it is; returns the command's length.
    static func writeCommand(words: [UInt8], lengths: [Int], into buffer: inout [UInt8]) -> Int {
        var total = 3 + digitCount(UInt(lengths.count))
        for length in lengths { total += 5 + digitCount(UInt(length)) + length }
        if buffer.count < total { buffer.append(contentsOf: repeatElement(0, count: total - buffer.count)) }
        buffer.withUnsafeMutableBufferPointer { out in
            words.withUnsafeBufferPointer { source in
                let base = out.baseAddress!
                var at = 0
                func header(_ marker: UInt8, _ value: Int) {
                    base[at] = marker
                    at += 1
                    let digits = digitCount(UInt(value))
                    _ = writeDigits(UInt(value), endingAt: at + digits, in: base)
                    at += digits
                    base[at] = 0x0D
                    base[at + 1] = 0x0A
                    at += 2
                }
                header(UInt8(ascii: "*"), lengths.count)
                var offset = 0
                for length in lengths {
                    header(UInt8(ascii: "$"), length)
                    if length > 0 { (base + at).update(from: source.baseAddress! + offset, count: length) }
                    at += length
                    offset += length
                    base[at] = 0x0D
                    base[at + 1] = 0x0A
                    at += 2
                }
            }
        }
        return total
    }

    /// Appends `bytes` as a bulk string.
    @inline(__always)
    static func appendBulk<Bytes: Collection>(_ bytes: Bytes, to buffer: inout [UInt8]) where Bytes.Element == UInt8 {
        buffer.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count, to: &buffer)
        buffer.append(0x0D)
        buffer.append(0x0A)
        buffer.append(contentsOf: bytes)
        buffer.append(0x0D)
        buffer.append(0x0A)
    }

    /// Appends the command as ``writeCommand(words:lengths:into:)`` writes it (tests).
    static func appendCommand(words: [UInt8], lengths: [Int], to buffer: inout [UInt8]) {
        var scratch: [UInt8] = []
        let count = writeCommand(words: words, lengths: lengths, into: &scratch)
        buffer.append(contentsOf: scratch[..<count])
    }
}
