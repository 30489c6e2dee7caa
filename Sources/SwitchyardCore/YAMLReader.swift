import CYAML

/// Reads one YAML document into a ``JSONValue`` tree with libyaml's event parser, so that the configuration
/// readers of the JSON formats read YAML files unchanged (and report problems at the same JSON paths).
///
/// Scalars follow YAML 1.2's core schema when written plain: `null`/`~`/empty, `true`/`false`, integers and
/// floats get their types; quoted and block scalars, and plain scalars tagged `!!str`, stay strings. Anchors and
/// aliases work, as does the merge key `<<`. An alias shares its anchor's value (Swift's copy-on-write: no copy),
/// and every alias counts the nodes it stands for, so a document whose aliases would expand past
/// ``maxNodes`` (the "billion laughs" alias bomb) is refused after O(events) work and memory. Nesting is capped at
/// ``maxDepth``.
package enum YAMLReader {
    /// Most nodes a document may expand to, aliases counted by what they stand for.
    package static let maxNodes = 100_000
    /// Deepest nesting of mappings and sequences.
    package static let maxDepth = 64

    /// Parses the first document of `bytes`. Structural problems (syntax errors, alias bombs, complex keys, more
    /// than one document) make it return nil; duplicate keys are reported in `problems` and the first value is kept.
    package static func parse(_ bytes: [UInt8], problems: inout [ConfigProblem]) -> JSONValue? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            problems.append(ConfigProblem(.root, "cannot start the YAML parser (out of memory)"))
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> JSONValue? in
            // libyaml reads the input in place; an empty buffer still needs a valid pointer.
            var empty: UInt8 = 0
            let base = buffer.baseAddress ?? withUnsafePointer(to: &empty) { $0 }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            var builder = Builder()
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let line = parser.problem_mark.line + 1
                    let column = parser.problem_mark.column + 1
                    let what = parser.problem.map { String(cString: $0) } ?? "syntax error"
                    let context = parser.context.map { " \(String(cString: $0))" } ?? ""
                    problems.append(ConfigProblem(.root, "invalid YAML at line \(line), column \(column): \(what)\(context)"))
                    return nil
                }
                defer { yaml_event_delete(&event) }
                let outcome = builder.handle(&event)
                switch outcome {
                case .more: continue
                case .done: problems.append(contentsOf: builder.problems); return builder.root ?? .null
                case .failed(let problem):
                    problems.append(contentsOf: builder.problems)
                    problems.append(problem)
                    return nil
                }
            }
        }
    }

    /// Whether `bytes` look like YAML rather than JSON: the first byte that is not whitespace (after a UTF-8 byte
    /// order mark) is neither `{` nor `[`.
    package static func looksLikeYAML(_ bytes: [UInt8]) -> Bool {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        for byte in bytes[start...] {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): return false
            default: return true
            }
        }
        return false
    }

    /// Builds the tree from events, counting expanded nodes.
    private struct Builder {
        enum Outcome { case more, done, failed(ConfigProblem) }

        /// A mapping or sequence under construction.
        struct Frame {
            var isMapping: Bool
            var object = JSONValue.Object()
            var items: [JSONValue] = []
            var anchor: String?
            var path: ConfigProblem.Path
            /// Nodes in this subtree so far (itself included).
            var nodes = 1
            /// The key whose value comes next (mappings); nil when the next scalar is a key.
            var pendingKey: String?
            /// The pending value belongs to a key that cannot be used (reported): drop it.
            var dropNext = false
            /// Keys that came from `<<` merges, which explicit keys may override.
            var merged: Set<String> = []
        }

        var stack: [Frame] = []
        var anchors: [String: (value: JSONValue, nodes: Int)] = [:]
        var root: JSONValue?
        var total = 0
        var documents = 0
        var problems: [ConfigProblem] = []

        mutating func handle(_ event: inout yaml_event_t) -> Outcome {
            let line = event.start_mark.line + 1
            switch event.type {
            case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT:
                return .more
            case YAML_STREAM_END_EVENT:
                return .done
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    return .failed(ConfigProblem(.root, "the file holds more than one YAML document (a second one starts at line \(line)); keep one"))
                }
                return .more
            case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                guard stack.count < YAMLReader.maxDepth else {
                    return .failed(ConfigProblem(.root, "YAML nested deeper than \(YAMLReader.maxDepth) levels at line \(line)"))
                }
                if let failure = count(1, line: line) { return failure }
                stack.append(Frame(isMapping: event.type == YAML_MAPPING_START_EVENT, anchor: Self.text(sy_yaml_anchor(&event)), path: childPath))
                return .more
            case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                let frame = stack.removeLast()
                let value: JSONValue = frame.isMapping ? .object(frame.object) : .array(frame.items)
                return attach(value, nodes: frame.nodes, anchor: frame.anchor, keyText: nil, line: line)
            case YAML_SCALAR_EVENT:
                if let failure = count(1, line: line) { return failure }
                let raw = String(decoding: UnsafeBufferPointer(start: sy_yaml_scalar_value(&event), count: sy_yaml_scalar_length(&event)), as: UTF8.self)
                let tag = Self.text(sy_yaml_tag(&event))
                let value = sy_yaml_scalar_is_plain(&event) == 1 && tag == nil ? Self.typed(raw) : Self.tagged(raw, tag: tag)
                return attach(value, nodes: 1, anchor: Self.text(sy_yaml_anchor(&event)), keyText: raw, line: line)
            case YAML_ALIAS_EVENT:
                let name = Self.text(sy_yaml_anchor(&event)) ?? ""
                guard let target = anchors[name] else {
                    return .failed(ConfigProblem(childPath, "unknown YAML alias *\(name) at line \(line)"))
                }
                if let failure = count(target.nodes, line: line) { return failure }
                let keyText: String? = if case .string(let text) = target.value { text } else { nil }
                return attach(target.value, nodes: target.nodes, anchor: nil, keyText: keyText, line: line, isAlias: true)
            default:
                return .more
            }
        }

        /// The path of the node that comes next.
        private var childPath: ConfigProblem.Path {
            guard let top = stack.last else { return .root }
            if top.isMapping { return top.pendingKey.map { top.path.key($0) } ?? top.path }
            return top.path.index(top.items.count)
        }

        /// Counts `nodes` more expanded nodes; a failure once past the limit.
        private mutating func count(_ nodes: Int, line: Int) -> Outcome? {
            total += nodes
            guard total <= YAMLReader.maxNodes else {
                return .failed(ConfigProblem(.root, "the YAML document expands to more than \(YAMLReader.maxNodes) nodes (at line \(line)); anchors and aliases this deep look like an alias bomb"))
            }
            return nil
        }

        /// Places a finished node: as the root, a sequence item, a mapping key or a mapping value.
        private mutating func attach(_ value: JSONValue, nodes: Int, anchor: String?, keyText: String?, line: Int, isAlias: Bool = false) -> Outcome {
            if let anchor { anchors[anchor] = (value, nodes) }
            guard !stack.isEmpty else {
                root = value
                return .more
            }
            let index = stack.count - 1
            stack[index].nodes += nodes
            if !stack[index].isMapping {
                stack[index].items.append(value)
                return .more
            }
            guard let key = stack[index].pendingKey else {
                // This node is a key.
                guard let keyText, !Self.isCollection(value) else {
                    problems.append(ConfigProblem(stack[index].path, "a mapping key at line \(line) is not a plain value (complex keys are not supported)"))
                    stack[index].pendingKey = ""
                    stack[index].dropNext = true
                    return .more
                }
                stack[index].pendingKey = keyText
                return .more
            }
            stack[index].pendingKey = nil
            if stack[index].dropNext {
                stack[index].dropNext = false
                return .more
            }
            if key == "<<" {
                merge(value, into: index, line: line)
                return .more
            }
            if stack[index].merged.remove(key) != nil {
                // An explicit key overrides a merged one (YAML merge-key semantics): rebuild without it.
                var rebuilt = JSONValue.Object()
                for member in stack[index].object.members where member.key != key { rebuilt.append(member.key, member.value) }
                stack[index].object = rebuilt
            }
            if !stack[index].object.append(key, value) {
                problems.append(ConfigProblem(stack[index].path.key(key), "duplicate key \(ConfigProblem.Path.quoted(key)) (line \(line)); the first one is used"))
            }
            return .more
        }

        /// `<<: *base` or `<<: [*a, *b]`: members not already present are added (earlier merges win).
        private mutating func merge(_ value: JSONValue, into index: Int, line: Int) {
            var sources: [JSONValue.Object] = []
            switch value {
            case .object(let object): sources = [object]
            case .array(let list):
                for item in list {
                    if case .object(let object) = item { sources.append(object) } else {
                        problems.append(ConfigProblem(stack[index].path.key("<<"), "a merge key (<<) at line \(line) must name mappings"))
                    }
                }
            default:
                problems.append(ConfigProblem(stack[index].path.key("<<"), "a merge key (<<) at line \(line) must name a mapping"))
            }
            for source in sources {
                for member in source.members where stack[index].object.append(member.key, member.value) {
                    stack[index].merged.insert(member.key)
                }
            }
        }

        private static func isCollection(_ value: JSONValue) -> Bool {
            switch value {
            case .object, .array: true
            default: false
            }
        }

        private static func text(_ pointer: UnsafePointer<UInt8>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        /// A scalar with an explicit tag: `!!str` (and any other) keeps the text; `!!int`/`!!float`/`!!bool`/`!!null` type it.
        static func tagged(_ raw: String, tag: String?) -> JSONValue {
            switch tag {
            case "tag:yaml.org,2002:int"?, "tag:yaml.org,2002:float"?, "tag:yaml.org,2002:bool"?, "tag:yaml.org,2002:null"?:
                return typed(raw)
            default:
                return .string(raw)
            }
        }

        /// A plain scalar typed by YAML 1.2's core schema.
        static func typed(_ raw: String) -> JSONValue {
            switch raw {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            case ".inf", ".Inf", ".INF", "+.inf", "-.inf", ".nan", ".NaN", ".NAN": return .string(raw)
            default: break
            }
            if let integer = Int(raw.hasPrefix("+") ? String(raw.dropFirst()) : raw) {
                return .number(text: String(integer), value: Double(integer))
            }
            if raw.hasPrefix("0x"), let hex = Int(raw.dropFirst(2), radix: 16) {
                return .number(text: String(hex), value: Double(hex))
            }
            if raw.hasPrefix("0o"), let octal = Int(raw.dropFirst(2), radix: 8) {
                return .number(text: String(octal), value: Double(octal))
            }
            if isFloat(raw), let value = Double(raw), value.isFinite {
                return .number(text: raw.hasPrefix("+") ? String(raw.dropFirst()) : raw, value: value)
            }
            return .string(raw)
        }

        /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, YAML 1.2's float (Double() alone accepts more).
        private static func isFloat(_ raw: String) -> Bool {
            var bytes = Substring(raw).utf8[...]
            if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
            let mantissaDigits = bytes.prefix(while: { isDigit($0) || $0 == UInt8(ascii: ".") })
            guard mantissaDigits.contains(where: isDigit), mantissaDigits.filter({ $0 == UInt8(ascii: ".") }).count <= 1 else { return false }
            bytes = bytes.dropFirst(mantissaDigits.count)
            guard let e = bytes.first else { return true }
            guard e == UInt8(ascii: "e") || e == UInt8(ascii: "E") else { return false }
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            return !bytes.isEmpty && bytes.allSatisfy(isDigit)
        }
    }
}
