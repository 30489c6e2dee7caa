// Configuration files are read with ``JSONValue`` (a strict RFC 8259 reader that keeps object key order and
// reports duplicate keys); this file adapts it to problem reporting.

extension ModelsConfig {
    /// A parsed JSON value that keeps object members in file order.
    typealias JSON = JSONValue

    /// Parses `bytes` as one JSON document. Duplicate object keys are not syntax errors: they are reported
    /// through `duplicates` (with their path) and the first value is kept.
    static func parseJSON(
        _ bytes: [UInt8], duplicates: inout [ConfigProblem]
    ) throws(JSONSyntaxError) -> JSON {
        var found: [JSONValue.DuplicateKey] = []
        let value = try JSONValue.parse(bytes, duplicates: &found)
        for duplicate in found {
            duplicates.append(ConfigProblem(
                duplicate.path,
                "duplicate key \(ConfigProblem.Path.quoted(duplicate.key)) (line \(duplicate.line), column \(duplicate.column)); the first one is used"))
        }
        return value
    }
}

extension JSONValue {
    /// A word for error messages: "a list", "the number 5", "the string \"x\"", ….
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
