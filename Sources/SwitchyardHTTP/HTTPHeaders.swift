/// Header fields in arrival order with case-insensitive lookup (RFC 9110 §5.1).
package struct HTTPHeaders: Sendable, Sequence {
    package private(set) var fields: [(name: String, value: String)] = []

    package init() {}

    package init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Makes room for `count` fields without reallocating.
    package mutating func reserveCapacity(_ count: Int) {
        fields.reserveCapacity(count)
    }

    /// Appends a field (duplicates are kept).
    package mutating func add(name: String, value: String) {
        fields.append((name, value))
    }

    /// Replaces every field named `name` with one field.
    package mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name, value))
    }

    /// Removes every field named `name`.
    package mutating func remove(name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// The first value of `name`, if present.
    package subscript(_ name: String) -> String? {
        for field in fields where Self.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    /// Whether a field named `name` is present.
    package func contains(_ name: String) -> Bool { self[name] != nil }

    package var count: Int { fields.count }

    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// ASCII case-insensitive comparison (header names are ASCII tokens).
    package static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        // Lengths differ for most pairs; native strings know their UTF-8 count without scanning.
        if a.utf8.count != b.utf8.count { return false }
        var ia = a.utf8.makeIterator()
        var ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return true
            case let (x?, y?):
                if asciiLower(x) != asciiLower(y) { return false }
            default: return false
            }
        }
    }
}

/// Lower-cases an ASCII letter; other bytes are returned unchanged.
@inline(__always)
package func asciiLower(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
}
