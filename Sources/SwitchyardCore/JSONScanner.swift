/// Kind of a JSON value found by ``JSONScanner``.
package enum JSONValueKind: Sendable, Equatable {
    case string, number, object, array, `true`, `false`, null
}

/// One top-level member of a scanned object: its decoded key and where its value sits in the input.
package struct JSONMember: Sendable, Equatable {
    package var key: String
    /// Offset of the key's opening quote.
    package var keyStart: Int
    /// Offsets of the value: `valueStart..<valueEnd`.
    package var valueStart: Int
    package var valueEnd: Int
    package var kind: JSONValueKind
}

/// The top level of a validated JSON object.
package struct JSONObjectScan: Sendable {
    package var members: [JSONMember]

    /// The last member named `key` (duplicate keys: the last wins, as in most JSON parsers).
    package func member(_ key: String) -> JSONMember? {
        members.last { $0.key == key }
    }
}

/// Where and why a document is not valid JSON.
package struct JSONScanError: Error, Sendable, Equatable, CustomStringConvertible {
    package var offset: Int
    package var reason: String
    package var description: String { "\(reason) at byte \(offset)" }
}

/// A validating, allocation-light JSON scanner (RFC 8259). It checks the whole document but only records the
/// top-level members of an object, so the router can read `model` and `stream` and splice `model` without
/// building an object graph for every request.
package enum JSONScanner {
    /// Maximum nesting depth accepted.
    package static let maxDepth = 256

    /// Validates `bytes` as exactly one JSON object (surrounding whitespace allowed) and lists its members.
    package static func scanObject(_ bytes: UnsafeRawBufferPointer) -> Result<JSONObjectScan, JSONScanError> {
        var scanner = Scanner(bytes: bytes)
        do throws(JSONScanError) {
            scanner.skipWhitespace()
            guard scanner.peek() == 0x7B else { throw scanner.error("expected a JSON object") }
            let members = try scanner.object(depth: 1, record: true)
            scanner.skipWhitespace()
            if scanner.index != bytes.count { throw scanner.error("unexpected data after the JSON value") }
            return .success(JSONObjectScan(members: members))
        } catch {
            return .failure(error)
        }
    }

    /// Validates `bytes` as exactly one JSON value of any kind.
    package static func validate(_ bytes: UnsafeRawBufferPointer) -> Result<JSONValueKind, JSONScanError> {
        var scanner = Scanner(bytes: bytes)
        do throws(JSONScanError) {
            scanner.skipWhitespace()
            let kind = try scanner.value(depth: 0)
            scanner.skipWhitespace()
            if scanner.index != bytes.count { throw scanner.error("unexpected data after the JSON value") }
            return .success(kind)
        } catch {
            return .failure(error)
        }
    }

    /// Finds the value of the first top-level member named `key` whose value is a string, without validating the
    /// document: it stops as soon as the member is found (providers put `model` near the start of every reply and
    /// SSE event, so this reads tens of bytes instead of the whole body). Returns the value's range, quotes
    /// included, or nil when there is no such member or the input is not shaped like an object. Keys written
    /// with escapes are not matched.
    package static func firstTopLevelString(_ key: StaticString, in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        let n = bytes.count
        var i = 0
        @inline(__always) func skipSpace() {
            while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }
        /// Moves past a string starting at `i` (the opening quote); false if unterminated.
        @inline(__always) func skipString() -> Bool {
            i += 1
            while i < n {
                let c = bytes[i]
                if c == 0x22 { i += 1; return true }
                i += c == 0x5C ? 2 : 1
            }
            return false
        }
        skipSpace()
        guard i < n, bytes[i] == 0x7B else { return nil }
        i += 1
        let keyBytes = key.utf8Start
        let keyCount = key.utf8CodeUnitCount
        while true {
            skipSpace()
            guard i < n, bytes[i] == 0x22 else { return nil }
            let keyStart = i + 1
            guard skipString() else { return nil }
            let keyEnd = i - 1
            var matches = keyEnd - keyStart == keyCount
            if matches {
                for k in 0..<keyCount where bytes[keyStart + k] != keyBytes[k] { matches = false; break }
            }
            skipSpace()
            guard i < n, bytes[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            guard i < n else { return nil }
            let valueStart = i
            switch bytes[i] {
            case 0x22:
                guard skipString() else { return nil }
                if matches { return valueStart..<i }
            case 0x7B, 0x5B:
                // Skip a nested value by depth, minding strings.
                var depth = 0
                repeat {
                    guard i < n else { return nil }
                    let c = bytes[i]
                    if c == 0x22 {
                        guard skipString() else { return nil }
                        continue
                    }
                    if c == 0x7B || c == 0x5B { depth += 1 } else if c == 0x7D || c == 0x5D { depth -= 1 }
                    i += 1
                } while depth > 0
            default:
                while i < n, bytes[i] != 0x2C, bytes[i] != 0x7D { i += 1 }
            }
            skipSpace()
            guard i < n else { return nil }
            if bytes[i] == 0x2C { i += 1; continue }
            return nil
        }
    }

    /// Decodes the JSON string token at `range` (quotes included). Returns nil if it is not a valid string token.
    package static func decodeString(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        guard range.count >= 2, bytes[range.lowerBound] == 0x22, bytes[range.upperBound - 1] == 0x22 else { return nil }
        let inner = range.lowerBound + 1..<range.upperBound - 1
        var hasEscape = false
        for i in inner where bytes[i] == 0x5C { hasEscape = true; break }
        if !hasEscape {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[inner]), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var i = inner.lowerBound
        while i < inner.upperBound {
            let c = bytes[i]
            if c != 0x5C {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < inner.upperBound else { return nil }
            switch bytes[i] {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard let high = hex4(bytes, i + 1, inner.upperBound) else { return nil }
                i += 4
                var scalar = high
                if (0xD800..<0xDC00).contains(high), i + 6 < inner.upperBound, bytes[i + 1] == 0x5C, bytes[i + 2] == 0x75,
                   let low = hex4(bytes, i + 3, inner.upperBound), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: return nil
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex4(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt32? {
        guard start + 4 <= end else { return nil }
        var value: UInt32 = 0
        for i in start..<start + 4 {
            let c = bytes[i]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        func error(_ reason: String) -> JSONScanError { JSONScanError(offset: index, reason: reason) }

        @inline(__always) func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        @inline(__always) mutating func skipWhitespace() {
            while index < bytes.count {
                let c = bytes[index]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { index += 1 } else { return }
            }
        }

        mutating func value(depth: Int) throws(JSONScanError) -> JSONValueKind {
            guard let c = peek() else { throw error("unexpected end of input") }
            switch c {
            case 0x7B: _ = try object(depth: depth + 1, record: false); return .object
            case 0x5B: try array(depth: depth + 1); return .array
            case 0x22: try string(); return .string
            case 0x74: try literal("true"); return .true
            case 0x66: try literal("false"); return .false
            case 0x6E: try literal("null"); return .null
            case 0x2D, 0x30...0x39: try number(); return .number
            default: throw error("unexpected character")
            }
        }

        mutating func object(depth: Int, record: Bool) throws(JSONScanError) -> [JSONMember] {
            if depth > JSONScanner.maxDepth { throw error("nesting is too deep") }
            index += 1  // {
            var members: [JSONMember] = []
            skipWhitespace()
            if peek() == 0x7D { index += 1; return members }
            while true {
                skipWhitespace()
                guard peek() == 0x22 else { throw error("expected a string key") }
                let keyStart = index
                try string()
                let keyEnd = index
                skipWhitespace()
                guard peek() == 0x3A else { throw error("expected ':' after an object key") }
                index += 1
                skipWhitespace()
                let valueStart = index
                let kind = try value(depth: depth)
                if record {
                    let key = JSONScanner.decodeString(bytes, keyStart..<keyEnd) ?? ""
                    members.append(JSONMember(key: key, keyStart: keyStart, valueStart: valueStart, valueEnd: index, kind: kind))
                }
                skipWhitespace()
                guard let c = peek() else { throw error("unterminated object") }
                index += 1
                if c == 0x2C { continue }
                if c == 0x7D { return members }
                index -= 1
                throw error("expected ',' or '}' in an object")
            }
        }

        mutating func array(depth: Int) throws(JSONScanError) {
            if depth > JSONScanner.maxDepth { throw error("nesting is too deep") }
            index += 1  // [
            skipWhitespace()
            if peek() == 0x5D { index += 1; return }
            while true {
                skipWhitespace()
                _ = try value(depth: depth)
                skipWhitespace()
                guard let c = peek() else { throw error("unterminated array") }
                index += 1
                if c == 0x2C { continue }
                if c == 0x5D { return }
                index -= 1
                throw error("expected ',' or ']' in an array")
            }
        }

        mutating func string() throws(JSONScanError) {
            index += 1  // opening quote
            let count = bytes.count
            while index < count {
                // Fast path: plain printable ASCII, which is nearly all of a request.
                var c = bytes[index]
                while c >= 0x20 && c < 0x80 && c != 0x22 && c != 0x5C {
                    index += 1
                    if index == count { throw error("unterminated string") }
                    c = bytes[index]
                }
                switch c {
                case 0x22:
                    index += 1
                    return
                case 0x5C:
                    index += 1
                    guard let e = peek() else { throw error("unterminated string") }
                    switch e {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: index += 1
                    case 0x75:
                        guard index + 4 < bytes.count, JSONScanner.hex4(bytes, index + 1, bytes.count) != nil else { throw error("invalid \\u escape") }
                        index += 5
                    default: throw error("invalid escape sequence")
                    }
                case 0x00..<0x20:
                    throw error("control character in string")
                case 0x80...:
                    try utf8Sequence()
                default:
                    index += 1
                }
            }
            throw error("unterminated string")
        }

        /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
        mutating func utf8Sequence() throws(JSONScanError) {
            let lead = bytes[index]
            let count: Int
            var lowerBound: UInt8 = 0x80
            var upperBound: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: count = 1
            case 0xE0: count = 2; lowerBound = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: count = 2
            case 0xED: count = 2; upperBound = 0x9F
            case 0xF0: count = 3; lowerBound = 0x90
            case 0xF1...0xF3: count = 3
            case 0xF4: count = 3; upperBound = 0x8F
            default: throw error("invalid UTF-8")
            }
            guard index + count < bytes.count else { throw error("invalid UTF-8") }
            let second = bytes[index + 1]
            guard second >= lowerBound && second <= upperBound else { throw error("invalid UTF-8") }
            if count > 1 {
                for k in 2...count where bytes[index + k] & 0xC0 != 0x80 { throw error("invalid UTF-8") }
            }
            index += count + 1
        }

        mutating func literal(_ text: StaticString) throws(JSONScanError) {
            let n = text.utf8CodeUnitCount
            guard index + n <= bytes.count else { throw error("invalid literal") }
            let p = text.utf8Start
            for k in 0..<n where bytes[index + k] != p[k] { throw error("invalid literal") }
            index += n
        }

        mutating func number() throws(JSONScanError) {
            if peek() == 0x2D { index += 1 }
            guard let first = peek(), first >= 0x30 && first <= 0x39 else { throw error("invalid number") }
            index += 1
            if first != 0x30 { digits() }
            if peek() == 0x2E {
                index += 1
                guard digits() > 0 else { throw error("invalid number") }
            }
            if let e = peek(), e == 0x65 || e == 0x45 {
                index += 1
                if let s = peek(), s == 0x2B || s == 0x2D { index += 1 }
                guard digits() > 0 else { throw error("invalid number") }
            }
        }

        @discardableResult
        mutating func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            return index - start
        }
    }
}
