/// Something that can be one argument of a Redis command: its bytes go to the server as one bulk string.
///
/// `String` (UTF-8), `[UInt8]`, `Substring` and `Int` (decimal) conform, so `client.send(["INCRBY", key, "3"])`
/// and byte keys both work without building intermediate arrays.
package protocol RedisArgument {
    /// Appends the argument's bytes to `buffer`.
    func appendRedisBytes(to buffer: inout [UInt8])
}

extension String: RedisArgument {
    /// Appends the UTF-8 bytes.
    package func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
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
}

/// The bits of RESP (the Redis protocol) the client writes itself.
enum RESP {
    /// Appends `value` in decimal, with a leading `-` when negative.
    @inline(__always)
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var end = raw.count
            repeat {
                end -= 1
                raw[end] = UInt8(truncatingIfNeeded: 0x30 &+ magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            buffer.append(contentsOf: raw[end...])
            return raw.count - end
        }
        _ = count
    }

    /// Appends the command whose words are back to back in `words`, with their `lengths`, as a RESP array of
    /// bulk strings: `*<n>\r\n` then `$<length>\r\n<bytes>\r\n` per word.
    static func appendCommand(words: [UInt8], lengths: [Int], to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "*"))
        appendDecimal(lengths.count, to: &buffer)
        buffer.append(0x0D)
        buffer.append(0x0A)
        var offset = 0
        words.withUnsafeBufferPointer { bytes in
            for length in lengths {
                buffer.append(UInt8(ascii: "$"))
                appendDecimal(length, to: &buffer)
                buffer.append(0x0D)
                buffer.append(0x0A)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)]))
                buffer.append(0x0D)
                buffer.append(0x0A)
                offset += length
            }
        }
    }
}
