// A small strict JSON reader (RFC 8259) that builds a value tree: configuration files and the mock upstream's
// request bodies. The router's hot path never builds a tree; it uses ``JSONScanner``.
//
// Why not Foundation's JSONSerialization: linking Foundation costs about 10 MB of resident memory per process;
// and on Linux JSONSerialization loses object key order (we want models in file order), silently keeps the last
// of two duplicate keys (a duplicated model name would vanish without a word), reports syntax errors without a
// line, and bridges `true` and `1` to the same NSNumber.

/// A parsed JSON value that keeps object members in document order and numbers as written.
package enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// The number's source text (for exact integers and faithful echoes) and its value as a Double.
    case number(text: String, value: Double)
    case string(String)
    case array([JSONValue])
    case object(Object)

    /// A JSON object: members in document order plus an index for lookups. Keys are unique.
    package struct Object: Sendable {
        /// The members in document order.
        package private(set) var members: [(key: String, value: JSONValue)] = []
        private var index: [String: Int] = [:]

        /// An empty object.
        package init() {}

        /// The value for `key`, or nil when absent.
        package subscript(key: String) -> JSONValue? {
            index[key].map { members[$0].value }
        }

        /// Whether the object has `key` (with any value, null included).
        package func has(_ key: String) -> Bool { index[key] != nil }

        /// Adds a member; returns false (keeping the first value) when the key is already present.
        @discardableResult
        package mutating func append(_ key: String, _ value: JSONValue) -> Bool {
            guard index[key] == nil else { return false }
            index[key] = members.count
            members.append((key, value))
            return true
        }
    }

    /// Where a duplicate object key was found while parsing (the first value is kept).
    package struct DuplicateKey: Sendable {
        /// Path of the duplicated member, e.g. `$.models["a/b"]`.
        package var path: ConfigProblem.Path
        /// The key.
        package var key: String
        /// 1-based line and column of the second occurrence's opening quote.
        package var line: Int
        package var column: Int
    }

    /// Parses `bytes` as one JSON document (any value, including a bare string or number); nil when it is not
    /// valid JSON. Of duplicate object keys the first is kept.
    package static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var reader = JSONValueReader(bytes: bytes, tracksDuplicates: false)
        return try? reader.readDocument()
    }

    /// Parses `bytes` as one JSON document. Duplicate object keys are not syntax errors: they are appended to
    /// `duplicates` (with their path) and the first value is kept.
    package static func parse(
        _ bytes: [UInt8], duplicates: inout [DuplicateKey]
    ) throws(JSONSyntaxError) -> JSONValue {
        var reader = JSONValueReader(bytes: bytes, tracksDuplicates: true)
        let value = try reader.readDocument()
        duplicates.append(contentsOf: reader.duplicates)
        return value
    }

    // MARK: reading

    /// The member `key` of an object; nil for a missing key or a non-object.
    package subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    package subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// The string, or nil for any other kind.
    package var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as a Double, or nil for any other kind.
    package var double: Double? {
        if case .number(_, let value) = self { return value }
        return nil
    }

    /// The number as an Int when it is integral and fits, or nil.
    package var int: Int? {
        guard case .number(let text, let value) = self else { return nil }
        if let exact = Int(text) { return exact }
        if value.rounded() == value, abs(value) < 9.0e15 { return Int(value) }
        return nil
    }

    /// The boolean, or nil for any other kind.
    package var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, or nil for any other kind.
    package var array: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The object, or nil for any other kind.
    package var object: Object? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// Whether this is JSON `null`.
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    // MARK: writing

    /// Appends the value as compact JSON: members in stored order, numbers as written, strings escaped as
    /// ``JSONWriter`` does.
    package func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.raw("null")
        case .bool(let value): writer.bool(value)
        case .number(let text, _): writer.raw(text)
        case .string(let value): writer.string(value)
        case .array(let elements):
            writer.raw("[")
            for (position, element) in elements.enumerated() {
                if position > 0 { writer.raw(",") }
                element.write(to: &writer)
            }
            writer.raw("]")
        case .object(let object):
            writer.raw("{")
            for (position, member) in object.members.enumerated() {
                if position > 0 { writer.raw(",") }
                writer.string(member.key)
                writer.raw(":")
                member.value.write(to: &writer)
            }
            writer.raw("}")
        }
    }

    /// The value as compact JSON text (see ``write(to:)``).
    package var serialized: String {
        var writer = JSONWriter()
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// A JSON syntax error: what went wrong and where (1-based line and column, 0-based byte offset).
package struct JSONSyntaxError: Error, Sendable {
    package var message: String
    package var offset: Int
    package var line: Int
    package var column: Int
}

/// Recursive-descent reader over UTF-8 bytes.
private struct JSONValueReader {
    /// One step of the path to the value being read; kept as a stack so paths are only rendered for duplicates.
    enum Step {
        case key(String)
        case index(Int)
    }

    let bytes: [UInt8]
    var position = 0
    var depth = 0
    let tracksDuplicates: Bool
    var steps: [Step] = []
    var duplicates: [JSONValue.DuplicateKey] = []
    /// Deep enough for any sane document, shallow enough never to exhaust the stack.
    static let maxDepth = 256

    init(bytes: [UInt8], tracksDuplicates: Bool) {
        self.bytes = bytes
        self.tracksDuplicates = tracksDuplicates
        // Tolerate a UTF-8 byte order mark, as editors on some systems write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    mutating func readDocument() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        if position == bytes.count { throw error("the file is empty; expected a JSON object") }
        let value = try readValue()
        skipWhitespace()
        if position < bytes.count { throw error("unexpected \(describeCurrent()) after the end of the JSON document") }
        return value
    }

    // MARK: values

    mutating func readValue() throws(JSONSyntaxError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of file; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw error("unexpected \(describeCurrent()); expected a value")
        }
    }

    mutating func readObject() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1  // "{"
        var object = JSONValue.Object()
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
            if tracksDuplicates { steps.append(.key(key)) }
            let value = try readValue()
            if tracksDuplicates { steps.removeLast() }
            if !object.append(key, value), tracksDuplicates {
                let (line, column) = lineAndColumn(of: keyStart)
                duplicates.append(JSONValue.DuplicateKey(path: currentPath().key(key), key: key, line: line, column: column))
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

    mutating func readArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1  // "["
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if tracksDuplicates { steps.append(.index(elements.count)) }
            elements.append(try readValue())
            if tracksDuplicates { steps.removeLast() }
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

    mutating func readString() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1  // opening quote
        // Fast path: no escapes, so the string is one slice of the input.
        var scan = position
        while scan < bytes.count {
            let byte = bytes[scan]
            if byte == UInt8(ascii: "\"") {
                guard let string = String(validating: bytes[position..<scan], as: UTF8.self) else {
                    position = start
                    throw error("string is not valid UTF-8")
                }
                position = scan + 1
                return string
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            scan += 1
        }
        var utf8: [UInt8] = Array(bytes[position..<scan])
        position = scan
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
    mutating func readUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
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

    mutating func readHex4() throws(JSONSyntaxError) -> UInt16 {
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
    mutating func readNumber() throws(JSONSyntaxError) -> JSONValue {
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

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    mutating func digitCount() -> Int {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position - start
    }

    mutating func expectWord(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        let matches = position + count <= bytes.count
            && UnsafeBufferPointer(start: word.utf8Start, count: count).elementsEqual(bytes[position..<(position + count)])
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

    /// The path of the container being read, rendered for a problem report.
    func currentPath() -> ConfigProblem.Path {
        var path = ConfigProblem.Path.root
        for step in steps {
            switch step {
            case .key(let key): path = path.key(key)
            case .index(let index): path = path.index(index)
            }
        }
        return path
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

    func error(_ message: String) -> JSONSyntaxError {
        let (line, column) = lineAndColumn(of: position)
        return JSONSyntaxError(message: message, offset: position, line: line, column: column)
    }

    func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
