import Foundation

/// A parsed JSON document, for asserting on response and upstream bodies independently of the product's codec.
package enum TestJSON: Sendable, Equatable, Decodable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// Any number (JSON does not distinguish integers).
    case number(Double)
    /// A string, unescaped.
    case string(String)
    /// An array.
    case array([TestJSON])
    /// An object; member order is not kept.
    case object([String: TestJSON])

    /// Parses `bytes` (any JSON value, including fragments).
    package init(parsing bytes: some Sequence<UInt8>) throws {
        self = try JSONDecoder().decode(TestJSON.self, from: Data(bytes))
    }

    /// Parses `text`.
    package init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    /// Decodes any JSON value; booleans are tried before numbers so `true` never becomes 1.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([TestJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: TestJSON].self))
        }
    }

    /// The member `key` of an object, or nil (also for non-objects).
    package subscript(key: String) -> TestJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The element at `index` of an array, or nil.
    package subscript(index: Int) -> TestJSON? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// The string value, or nil.
    package var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The numeric value, or nil.
    package var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The numeric value as an integer, or nil.
    package var int: Int? { number.map { Int($0) } }

    /// The elements of an array, or nil.
    package var array: [TestJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members of an object, or nil.
    package var object: [String: TestJSON]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is JSON null.
    package var isNull: Bool { self == .null }

    /// Compact JSON text with sorted keys (for messages; not byte-identical to any producer).
    package var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .string(let value): Self.quote(value)
        case .array(let elements): "[" + elements.map(\.description).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.keys.sorted().map { Self.quote($0) + ":" + members[$0]!.description }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        let data = try? JSONEncoder().encode(text)
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\(text)\""
    }
}
