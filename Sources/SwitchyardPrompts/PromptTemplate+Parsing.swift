extension PromptTemplate {
    /// Where a line of the file belongs.
    private enum Target {
        case header
        case system
        case user
        /// The body of a rejected section marker, already reported.
        case ignored
    }

    /// A part's marker line and its body lines (number, text).
    private struct Part {
        var markerLine: Int
        var lines: [(number: Int, text: String)] = []
    }

    /// Parses the text of the prompt file at `path` (the format is described in `resources/prompts/README.md`),
    /// reporting every problem as `path:line: what is wrong`, in line order.
    static func parse(_ source: String, path: String) -> Result<PromptTemplate, PromptLibraryError> {
        var found: [(line: Int, message: String)] = []
        func report(_ line: Int, _ message: String) { found.append((line, message)) }
        func failure() -> Result<PromptTemplate, PromptLibraryError> {
            // A stable sort: problems on one line keep the order they were found in.
            let ordered = found.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            return .failure(PromptLibraryError(problems: ordered.map { "\(path):\($0.element.line): \($0.element.message)" }))
        }

        var declared: [String]?
        var declaredLine = 1
        var system: Part?
        var user: Part?
        var target = Target.header

        for (index, line) in lines(of: source).enumerated() {
            let number = index + 1
            if let section = sectionName(line) {
                switch section {
                case "system" where system != nil, "user" where user != nil:
                    report(number, "a second `--- \(section)` part; a file has at most one of each")
                    target = .ignored
                case "system" where user != nil:
                    report(number, "the `--- system` part must come before the `--- user` part")
                    target = .ignored
                case "system":
                    system = Part(markerLine: number)
                    target = .system
                case "user":
                    user = Part(markerLine: number)
                    target = .user
                default:
                    report(number, "unknown part `--- \(section)`; the parts are `--- system` (optional) and `--- user`")
                    target = .ignored
                }
                continue
            }
            switch target {
            case .system: system?.lines.append((number, line))
            case .user: user?.lines.append((number, line))
            case .ignored: break
            case .header:
                let text = trimmed(line)
                if text.isEmpty || text.hasPrefix("#") { continue }
                guard text.hasPrefix("placeholders:") else {
                    report(number, "unexpected text in the header; it holds `# comments` and one `placeholders: a, b` line, and the parts start at `--- system` or `--- user`")
                    continue
                }
                guard declared == nil else {
                    report(number, "a second `placeholders:` line; declare every placeholder on one line")
                    continue
                }
                declaredLine = number
                declared = declaration(text.dropFirst("placeholders:".count), line: number, report: report)
            }
        }

        if declared == nil {
            report(1, "the header has no `placeholders:` line (write `placeholders:` with nothing after it for a prompt without placeholders)")
        }
        if user == nil {
            report(1, "no `--- user` part; every prompt needs one")
        }

        var used: [(name: String, line: Int)] = []
        let systemSegments = system.map { segments(of: $0, part: "system", used: &used, report: report) }
        let userSegments = user.map { segments(of: $0, part: "user", used: &used, report: report) }
        // Without a user part, "declared but never used" would only repeat that it is missing.
        if let declared, user != nil {
            var reported: Set<String> = []
            for use in used where !declared.contains(use.name) && reported.insert(use.name).inserted {
                let list = declared.isEmpty ? "declares none" : "declares: \(declared.joined(separator: ", "))"
                report(use.line, "placeholder {{\(use.name)}} is not declared (the header \(list))")
            }
            for name in declared where !used.contains(where: { $0.name == name }) {
                report(declaredLine, "placeholder `\(name)` is declared but never used")
            }
        }
        guard found.isEmpty, let declared, let userSegments = userSegments ?? nil else { return failure() }
        return .success(PromptTemplate(
            placeholders: declared, placeholdersLine: declaredLine,
            system: systemSegments ?? nil, user: userSegments, source: source))
    }

    /// The names in a `placeholders:` list (after the colon); bad or repeated names are reported.
    private static func declaration(_ list: Substring, line: Int, report: (Int, String) -> Void) -> [String] {
        var names: [String] = []
        let items = list.split(separator: ",", omittingEmptySubsequences: false).map { trimmed(String($0)) }
        if items.count == 1 && items[0].isEmpty { return [] }
        for item in items {
            if !isName(item) {
                report(line, "`\(item)` is not a placeholder name; names are letters, digits and _, not starting with a digit, separated by commas")
            } else if names.contains(item) {
                report(line, "placeholder `\(item)` is declared twice")
            } else {
                names.append(item)
            }
        }
        return names
    }

    /// A part's body as segments: surrounding blank lines dropped, lines joined with `\n`; placeholder uses are
    /// collected in `used`, malformed `{{` reported. nil (reported) when the body is empty.
    private static func segments(of part: Part, part name: String, used: inout [(name: String, line: Int)], report: (Int, String) -> Void) -> [Segment]? {
        var body = part.lines[...]
        while let first = body.first, trimmed(first.text).isEmpty { body = body.dropFirst() }
        while let last = body.last, trimmed(last.text).isEmpty { body = body.dropLast() }
        guard !body.isEmpty else {
            report(part.markerLine, "the `--- \(name)` part is empty")
            return nil
        }
        var segments: [Segment] = []
        var text: [UInt8] = []
        for (offset, line) in body.enumerated() {
            if offset > 0 { text.append(0x0A) }
            let bytes = Array(line.text.utf8)
            var position = 0
            while position < bytes.count {
                guard bytes[position] == 0x7B, position + 1 < bytes.count, bytes[position + 1] == 0x7B else {  // "{{"
                    text.append(bytes[position])
                    position += 1
                    continue
                }
                guard let close = closingBraces(in: bytes, from: position + 2) else {
                    report(line.number, "malformed placeholder: `{{` without a closing `}}` on the same line (placeholders are written {{name}})")
                    text.append(contentsOf: bytes[position...])
                    break
                }
                let name = String(decoding: bytes[(position + 2)..<close], as: UTF8.self)
                if isName(name) {
                    if !text.isEmpty { segments.append(.text(String(decoding: text, as: UTF8.self))) }
                    text = []
                    segments.append(.placeholder(name))
                    used.append((name, line.number))
                } else {
                    report(line.number, "malformed placeholder `{{\(name)}}`: a name is letters, digits and _, not starting with a digit, with no spaces, as in {{text}}")
                }
                position = close + 2
            }
        }
        if !text.isEmpty { segments.append(.text(String(decoding: text, as: UTF8.self))) }
        return segments
    }

    /// Index of the first `}}` at or after `start`.
    private static func closingBraces(in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x7D && bytes[index + 1] == 0x7D { return index }
            index += 1
        }
        return nil
    }

    /// The section a marker line opens (`--- system` → `system`), or nil when the line is not a marker. A marker
    /// is `---`, spaces, one word of ASCII letters, optional trailing spaces; a bare `---` is ordinary text.
    private static func sectionName(_ line: String) -> String? {
        guard line.hasPrefix("---") else { return nil }
        let rest = trimmed(String(line.dropFirst(3)))
        guard !rest.isEmpty, line.dropFirst(3).first == " ",
              rest.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") })
        else { return nil }
        return rest
    }

    /// Whether `text` is a placeholder name: ASCII letters, digits and `_`, not starting with a digit.
    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !(first >= "0" && first <= "9") else { return false }
        return text.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
    }

    /// The lines of `source` split at LF, each without a trailing CR (CRLF files read the same), after a leading
    /// byte-order mark is dropped. Works on bytes: a Swift `Character` joins CR LF into one.
    static func lines(of source: String) -> [String] {
        var bytes = Array(source.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
    }

    /// `text` without surrounding spaces and tabs.
    static func trimmed(_ text: String) -> String {
        var result = Substring(text)
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return String(result)
    }
}
