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
    /// Appends the decimal digits.
    package func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: String(self).utf8) }
}
