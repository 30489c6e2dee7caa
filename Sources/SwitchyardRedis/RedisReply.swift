import CHiredis

/// One RESP2 reply, copied out of hiredis' reply object (which hiredis frees when the callback returns).
package enum RedisReply: Sendable, Equatable {
    /// A bulk string: bytes, not necessarily UTF-8.
    case string([UInt8])
    /// An integer reply.
    case integer(Int64)
    /// An array reply (a script's table, `MGET`, …).
    case array([RedisReply])
    /// The null bulk string or null array (`GET` of a missing key, a script returning `false`).
    case null
    /// A simple string such as `OK` or `PONG`.
    case status(String)
    /// An error reply such as `NOSCRIPT No matching script…` or `WRONGTYPE …`; the first word is the error code.
    case error(String)

    /// Copies a hiredis reply (and its elements, recursively).
    init(_ reply: UnsafePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            self = .string(Self.bytes(value.str, value.len))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(value.elements))
            for index in 0..<Int(value.elements) {
                if let element = value.element[index] { elements.append(RedisReply(element)) } else { elements.append(.null) }
            }
            self = .array(elements)
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        default:  // REDIS_REPLY_NIL
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// The text of a bulk or simple string (bulk bytes decoded as UTF-8, invalid sequences repaired); nil otherwise.
    package var text: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// The value of an integer reply, or of a bulk string holding a decimal integer; nil otherwise.
    package var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .string(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    /// The message of an error reply; nil for every other reply.
    package var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// Whether this is the `NOSCRIPT` error of an `EVALSHA` whose script the server does not have.
    package var isNoScript: Bool {
        errorMessage?.hasPrefix("NOSCRIPT") ?? false
    }
}
