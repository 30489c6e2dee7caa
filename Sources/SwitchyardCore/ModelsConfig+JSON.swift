// A small strict JSON reader (RFC 8259) for configuration files.
//
// Why not JSONSerialization: on Linux it loses object key order (we want models in file order), silently keeps
// the last of two duplicate keys (a duplicated model name would vanish without a word), accepts trailing commas,
// reports syntax errors without a line, and bridges `true` and `1` to the same NSNumber. Configuration files
// are small and read once, so a simple recursive-descent reader is plenty.

extension ModelsConfig {
    /// A parsed JSON value that keeps object members in file order.
    enum JSON: Sendable {
        case null
        case bool(Bool)
        /// The number's source text (for exact integers) and its value as a Double.
        case number(text: String, value: Double)
        case string(String)
        case array([JSON])
        case object(Object)

        /// A JSON object: members in file order plus an index for lookups.
        struct Object: Sendable {
            private(set) var members: [(key: String, value: JSON)] = []
            private var index: [String: Int] = [:]

            /// The value for `key`, or nil when absent.
            subscript(key: String) -> JSON? {
                index[key].map { members[$0].value }
            }

            /// Whether the object has `key` (with any value, null included).
            func has(_ key: String) -> Bool { index[key] != nil }

            /// Adds a member; returns false (keeping the first value) when the key is already present.
            mutating func append(_ key: String, _ value: JSON) -> Bool {
                guard index[key] == nil else { return false }
                index[key] = members.count
                members.append((key, value))
                return true
            }
        }

        /// A word for error messages: "a string", "a number", ….
        var kindDescription: String {
            switch self {
            case .null: "null"
            case .bool(let b): b ? "true" : "false"
            case .number(let text, _): "the number \(text)"
            case .string(let s): "the string \(ConfigProblem.Path.quoted(s))"
            case .array: "a list"
            case .object: "an object"
            }
        }
    }

    /// A syntax error: what went wrong and where (1-based line and column, 0-based byte offset).
    struct JSONSyntaxError: Error, Sendable {
        var message: String
        var offset: Int
        var line: Int
        var column: Int
    }

    /// Parses `bytes` as one JSON document. Duplicate object keys are not syntax errors: they are reported
    /// through `duplicates` (with their path) and the first value is kept.
    static func parseJSON(
        _ bytes: [UInt8], duplicates: inout [ConfigProblem]
    ) throws(JSONSyntaxError) -> JSON {
        var reader = JSONReader(bytes: bytes)
        let value = try reader.readDocument()
        duplicates.append(contentsOf: reader.duplicates)
        return value
    }
}

/// Recursive-descent reader over UTF-8 bytes.
private struct JSONReader {
    let bytes: [UInt8]
    var position = 0
    var depth = 0
    var duplicates: [ConfigProblem] = []
    /// Deep enough for any sane configuration, shallow enough never to exhaust the stack.
    static let maxDepth = 256

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // Tolerate a UTF-8 byte order mark, as editors on some systems write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    mutating func readDocument() throws(ModelsConfig.JSONSyntaxError) -> ModelsConfig.JSON {
        skipWhitespace()
        if position == bytes.count { throw error("the file is empty; expected a JSON object") }
        let value = try readValue(path: .root)
        skipWhitespace()
        if position < bytes.count { throw error("unexpected \(describeCurrent()) after the end of the JSON document") }
        return value
    }

    // MARK: values

    mutating func readValue(path: ConfigProblem.Path) throws(ModelsConfig.JSONSyntaxError) -> ModelsConfig.JSON {
        guard position < bytes.count else { throw error("unexpected end of file; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try readObject(path: path)
        case UInt8(ascii: "["): return try readArray(path: path)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw error("unexpected \(describeCurrent()); expected a value")
        }
    }

    mutating func readObject(path: ConfigProblem.Path) throws(ModelsConfig.JSONSyntaxError) -> ModelsConfig.JSON {
        try enter()
        position += 1  // "{"
        var object = ModelsConfig.JSON.Object()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()); expected a quoted key")
            }
            let keyStart = position
            let key = try readString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw error("unexpected \(describeCurrent()); expected ':' after a key") }
            position += 1
            skipWhitespace()
            let value = try readValue(path: path.key(key))
            if !object.append(key, value) {
                let (line, column) = lineAndColumn(of: keyStart)
                duplicates.append(ConfigProblem(
                    path: path.key(key).description,
                    message: "duplicate key \(ConfigProblem.Path.quoted(key)) (line \(line), column \(column)); the first one is used"))
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(object)
            default: throw error("unexpected \(describeCurrent()); expected ',' or '}'")
            }
        }
    }

    mutating func readArray(path: ConfigProblem.Path) throws(ModelsConfig.JSONSyntaxError) -> ModelsConfig.JSON {
        try enter()
        position += 1  // "["
        var elements: [ModelsConfig.JSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(path: path.index(elements.count)))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            default: throw error("unexpected \(describeCurrent()); expected ',' or ']'")
            }
        }
    }

    mutating func readString() throws(ModelsConfig.JSONSyntaxError) -> String {
        let start = position
        position += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else {
                position = start
                throw error("unterminated string")
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    position = start
                    throw error("string is not valid UTF-8")
                }
                return string
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw error("unterminated string") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): utf8.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): utf8.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try readUnicodeEscape()
                    utf8.append(contentsOf: String(scalar).utf8)
                default:
                    position -= 2
                    throw error("invalid escape sequence in string")
                }
            case 0x00..<0x20:
                throw error("control character U+\(hex4(UInt16(byte))) must be escaped inside a string")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    /// Reads the hex digits after `\u`, combining a UTF-16 surrogate pair when present (RFC 8259 section 7).
    mutating func readUnicodeEscape() throws(ModelsConfig.JSONSyntaxError) -> Unicode.Scalar {
        let high = try readHex4()
        if (0xD800...0xDBFF).contains(high) {
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("unpaired UTF-16 surrogate in \\u escape") }
            position += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired UTF-16 surrogate in \\u escape") }
            let value = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(UInt32(high)) else { throw error("unpaired UTF-16 surrogate in \\u escape") }
        return scalar
    }

    mutating func readHex4() throws(ModelsConfig.JSONSyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw error("unexpected end of file in \\u escape") }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// Number grammar of RFC 8259 section 6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func readNumber() throws(ModelsConfig.JSONSyntaxError) -> ModelsConfig.JSON {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else if digitCount() == 0 {
            throw error("invalid number")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digitCount() > 0 else { throw error("invalid number: expected digits after '.'") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard digitCount() > 0 else { throw error("invalid number: expected digits in the exponent") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            position = start
            throw error("number \(text) is out of range")
        }
        return .number(text: text, value: value)
    }

    // MARK: helpers

    mutating func enter() throws(ModelsConfig.JSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    mutating func digitCount() -> Int {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position - start
    }

    mutating func expectWord(_ word: String) throws(ModelsConfig.JSONSyntaxError) {
        let count = word.utf8.count
        let matches = position + count <= bytes.count && bytes[position..<(position + count)].elementsEqual(word.utf8)
        guard matches else { throw error("unexpected \(describeCurrent()); expected a value") }
        position += count
    }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func describeCurrent() -> String {
        guard position < bytes.count else { return "end of file" }
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    func error(_ message: String) -> ModelsConfig.JSONSyntaxError {
        let (line, column) = lineAndColumn(of: position)
        return ModelsConfig.JSONSyntaxError(message: message, offset: position, line: line, column: column)
    }

    func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
