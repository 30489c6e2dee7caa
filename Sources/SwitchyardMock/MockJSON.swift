import SwitchyardCore

/// JSON helpers: escaping for the hot path (replies are built from string templates, never from a value tree
/// per token), plus lenient readers for request values parsed with ``JSONValue``.
enum MockJSON {
    /// Appends `string` as a quoted JSON string (RFC 8259 §7: escape `"`, `\` and control characters).
    static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        JSONWriter.appendQuoted(string, to: &out)
    }

    /// `string` as a quoted JSON string.
    static func quote(_ string: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count + 2)
        appendQuoted(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The body parsed as a JSON object, or nil if it is not one.
    static func object(_ body: [UInt8]) -> JSONValue.Object? {
        guard !body.isEmpty else { return nil }
        return JSONValue.parse(body)?.object
    }

    /// The body parsed as any JSON value (for echoing it back), or nil.
    static func value(_ body: [UInt8]) -> JSONValue? {
        guard !body.isEmpty else { return nil }
        return JSONValue.parse(body)
    }

    /// An integer from a JSON number (truncated), a boolean (1 or 0) or a numeric string.
    static func int(_ value: JSONValue?) -> Int? {
        double(value).flatMap(int)
    }

    /// An integer from a numeric string (truncated), such as an `X-Mock-*` header value.
    static func int(_ text: String) -> Int? {
        double(text).flatMap(int)
    }

    /// A finite number from a JSON number, a boolean (1 or 0, as `NSNumber` used to give) or a numeric string.
    static func double(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(_, let number)?: number.isFinite ? number : nil
        case .bool(let flag)?: flag ? 1 : 0
        case .string(let text)?: double(text)
        default: nil
        }
    }

    /// A finite number from a numeric string, ignoring surrounding spaces and tabs.
    static func double(_ text: String) -> Double? {
        guard let number = Double(trimmingSpaces(text)), number.isFinite else { return nil }
        return number
    }

    /// A boolean from JSON `true`/`false`, a number (non-zero is true), or `"true"`/`"1"`/`"yes"`/`"on"` and
    /// their negatives.
    static func bool(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: flag
        case .number(_, let number)?: number != 0
        case .string(let text)?: bool(text)
        default: nil
        }
    }

    /// A boolean from `"true"`/`"1"`/`"yes"`/`"on"` and their negatives (an empty string is false).
    static func bool(_ text: String) -> Bool? {
        switch trimmingSpaces(text).lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off", "": false
        default: nil
        }
    }

    /// A value as prompt text: strings as they are, numbers as written, anything else as compact JSON.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let text, _): text
        default: value.serialized
        }
    }

    private static func int(_ number: Double) -> Int? {
        number >= -1e15 && number <= 1e15 ? Int(number) : nil
    }

    /// `text` without leading and trailing horizontal whitespace: tab and the Unicode space separators (Zs),
    /// the set Foundation's `CharacterSet.whitespaces` names.
    private static func trimmingSpaces(_ text: String) -> Substring {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return Substring(scalars[first...last])
    }
}
