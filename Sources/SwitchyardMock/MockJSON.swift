import Foundation

/// JSON helpers: hand-rolled escaping for the hot path (replies are built from string templates, never with
/// per-token `JSONSerialization`), plus lenient readers for values parsed by `JSONSerialization`.
enum MockJSON {
    /// Appends `string` as a quoted JSON string (RFC 8259 §7: escape `"`, `\` and control characters).
    static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in string.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    /// `string` as a quoted JSON string.
    static func quote(_ string: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count + 2)
        appendQuoted(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The body parsed as a JSON object, or nil if it is not one.
    static func object(_ body: [UInt8]) -> [String: Any]? {
        guard !body.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// The body parsed as any JSON value (for echoing it back), or nil.
    static func value(_ body: [UInt8]) -> Any? {
        guard !body.isEmpty else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    /// Serializes a `JSONSerialization`-compatible value compactly with sorted keys.
    static func serialize(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) else {
            return "null"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// An integer from a JSON number (truncated) or a numeric string.
    static func int(_ value: Any?) -> Int? {
        if let number = double(value), number >= -1e15, number <= 1e15 { return Int(number) }
        return nil
    }

    /// A finite number from a JSON number or a numeric string.
    static func double(_ value: Any?) -> Double? {
        switch value {
        case let number as Int: return Double(number)
        case let number as Double: return number.isFinite ? number : nil
        case let number as NSNumber: return number.doubleValue.isFinite ? number.doubleValue : nil
        case let text as String:
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number.isFinite else { return nil }
            return number
        default: return nil
        }
    }

    /// A boolean from JSON `true`/`false`, a number, or `"true"`/`"1"`/`"yes"` and their negatives.
    static func bool(_ value: Any?) -> Bool? {
        switch value {
        case let flag as Bool: return flag
        case let number as NSNumber: return number.boolValue
        case let text as String:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// Whether a parsed value is JSON `null`.
    static func isNull(_ value: Any?) -> Bool {
        value is NSNull
    }
}
