/// One problem found in a configuration, with the JSON path where it was found, e.g. `$.chat_models["team/chat"].providers[1].api_host`.
package struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// JSON path of the offending value (`$` for the whole file).
    package var path: String
    /// What is wrong, written for the person editing the file.
    package var message: String

    /// Creates a problem at `path` (a rendered JSON path).
    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// Creates a problem at `path`.
    package init(_ path: Path, _ message: String) {
        self.init(path: path.description, message: message)
    }

    /// `path: message`.
    package var description: String { "\(path): \(message)" }
}

extension ConfigProblem {
    /// A JSON path in the notation used by problems: `$`, `.key` for identifier-like keys, `["other key"]`
    /// otherwise, and `[i]` for list indexes.
    package struct Path: Sendable, Hashable, CustomStringConvertible {
        /// The rendered path.
        package private(set) var description: String

        /// The whole document, `$`.
        package static let root = Path(description: "$")

        /// The path of member `key` of the object at this path.
        package func key(_ key: String) -> Path {
            Path(description: description + (Self.isIdentifier(key) ? ".\(key)" : "[\(Self.quoted(key))]"))
        }

        /// The path of element `index` of the list at this path.
        package func index(_ index: Int) -> Path {
            Path(description: description + "[\(index)]")
        }

        /// `key` as a double-quoted JSON string literal, for paths and messages.
        package static func quoted(_ key: String) -> String {
            var out = "\""
            for scalar in key.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }

        private static func isIdentifier(_ key: String) -> Bool {
            guard let first = key.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
            return key.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        }

        private static func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
    }
}

/// A configuration that cannot be used, with every problem found in it.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file the configuration came from, when it came from a file.
    package var file: String?
    /// Every problem found, in the order they were found (never empty when thrown by the loader).
    package var problems: [ConfigProblem]
    /// What the file is, for the heading ("models config", "client keys file").
    package var what: String = "models config"

    /// Creates an error for `file` listing `problems`.
    package init(file: String? = nil, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    /// Creates an error for `file`, a `what`, listing `problems`.
    package init(file: String?, problems: [ConfigProblem], what: String) {
        self.file = file
        self.problems = problems
        self.what = what
    }

    /// A heading line naming the file when known, then every problem, one per line as `path: message`.
    package var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        let heading = file.map { "invalid \(what) \($0) (\(count)):" } ?? "invalid \(what) (\(count)):"
        return ([heading] + problems.map(\.description)).joined(separator: "\n")
    }
}
